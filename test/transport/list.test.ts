import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { listSerialPorts } from "../../src/transport/list.ts";

function fakeDev(): { dev: string; sys: string } {
  const root = mkdtempSync(join(tmpdir(), "bedlink-dev-"));
  const dev = join(root, "dev");
  const sys = join(root, "sys");
  mkdirSync(join(dev, "serial", "by-id"), { recursive: true });
  for (const n of ["ttyUSB0", "ttyACM1", "ttyS0", "ttyS1", "tty1", "null"]) writeFileSync(join(dev, n), "");
  symlinkSync("../../ttyUSB0", join(dev, "serial", "by-id", "usb-FTDI_FT232R_A10K1234-if00-port0"));
  for (const [n, type] of [["ttyS0", "4"], ["ttyS1", "0"]] as const) {
    mkdirSync(join(sys, n), { recursive: true });
    writeFileSync(join(sys, n, "type"), `${type}\n`);
  }
  return { dev, sys };
}

describe("listing serial ports", () => {
  it("udevadm missing → falls back to scanning /dev, says so, skips phantom UARTs, keeps by-id names", async () => {
    const { dev, sys } = fakeDev();
    const listing = await listSerialPorts({
      devDir: dev,
      sysClassTtyDir: sys,
      list: async () => {
        throw new Error("spawn udevadm ENOENT");
      },
    });
    expect(listing.source).toBe("dev-scan");
    expect(listing.note).toMatch(/udevadm is not installed/);
    expect(listing.ports).toEqual([
      { path: join(dev, "ttyACM1") },
      { path: join(dev, "ttyS0") },
      { path: join(dev, "ttyUSB0"), byId: join(dev, "serial", "by-id", "usb-FTDI_FT232R_A10K1234-if00-port0") },
    ]);
  });

  it("serialport lists them itself → its details are kept, no note", async () => {
    const listing = await listSerialPorts({ list: async () => [{ path: "/dev/ttyUSB0", manufacturer: "FTDI", vendorId: "0403", productId: "6001" }] });
    expect(listing).toEqual({ source: "udev", ports: [{ path: "/dev/ttyUSB0", manufacturer: "FTDI", vendorId: "0403", productId: "6001" }] });
  });

  it("`bedlink ports --json` on this machine (no udevadm) → exit 0 and a listing with the fallback note", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/bedlink.js", "ports", "--json"], { cwd: process.cwd() });
    const listing = JSON.parse(stdout) as { source: string; ports: unknown[]; note?: string };
    expect(Array.isArray(listing.ports)).toBe(true);
    if (listing.source === "dev-scan") {
      expect(listing.note).toMatch(/scanning/);
      expect(stderr).toMatch(/scanning/); // the log line
    }
  });

  it("`bedlink ports` (text) → exit 0, one line per port", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/bedlink.js", "ports"], { cwd: process.cwd() });
    expect(stdout.trim().length).toBeGreaterThan(0);
  });
});
