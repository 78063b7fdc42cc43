// The command window: at most COMMAND_WINDOW commands in flight, at most one per actuator
// (so two setpoints for the carriage can never overtake each other and be refused as
// stale), and never so far ahead of the oldest one that the device's dedup cache could
// forget it (MAX_SEQ_SPAN); the rest wait in order. Every submitted command ends in exactly
// one of: its reply, CommandRejected, CommandTimeout, LinkDown, or the gate's refusal.
//
// The gate is the one place that decides, at the moment a frame would go on the wire, whether
// it still may: the order it belongs to may have ended (its AbortSignal) or the driver may have
// latched the bed (emergency stop) since it was queued.
import { BedlinkError, ErrorCode } from "../errors.ts";
import { actuatorOf, COMMAND_WINDOW, SEQ_MODULO } from "../../protocols/constants.ts";
import type { CommandType } from "../../protocols/messages.ts";
import { COMMAND_MAX_ATTEMPTS, MAX_SEQ_SPAN } from "./constants.ts";
import { exchange, rejection, type Wire } from "./exchange.ts";

/** Returns why a command may not be sent now, or undefined when it may. */
export type SendGate = (type: CommandType, body: unknown) => Error | undefined;

export interface SendOptions {
  /** The order this command belongs to: once aborted, the command is never sent. */
  signal?: AbortSignal;
  /**
   * Safety orders (SAFE, heaters off): sent at once, ahead of everything waiting and regardless of
   * the window's size or a busy actuator (a stale earlier setpoint is refused by the device's stale
   * rule, never applied after them), so their confirmation can count from the moment they are asked.
   */
  urgent?: boolean;
  /** Called when the frame first goes on the wire (confirmation windows count from here). */
  onSent?: () => void;
}

interface Queued {
  type: CommandType;
  body: unknown;
  opts: SendOptions;
  resolve: (body: Record<string, unknown> | undefined) => void;
  reject: (err: Error) => void;
  unlisten: () => void;
}

export function abortedError(type: string, signal: AbortSignal): BedlinkError {
  const why = signal.reason instanceof Error ? signal.reason.message : "its order ended";
  return new BedlinkError(ErrorCode.CommandAborted, `${type} not sent: ${why}`, { type });
}

export class CommandWindow {
  private readonly queue: Queued[] = [];
  private readonly inFlight = new Set<number>();
  private readonly busyActuators = new Set<string>();
  private wire: Wire | undefined;

  constructor(private readonly gate: SendGate = () => undefined) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Opens the window on a live, handshaken connection; undefined closes it. */
  attach(wire: Wire | undefined): void {
    this.wire = wire;
    this.pump();
  }

  submit(type: CommandType, body: unknown, opts: SendOptions = {}): Promise<Record<string, unknown> | undefined> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(abortedError(type, signal));
    const refused = this.gate(type, body);
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      const q: Queued = { type, body, opts, resolve, reject, unlisten: () => {} };
      if (signal) {
        const onAbort = (): void => this.drop(q, abortedError(type, signal));
        signal.addEventListener("abort", onAbort, { once: true });
        q.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      if (opts.urgent && this.wire) return this.send(this.wire, q, undefined);
      if (opts.urgent) this.queue.unshift(q);
      else this.queue.push(q);
      this.pump();
    });
  }

  /** Rejects everything still waiting to be sent (in-flight ones fail through their waiter). */
  failQueued(err: Error): void {
    for (const q of this.queue.splice(0)) this.settle(q, () => q.reject(err));
  }

  /** Re-asks the gate about everything waiting (the driver just latched the bed). */
  recheck(): void {
    for (const q of [...this.queue]) {
      const refused = this.refusal(q);
      if (refused) this.drop(q, refused);
    }
  }

  private refusal(q: Queued): Error | undefined {
    if (q.opts.signal?.aborted) return abortedError(q.type, q.opts.signal);
    return this.gate(q.type, q.body);
  }

  private drop(q: Queued, err: Error): void {
    const i = this.queue.indexOf(q);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.settle(q, () => q.reject(err));
  }

  private settle(q: Queued, fn: () => void): void {
    q.unlisten();
    fn();
  }

  private pump(): void {
    while (this.wire && this.inFlight.size < COMMAND_WINDOW && this.queue.length > 0 && this.spanAllows(this.wire)) {
      const head = this.queue[0]!;
      const refused = this.refusal(head);
      if (refused) {
        this.queue.shift();
        this.settle(head, () => head.reject(refused));
        continue;
      }
      // Strict FIFO: the head waits while its actuator is busy, and so does everyone behind it.
      const actuator = actuatorOf(head.type, head.body);
      if (actuator !== undefined && this.busyActuators.has(actuator)) return;
      this.queue.shift();
      this.send(this.wire, head, actuator);
    }
  }

  private send(wire: Wire, q: Queued, actuator: string | undefined): void {
    q.unlisten();
    // Never rejects: run() settles the command on every path (reply, NAK, timeout, link down).
    void this.run(wire, q, actuator);
  }

  /** True while the oldest in-flight seq is less than MAX_SEQ_SPAN behind the next one. */
  private spanAllows(wire: Wire): boolean {
    const next = wire.peekSeq();
    for (const s of this.inFlight) if ((next - s + SEQ_MODULO) % SEQ_MODULO >= MAX_SEQ_SPAN) return false;
    return true;
  }

  private async run(wire: Wire, cmd: Queued, actuator: string | undefined): Promise<void> {
    const seq = wire.allocSeq();
    this.inFlight.add(seq);
    if (actuator !== undefined) this.busyActuators.add(actuator);
    try {
      const reply = await exchange(
        wire,
        cmd.type,
        cmd.body,
        {
          maxAttempts: COMMAND_MAX_ATTEMPTS,
          timeoutForAttempt: (n) => wire.rtt.timeoutForAttempt(n),
          timeoutKind: "command",
          onFirstSend: cmd.opts.onSent,
          // The gate again before every retransmission: an ESTOP since means no copy goes out.
          stillAllowed: () => this.refusal(cmd),
        },
        seq,
      );
      if (reply.type === "NAK") cmd.reject(rejection(cmd.type, reply));
      else if (reply.body?.stale === true) {
        // Not applied: a newer command for the same actuator won. Never report that as done.
        wire.counters.staleReplies++;
        cmd.reject(new BedlinkError(ErrorCode.CommandRejected, `device did not apply ${cmd.type} (seq ${seq}): a newer command for the same actuator was applied first`, { type: cmd.type, seq, stale: true }));
      } else cmd.resolve(reply.body);
    } catch (err) {
      cmd.reject(err as Error);
    } finally {
      this.inFlight.delete(seq);
      if (actuator !== undefined) this.busyActuators.delete(actuator);
      this.pump();
    }
  }
}
