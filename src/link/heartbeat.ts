// Keeps the device's lease alive (HB every lease/4 while up) and notices a device that
// has gone silent with the port still open. Heartbeat ACKs double as RTT samples.
// Heartbeats can be held (an emergency stop awaiting the bed's confirmation, or a bed the
// controller gave up on): the silence watch goes on, but no HB goes out, so the bed's own
// lease runs out unless something else renews it.
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { HEARTBEAT_FRACTION } from "../../protocols/constants.ts";
import { DEVICE_SILENCE_LEASES } from "./constants.ts";
import type { ReplyFrame, Wire } from "./exchange.ts";

/** Unanswered heartbeats kept for RTT matching; older ones are history. */
const MAX_TRACKED_HEARTBEATS = 16;

export class Heartbeat {
  private timer: TimerHandle | undefined;
  /** HB seq → send time. */
  private readonly sent = new Map<number, number>();
  private holds = 0;

  constructor(
    private readonly clock: Clock,
    private readonly wire: Wire,
    /** Clock time of the last valid frame from the device. */
    private readonly lastRxMs: () => number,
    private readonly onSilent: (silentMs: number) => void,
  ) {}

  start(leaseMs: number): void {
    this.stop();
    const silenceMs = leaseMs * DEVICE_SILENCE_LEASES;
    this.timer = this.clock.setInterval(() => {
      if (this.clock.now() - this.lastRxMs() > silenceMs) {
        this.stop();
        this.onSilent(silenceMs);
        return;
      }
      if (this.holds > 0) return;
      const seq = this.wire.allocSeq();
      const frame = { type: "HB", seq, body: {} } as const;
      if (this.sent.size >= MAX_TRACKED_HEARTBEATS) this.sent.clear();
      // Sampled from when it is through the line, like every command (exchange.ts).
      this.sent.set(seq, this.clock.now() + this.wire.lineDelayMs(frame));
      this.wire.counters.heartbeatsSent++;
      this.wire.writeFrame(frame);
    }, leaseMs / HEARTBEAT_FRACTION);
  }

  /** Stops sending heartbeats until the returned release is called (holds nest). */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  }

  get held(): boolean {
    return this.holds > 0;
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.sent.clear();
  }

  /** Takes the reply if it answers a heartbeat (nobody awaits those). */
  claim(f: ReplyFrame): boolean {
    const sentMs = this.sent.get(f.seq);
    if (sentMs === undefined) return false;
    this.sent.delete(f.seq);
    if (f.type === "ACK") this.wire.rtt.sample(this.clock.now() - sentMs);
    return true;
  }
}
