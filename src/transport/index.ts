// Chooses a transport from what the user typed: --port /dev/ttyUSB0 [--baud N] or --tcp tcp://host:port.
import { RealClock, type Clock } from "../../protocols/clock.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { DEFAULT_BAUD, serialTransport } from "./serial.ts";
import { tcpTransport } from "./tcp.ts";
import type { TransportFactory } from "./types.ts";

export type { BytePort, TransportFactory } from "./types.ts";
export { serialTransport, DEFAULT_BAUD } from "./serial.ts";
export { tcpTransport } from "./tcp.ts";
export { createMemoryPair } from "./memory.ts";

export interface TransportSpec {
  port?: string;
  tcp?: string;
  baud?: number;
}

/** Baud rates a USB-serial adapter and the bed's UART both support. */
export const BAUD_MIN = 1200;
export const BAUD_MAX = 4_000_000;

function bad(field: string, message: string, value?: unknown): BedlinkError {
  return new BedlinkError(ErrorCode.BadTransportSpec, `${field}: ${message}`, { field, value });
}

export function transportFromSpec(spec: TransportSpec, clock: Clock = new RealClock()): TransportFactory {
  const hasPort = spec.port !== undefined && spec.port !== "";
  const hasTcp = spec.tcp !== undefined && spec.tcp !== "";
  if (hasPort && hasTcp) throw bad("port", "give either a serial port or tcp://host:port, not both", spec);
  if (!hasPort && !hasTcp) throw bad("port", "no transport given: use --port /dev/ttyUSB0 or --tcp tcp://host:port", spec);
  if (hasTcp) {
    if (spec.baud !== undefined) throw bad("baud", "a baud rate only applies to a serial port, not to tcp://", spec.baud);
    return tcpTransport({ ...parseTcpUrl(spec.tcp!), clock });
  }
  const baud = spec.baud ?? DEFAULT_BAUD;
  if (!Number.isInteger(baud) || baud < BAUD_MIN || baud > BAUD_MAX) {
    throw bad("baud", `must be a whole number from ${BAUD_MIN} to ${BAUD_MAX} (got ${String(spec.baud)})`, spec.baud);
  }
  if (!spec.port!.startsWith("/") && !/^COM\d+$/i.test(spec.port!)) {
    throw bad("port", `expected a device path such as /dev/ttyUSB0 (got ${JSON.stringify(spec.port)})`, spec.port);
  }
  return serialTransport({ path: spec.port!, baud });
}

export function parseTcpUrl(text: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d+)\/?$/.exec(text);
  if (!m) throw bad("tcp", `expected tcp://host:port, e.g. tcp://192.168.1.20:7000 (got ${JSON.stringify(text)})`, text);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw bad("tcp", `port must be from 1 to 65535 (got ${m[2]})`, text);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}
