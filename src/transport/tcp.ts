// Raw TCP to a serial bridge (ser2net style): the socket carries exactly the serial bytes.
import { connect } from "node:net";
import { RealClock, type Clock } from "../../protocols/clock.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { StreamPort } from "./streamPort.ts";
import type { TransportFactory } from "./types.ts";

/** A bridge on the LAN answers in milliseconds; the OS default (minutes) would look like a hang. */
export const TCP_CONNECT_TIMEOUT_MS = 5000;

export interface TcpTransportOptions {
  host: string;
  port: number;
  clock?: Clock;
  connectTimeoutMs?: number;
}

export function tcpTransport(opts: TcpTransportOptions): TransportFactory {
  const clock = opts.clock ?? new RealClock();
  const timeoutMs = opts.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS;
  const where = `tcp://${opts.host}:${opts.port}`;
  return async () => {
    const socket = connect({ host: opts.host, port: opts.port });
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clock.clearTimeout(timer);
        socket.destroy();
        reject(new BedlinkError(ErrorCode.TransportOpenFailed, `cannot connect to ${where}: ${why}`, { host: opts.host, port: opts.port }));
      };
      const timer = clock.setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      socket.once("error", (err) => fail(err.message));
      socket.once("connect", () => {
        clock.clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve();
      });
    });
    // Frames are small and latency-bound: do not let Nagle hold a command back.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    return new StreamPort(where, socket, async () => void socket.destroy());
  };
}
