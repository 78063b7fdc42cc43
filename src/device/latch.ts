// What the driver refuses to send, and why: after an emergency stop nothing that heats or moves
// reaches the wire until a technician releases it; after a safety order the bed did not confirm,
// nothing at all but ESTOP does, and heartbeats stop, so the bed's own lease makes it safe.
import type { Clock } from "../../protocols/clock.ts";
import type { CommandType } from "../../protocols/messages.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { Link } from "../link/link.ts";
import type { Logger } from "../log.ts";
import { DEVICE_SAFETY_CODES, type SafetyOrder } from "./orders.ts";

export interface Latch {
  /** estop: an emergency stop (ours or the bed's). gaveUp: the bed did not confirm a safety order. */
  kind: "estop" | "gaveUp";
  text: string;
  atMs: number;
}

export interface GaveUp {
  order: SafetyOrder;
  code: "S_BED_NOT_STOPPED";
  text: string;
  atMs: number;
  /** What went wrong, for the log and a technician (not for staff). */
  detail: string;
}

/** Commands that heat or move: refused from an emergency stop until a technician releases it. */
const DRIVING: ReadonlySet<CommandType> = new Set(["HEAT", "MOVE", "LIFT", "HOME", "RESET"]);
/** How often, and how many times, ESTOP is repeated to a bed that did not confirm it. */
const GIVE_UP_ESTOP_REPEATS = 3;

/** A bed that leaves its stop by itself is stopped again at most this often. */
const RESTOP_EVERY_MS = 1_000;

export class BedLatch {
  private latch: Latch | undefined;
  private gaveUp: GaveUp | undefined;
  private releaseHeartbeats: (() => void) | undefined;
  /** A technician's RESET is on its way: it may pass, and the bed's last estop readings don't latch again. */
  private releasing = false;
  private lastRestopMs = -Infinity;

  constructor(
    private readonly link: Link,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly notify: { latch(l: Latch | undefined): void; gaveUp(g: GaveUp): void },
  ) {}

  get current(): Latch | undefined {
    return this.latch;
  }

  get gaveUpOn(): GaveUp | undefined {
    return this.gaveUp;
  }

  /** The gate: why this command may not go on the wire now (undefined: it may). */
  refusal(type: CommandType, _body: unknown): Error | undefined {
    if (this.releasing && type === "RESET") return undefined;
    if (this.gaveUp && type !== "ESTOP") {
      return new BedlinkError(ErrorCode.DeviceNotComplying, `${type} not sent: the bed did not confirm a safety order, so the controller no longer drives it`, { type, gaveUp: this.gaveUp.order });
    }
    if (this.latch && DRIVING.has(type)) {
      return new BedlinkError(ErrorCode.DeviceLatched, `${type} not sent: ${this.latch.text} A technician must release the emergency stop first.`, { type, latch: this.latch.kind });
    }
    return undefined;
  }

  engage(kind: "estop", text: string): void {
    if (this.latch || this.releasing) return;
    this.latch = { kind, text, atMs: this.clock.now() };
    this.log.warn({ latch: this.latch }, "emergency stop latched: nothing heats or moves until a technician releases it");
    this.link.recheckGate();
    this.notify.latch(this.latch);
  }

  /**
   * The bed did not carry out a safety order: stop driving it. ESTOP is repeated a few times,
   * heartbeats stop for good (its own lease then makes it safe), everything else is refused.
   */
  giveUp(order: SafetyOrder, detail: string): void {
    if (this.gaveUp) return;
    const info = DEVICE_SAFETY_CODES.S_BED_NOT_STOPPED;
    this.gaveUp = { order, code: "S_BED_NOT_STOPPED", text: info.text, atMs: this.clock.now(), detail };
    this.latch = { kind: "gaveUp", text: info.text, atMs: this.gaveUp.atMs };
    this.releaseHeartbeats = this.link.holdHeartbeats();
    this.log.error({ order, detail }, "the bed did not confirm a safety order: heartbeats stopped, only ESTOP is sent from now on");
    this.link.recheckGate();
    this.repeatEstop(GIVE_UP_ESTOP_REPEATS);
    this.notify.latch(this.latch);
    this.notify.gaveUp(this.gaveUp);
  }

  /**
   * A technician's release: lets one RESET through; the returned end(true) — once telemetry shows
   * the bed out of its stop — clears the latch and resumes heartbeats; end(false) keeps it.
   */
  beginRelease(): (released: boolean) => void {
    this.releasing = true;
    return (released) => {
      this.releasing = false;
      if (!released || !this.latch) return;
      this.log.warn({ latch: this.latch }, "latch released by a technician");
      this.latch = undefined;
      this.gaveUp = undefined;
      this.releaseHeartbeats?.();
      this.releaseHeartbeats = undefined;
      this.notify.latch(undefined);
    };
  }

  /** Latched, yet the bed reports a state its stop does not allow: time to stop it again (rate-limited). */
  needsRestop(state: string): boolean {
    if (!this.latch || this.releasing) return false;
    const ok = this.gaveUp ? state === "safe" || state === "estop" || state === "cutout" : state === "estop";
    if (ok || this.clock.now() - this.lastRestopMs < RESTOP_EVERY_MS) return false;
    this.lastRestopMs = this.clock.now();
    return true;
  }

  private repeatEstop(left: number): void {
    if (left <= 0 || !this.gaveUp) return;
    this.link.estop().catch(() => {
      // Unanswered or refused: nothing more to learn from the ACK; telemetry is what counts.
    });
    this.clock.setTimeout(() => this.repeatEstop(left - 1), 100);
  }
}
