// Lists serial ports. serialport asks udevadm, which is missing on minimal machines
// (containers, this one): then we scan /dev ourselves and say that we did.
import { readdir, readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { silentLogger, type Logger } from "../log.ts";

export interface SerialPortEntry {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** Stable name under /dev/serial/by-id, when there is one. */
  byId?: string;
}

export interface SerialPortListing {
  ports: SerialPortEntry[];
  /** "udev": serialport's own listing; "dev-scan": our fallback. */
  source: "udev" | "dev-scan";
  /** Set when the fallback was used: why, in one sentence. */
  note?: string;
}

export interface ListOptions {
  logger?: Logger;
  /** Root to scan (tests point it at a fake tree). */
  devDir?: string;
  sysClassTtyDir?: string;
  /** Replaces SerialPort.list (tests). */
  list?: () => Promise<SerialPortEntry[]>;
}

const TTY_NAME = /^tty(USB|ACM|S|AMA)\d+$/;

export async function listSerialPorts(opts: ListOptions = {}): Promise<SerialPortListing> {
  const log = (opts.logger ?? silentLogger()).child({ ns: "bedlink:transport:list" });
  try {
    const ports = await (opts.list ?? (() => SerialPort.list()))();
    return { ports: ports.map(pick), source: "udev" };
  } catch (err) {
    const reason = (err as Error).message;
    const missing = /udevadm/.test(reason) && /ENOENT/.test(reason);
    const note = missing
      ? `udevadm is not installed (${reason}); listed ports by scanning ${opts.devDir ?? "/dev"} instead (no vendor details)`
      : `serialport could not list ports (${reason}); listed ports by scanning ${opts.devDir ?? "/dev"} instead`;
    log.warn({ reason }, note);
    const ports = await scanDev(opts.devDir ?? "/dev", opts.sysClassTtyDir ?? "/sys/class/tty");
    return { ports, source: "dev-scan", note };
  }
}

function pick(p: SerialPortEntry): SerialPortEntry {
  const out: SerialPortEntry = { path: p.path };
  for (const k of ["manufacturer", "serialNumber", "vendorId", "productId"] as const) if (p[k]) out[k] = p[k];
  return out;
}

async function scanDev(devDir: string, sysDir: string): Promise<SerialPortEntry[]> {
  const names = (await readdir(devDir).catch(() => [] as string[])).filter((n) => TTY_NAME.test(n));
  const byId = new Map<string, string>();
  const byIdDir = join(devDir, "serial", "by-id");
  for (const link of await readdir(byIdDir).catch(() => [] as string[])) {
    const target = await realpath(join(byIdDir, link)).catch(() => undefined);
    if (target) byId.set(target, join(byIdDir, link));
  }
  const ports: SerialPortEntry[] = [];
  for (const name of names.sort(naturalOrder)) {
    // The kernel makes ttyS0–31 whether or not a UART is fitted; type 0 means "no UART here".
    if (name.startsWith("ttyS")) {
      const type = await readFile(join(sysDir, name, "type"), "utf8").catch(() => undefined);
      if (type !== undefined && type.trim() === "0") continue;
    }
    const path = join(devDir, name);
    const entry: SerialPortEntry = { path };
    const id = byId.get(path);
    if (id) entry.byId = id;
    ports.push(entry);
  }
  return ports;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
