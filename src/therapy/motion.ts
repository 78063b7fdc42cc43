// Plays one step's carriage pattern (sweep, strokes, dwell, creep, segments) on the bed,
// in track millimetres already resolved from this person's scan. Cancelled at step end.
import type { Clock } from "../../protocols/clock.ts";
import type { Telemetry } from "../../protocols/messages.ts";

/** What the motion player needs from the bed driver (BedDriver satisfies it). */
export interface CarriagePort {
  moveTo(positionMm: number, speedMmS: number): Promise<void>;
  halt(): Promise<void>;
  setLift(level: number): Promise<void>;
  waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number): Promise<Telemetry>;
}

export type ResolvedMotion =
  | { kind: "park"; parkMm: number }
  | { kind: "sweep"; fromMm: number; toMm: number; speedMmS: number }
  | { kind: "strokes"; startMm: number; endMm: number; strokeMm: number; speedMmS: number }
  | { kind: "dwell"; atMm: number; holdMs: number; repeats: number; offMs: number }
  | { kind: "creep"; fromMm: number; toMm: number; speedMmS: number }
  | { kind: "segments"; fromMm: number; toMm: number; segmentMm: number; holdMs: number; speedMmS: number };

/** Speed for getting into position before a pattern starts (brisk, but inside the 50 mm/s brief range). */
export const REPOSITION_SPEED_MMS = 40;
/** The carriage counts as arrived within this distance of its target. */
export const ARRIVAL_TOLERANCE_MM = 1.5;

export class Cancelled extends Error {
  constructor() {
    super("motion cancelled");
  }
}

export class MotionPlayer {
  private cancelled = false;
  private readonly done: Promise<void>;
  private wake: () => void = () => {};
  /** Resolves on cancel, so a hold never outlasts it. */
  private readonly cancelSignal = new Promise<void>((resolve) => (this.wake = resolve));

  constructor(
    private readonly bed: CarriagePort,
    private readonly clock: Clock,
    motion: ResolvedMotion,
    private readonly liftLevel: number,
    onError: (err: unknown) => void,
  ) {
    this.done = this.play(motion).catch((err) => {
      if (!(err instanceof Cancelled) && !this.cancelled) onError(err);
    });
  }

  /** Stop issuing commands. The caller decides what the carriage does next. */
  cancel(): Promise<void> {
    this.cancelled = true;
    this.wake();
    return this.done;
  }

  private check(): void {
    if (this.cancelled) throw new Cancelled();
  }

  private async go(positionMm: number, speedMmS: number): Promise<void> {
    this.check();
    await this.bed.moveTo(positionMm, speedMmS);
    this.check();
    // Generous timeout: travel time at speed plus acceleration and a margin; a stall is the supervisor's to call.
    const current = await this.bed.waitForTelemetry(() => true, 2_000);
    const travelMs = (Math.abs(current.positionMm - positionMm) / speedMmS) * 1000;
    await this.bed.waitForTelemetry(
      (t) => this.cancelled || Math.abs(t.positionMm - positionMm) <= ARRIVAL_TOLERANCE_MM,
      travelMs * 1.5 + 3_000,
    );
    this.check();
  }

  private async hold(ms: number): Promise<void> {
    this.check();
    await Promise.race([this.clock.sleep(ms), this.cancelSignal]);
    this.check();
  }

  private async play(m: ResolvedMotion): Promise<void> {
    switch (m.kind) {
      case "park": {
        await this.bed.setLift(0);
        const at = await this.bed.waitForTelemetry(() => true, 2_000);
        if (Math.abs(at.positionMm - m.parkMm) > ARRIVAL_TOLERANCE_MM) await this.go(m.parkMm, REPOSITION_SPEED_MMS);
        return;
      }
      case "sweep":
        await this.go(m.fromMm, REPOSITION_SPEED_MMS);
        await this.bed.setLift(this.liftLevel);
        for (;;) {
          await this.go(m.toMm, m.speedMmS);
          await this.go(m.fromMm, m.speedMmS);
        }
      case "creep":
        await this.go(m.fromMm, REPOSITION_SPEED_MMS);
        await this.bed.setLift(this.liftLevel);
        for (;;) {
          await this.go(m.toMm, m.speedMmS);
          await this.go(m.fromMm, m.speedMmS);
        }
      case "strokes": {
        // Short strokes that walk through the region and back: forward a stroke, back half of one.
        await this.go(m.startMm, REPOSITION_SPEED_MMS);
        await this.bed.setLift(this.liftLevel);
        const span = Math.max(0, m.endMm - m.startMm);
        const stroke = Math.min(m.strokeMm, span);
        let base = m.startMm;
        let dir = 1;
        for (;;) {
          const tip = Math.min(m.endMm, Math.max(m.startMm, base + dir * stroke));
          await this.go(tip, m.speedMmS);
          await this.go(base, m.speedMmS);
          base = Math.min(m.endMm, Math.max(m.startMm, base + (dir * stroke) / 2));
          if (base >= m.endMm || base <= m.startMm) dir = -dir;
        }
      }
      case "dwell": {
        await this.bed.setLift(0);
        await this.go(m.atMm, REPOSITION_SPEED_MMS);
        for (let i = 0; i < Math.max(1, m.repeats); i++) {
          await this.bed.setLift(this.liftLevel);
          await this.hold(m.holdMs);
          await this.bed.setLift(0);
          if (i + 1 < m.repeats) await this.hold(m.offMs);
        }
        return; // Rest off the point until the step ends.
      }
      case "segments": {
        await this.go(m.fromMm, REPOSITION_SPEED_MMS);
        const dir = m.toMm >= m.fromMm ? 1 : -1;
        const count = Math.max(1, Math.floor(Math.abs(m.toMm - m.fromMm) / m.segmentMm) + 1);
        for (;;) {
          for (let i = 0; i < count; i++) {
            await this.go(m.fromMm + dir * i * m.segmentMm, m.speedMmS);
            await this.bed.setLift(this.liftLevel);
            await this.hold(m.holdMs);
            await this.bed.setLift(Math.min(1, this.liftLevel));
          }
          await this.go(m.fromMm, REPOSITION_SPEED_MMS);
        }
      }
    }
  }
}
