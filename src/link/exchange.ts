// One command's life on the wire: send, wait for its ACK/NAK, retransmit on timeout with
// the same sequence number (so the device's dedup cache answers instead of re-applying),
// give up after a bounded number of attempts. Used by the window, the handshake and ESTOP.
import type { Frame } from "../../protocols/codec.ts";
import type { CommandType } from "../../protocols/messages.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { RttEstimator } from "./rtt.ts";
import type { LinkCounters } from "./stats.ts";
import { WaitTimeout, type Wait } from "./waitress.ts";

export type ReplyFrame = Extract<Frame, { type: "ACK" | "NAK" }>;

/** What an exchange needs from the live connection. */
export interface Wire {
  allocSeq(): number;
  /** The number allocSeq will return next. */
  peekSeq(): number;
  writeFrame(frame: Frame): void;
  /** How long until `frame`, written now, has left the host on a paced line (its own and the queued bytes' wire time); 0 if the line rate is unknown. */
  lineDelayMs(frame: Frame): number;
  awaitReply(seq: number, timeoutMs: number): Wait<ReplyFrame>;
  readonly rtt: RttEstimator;
  readonly counters: LinkCounters;
  now(): number;
}

export interface ExchangePolicy {
  maxAttempts: number;
  timeoutForAttempt(attempt: number): number;
  /** Which timeout counter to bump when every attempt went unanswered. */
  timeoutKind: keyof LinkCounters["timeouts"];
  /** Called once, when the frame first goes on the wire. */
  onFirstSend?: () => void;
  /** Asked before every retransmission: why this frame may no longer go on the wire (an ESTOP since), or undefined. */
  stillAllowed?: () => Error | undefined;
}

/** Resolves with the ACK frame or the NAK frame; rejects with CommandTimeout (or LinkDown from the waitress). */
export async function exchange(wire: Wire, type: CommandType, body: unknown, policy: ExchangePolicy, seq = wire.allocSeq()): Promise<ReplyFrame> {
  const frame = { type, seq, body } as Frame;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (attempt > 1) {
      const refused = policy.stillAllowed?.();
      if (refused) throw refused;
    }
    if (attempt === 1) wire.counters.commandsSent++;
    else wire.counters.retransmits++;
    // The RTT is measured from when the frame is through the line, and the timer waits that long too.
    const lineMs = wire.lineDelayMs(frame);
    const sentAtMs = wire.now() + lineMs;
    const wait = wire.awaitReply(seq, policy.timeoutForAttempt(attempt) + lineMs);
    wire.writeFrame(frame);
    if (attempt === 1) policy.onFirstSend?.();
    let reply: ReplyFrame;
    try {
      reply = await wait.promise;
    } catch (err) {
      if (err instanceof WaitTimeout) continue;
      throw err;
    }
    // Karn: a reply after a retransmission could answer either copy, so it is no sample.
    if (attempt === 1) wire.rtt.sample(wire.now() - sentAtMs);
    return reply;
  }
  wire.counters.timeouts[policy.timeoutKind]++;
  throw new BedlinkError(ErrorCode.CommandTimeout, `${type} (seq ${seq}) got no answer after ${policy.maxAttempts} attempts`, {
    type,
    seq,
    attempts: policy.maxAttempts,
  });
}

/** A NAK becomes CommandRejected carrying the device's reason. */
export function rejection(type: CommandType, reply: Extract<ReplyFrame, { type: "NAK" }>): BedlinkError {
  const nak = reply.body;
  const range = nak.field !== undefined ? ` (${nak.field}${nak.min !== undefined ? ` ${nak.min}…${nak.max}` : ""})` : "";
  return new BedlinkError(ErrorCode.CommandRejected, `device refused ${type}: ${nak.code} ${nak.message}${range}`, {
    type,
    seq: reply.seq,
    nak,
  });
}
