// The command window: at most COMMAND_WINDOW commands in flight, at most one per actuator
// (so two setpoints for the carriage can never overtake each other and be refused as
// stale), and never so far ahead of the oldest one that the device's dedup cache could
// forget it (MAX_SEQ_SPAN); the rest wait in order. Every submitted command ends in exactly one of: its reply,
// CommandRejected, CommandTimeout, LinkDown.
import { BedlinkError, ErrorCode } from "../errors.ts";
import { actuatorOf, COMMAND_WINDOW, SEQ_MODULO } from "../../protocols/constants.ts";
import type { CommandType } from "../../protocols/messages.ts";
import { COMMAND_MAX_ATTEMPTS, MAX_SEQ_SPAN } from "./constants.ts";
import { exchange, rejection, type Wire } from "./exchange.ts";


interface Queued {
  type: CommandType;
  body: unknown;
  resolve: (body: Record<string, unknown> | undefined) => void;
  reject: (err: Error) => void;
}

export class CommandWindow {
  private readonly queue: Queued[] = [];
  private readonly inFlight = new Set<number>();
  private readonly busyActuators = new Set<string>();
  private wire: Wire | undefined;

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

  submit(type: CommandType, body: unknown): Promise<Record<string, unknown> | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ type, body, resolve, reject });
      this.pump();
    });
  }

  /** Rejects everything still waiting to be sent (in-flight ones fail through their waiter). */
  failQueued(err: Error): void {
    for (const q of this.queue.splice(0)) q.reject(err);
  }

  private pump(): void {
    while (this.wire && this.inFlight.size < COMMAND_WINDOW && this.queue.length > 0 && this.spanAllows(this.wire)) {
      // Strict FIFO: the head waits while its actuator is busy, and so does everyone behind it.
      const actuator = actuatorOf(this.queue[0]!.type, this.queue[0]!.body);
      if (actuator !== undefined && this.busyActuators.has(actuator)) return;
      const cmd = this.queue.shift()!;
      void this.run(this.wire, cmd, actuator);
    }
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
        { maxAttempts: COMMAND_MAX_ATTEMPTS, timeoutForAttempt: (n) => wire.rtt.timeoutForAttempt(n), timeoutKind: "command" },
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
