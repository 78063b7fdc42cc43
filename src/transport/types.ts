// What the link asks of a transport: a way to (re)open the byte pipe to the bed.
import type { BytePort } from "../../protocols/port.ts";

export type { BytePort };
/** Opens a fresh port each call: the link calls it again to reconnect after an unplug. */
export type TransportFactory = () => Promise<BytePort>;
