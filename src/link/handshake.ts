// The HELLO exchange: offer our protocol range, get the device's identity and limits, and
// turn a version mismatch into one sentence telling the technician what to update.
import { HOST_PROTOCOL_RANGE } from "../../protocols/constants.ts";
import { parseReply } from "../../protocols/codec.ts";
import type { Identity } from "../../protocols/messages.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { COMMAND_MAX_ATTEMPTS } from "./constants.ts";
import { exchange, rejection, type Wire } from "./exchange.ts";

/** "firmware speaks protocol 2, this controller speaks 1–1; update the controller" (DESIGN-NOTES). */
export function versionMismatchText(deviceProto: number, range: readonly [number, number] = HOST_PROTOCOL_RANGE): string {
  const advice = deviceProto > range[1] ? "update the controller" : "update the firmware";
  return `firmware speaks protocol ${deviceProto}, this controller speaks ${range[0]}–${range[1]}; ${advice}`;
}

function mismatch(deviceProto: number): BedlinkError {
  return new BedlinkError(ErrorCode.ProtocolVersionMismatch, versionMismatchText(deviceProto), {
    deviceProto,
    hostRange: [...HOST_PROTOCOL_RANGE],
  });
}

/** 8 lowercase hex digits from a random source. */
export function newSessionId(random: () => number): string {
  let sid = "";
  for (let i = 0; i < 8; i++) sid += Math.floor(random() * 16).toString(16);
  return sid;
}

export async function handshake(wire: Wire, sid: string, hostName: string): Promise<Identity> {
  let reply;
  try {
    reply = await exchange(
      wire,
      "HELLO",
      { proto: [...HOST_PROTOCOL_RANGE], host: hostName, sid },
      { maxAttempts: COMMAND_MAX_ATTEMPTS, timeoutForAttempt: (n) => wire.rtt.timeoutForAttempt(n), timeoutKind: "handshake" },
    );
  } catch (err) {
    if (err instanceof BedlinkError && err.code === ErrorCode.CommandTimeout) {
      throw new BedlinkError(ErrorCode.HandshakeFailed, `no answer to HELLO after ${COMMAND_MAX_ATTEMPTS} attempts: is a bed on this port, powered, at the right baud rate?`, err.context);
    }
    throw err;
  }
  if (reply.type === "NAK") {
    if (reply.body.code === "E_PROTO_VERSION" && reply.body.proto !== undefined) throw mismatch(reply.body.proto);
    const err = rejection("HELLO", reply);
    throw new BedlinkError(ErrorCode.HandshakeFailed, err.message, err.context);
  }
  const parsed = parseReply("HELLO", reply.body);
  if (!parsed.ok) throw new BedlinkError(ErrorCode.BadReply, `device identity is malformed: ${parsed.error}`, { body: reply.body });
  const identity = parsed.value;
  if (identity.proto < HOST_PROTOCOL_RANGE[0] || identity.proto > HOST_PROTOCOL_RANGE[1]) throw mismatch(identity.proto);
  // The heartbeat runs at a quarter of the lease, and the 32-seq span rule assumes about a second:
  // a lease far off that is a firmware fault, not something to adapt to.
  const { leaseMs } = identity.limits;
  if (!(leaseMs >= LEASE_MIN_MS && leaseMs <= LEASE_MAX_MS)) {
    throw new BedlinkError(ErrorCode.HandshakeFailed, `device reports a lease of ${leaseMs} ms; this controller works with ${LEASE_MIN_MS}–${LEASE_MAX_MS} ms (check the firmware's limits table)`, { leaseMs });
  }
  return identity;
}

/** Leases the controller accepts (PROTOCOL.md §9: about a second). */
export const LEASE_MIN_MS = 500;
export const LEASE_MAX_MS = 5000;
