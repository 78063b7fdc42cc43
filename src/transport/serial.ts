// A real tty through `serialport` (USB adapter, on-board UART, or a pty from socat).
import { SerialPort } from "serialport";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { StreamPort } from "./streamPort.ts";
import type { TransportFactory } from "./types.ts";

/** The bed's service port runs 8N1 at 115200 unless told otherwise. */
export const DEFAULT_BAUD = 115200;

export interface SerialTransportOptions {
  path: string;
  baud?: number;
}

export function serialTransport(opts: SerialTransportOptions): TransportFactory {
  const baudRate = opts.baud ?? DEFAULT_BAUD;
  return async () => {
    const port = new SerialPort({ path: opts.path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (!err) return resolve();
        reject(new BedlinkError(ErrorCode.TransportOpenFailed, `cannot open serial port ${opts.path}: ${err.message}`, { path: opts.path, baud: baudRate }));
      });
    });
    const destroy = () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      });
    return new StreamPort(`${opts.path} @ ${baudRate}`, port, destroy);
  };
}
