// Plays one step's carriage pattern (sweep, strokes, dwell, creep, segments) on the bed,
// in track millimetres already resolved from this person's scan. It runs until its step's
// signal aborts: every command and every wait carries the signal, so nothing outlives the step.
import type { Clock } from "../../protocols/clock.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import type { CommandOptions } from "../device/bed.ts";

/** What the motion player needs from the bed driver (BedDriver satisfies it). */
export interface CarriagePort {
  moveTo(positionMm: number, speedMmS: number, opts?: CommandOptions): Promise<void>;
  setLift(level: number, opts?: CommandOptions): Promise<void>;
  waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<Telemetry>;
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

/** Sleeps on the clock; rejects as soon as the signal aborts (a hold never outlasts its step). */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves only when the signal aborts, with its reason: the rest of a step after a pattern that ends. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}

/** Plays the pattern until the signal aborts (patterns loop; a dwell rests off its point). */
export async function playMotion(bed: CarriagePort, clock: Clock, m: ResolvedMotion, liftLevel: number, signal: AbortSignal): Promise<never> {
  const opts = { signal };
  const go = async (positionMm: number, speedMmS: number): Promise<void> => {
    await bed.moveTo(positionMm, speedMmS, opts);
    // Generous timeout: travel time at speed plus acceleration and a margin; a stall is the supervisor's to call.
    const current = await bed.waitForTelemetry(() => true, 2_000, signal);
    const travelMs = (Math.abs(current.positionMm - positionMm) / speedMmS) * 1000;
    await bed.waitForTelemetry((t) => Math.abs(t.positionMm - positionMm) <= ARRIVAL_TOLERANCE_MM, travelMs * 1.5 + 3_000, signal);
  };
  const lift = (level: number): Promise<void> => bed.setLift(level, opts);
  const hold = (ms: number): Promise<void> => sleep(clock, ms, signal);

  switch (m.kind) {
    case "park": {
      await lift(0);
      const at = await bed.waitForTelemetry(() => true, 2_000, signal);
      if (Math.abs(at.positionMm - m.parkMm) > ARRIVAL_TOLERANCE_MM) await go(m.parkMm, REPOSITION_SPEED_MMS);
      return untilAborted(signal);
    }
    case "sweep":
    case "creep":
      await go(m.fromMm, REPOSITION_SPEED_MMS);
      await lift(liftLevel);
      for (;;) {
        await go(m.toMm, m.speedMmS);
        await go(m.fromMm, m.speedMmS);
      }
    case "strokes": {
      // Short strokes that walk through the region and back: forward a stroke, back half of one.
      await go(m.startMm, REPOSITION_SPEED_MMS);
      await lift(liftLevel);
      const span = Math.max(0, m.endMm - m.startMm);
      const stroke = Math.min(m.strokeMm, span);
      let base = m.startMm;
      let dir = 1;
      for (;;) {
        const tip = Math.min(m.endMm, Math.max(m.startMm, base + dir * stroke));
        await go(tip, m.speedMmS);
        await go(base, m.speedMmS);
        base = Math.min(m.endMm, Math.max(m.startMm, base + (dir * stroke) / 2));
        if (base >= m.endMm || base <= m.startMm) dir = -dir;
      }
    }
    case "dwell": {
      await lift(0);
      await go(m.atMm, REPOSITION_SPEED_MMS);
      for (let i = 0; i < Math.max(1, m.repeats); i++) {
        await lift(liftLevel);
        await hold(m.holdMs);
        await lift(0);
        if (i + 1 < m.repeats) await hold(m.offMs);
      }
      return untilAborted(signal); // Rest off the point until the step ends.
    }
    case "segments": {
      await go(m.fromMm, REPOSITION_SPEED_MMS);
      const dir = m.toMm >= m.fromMm ? 1 : -1;
      const count = Math.max(1, Math.floor(Math.abs(m.toMm - m.fromMm) / m.segmentMm) + 1);
      for (;;) {
        for (let i = 0; i < count; i++) {
          await go(m.fromMm + dir * i * m.segmentMm, m.speedMmS);
          await lift(liftLevel);
          await hold(m.holdMs);
          await lift(Math.min(1, liftLevel));
        }
        await go(m.fromMm, REPOSITION_SPEED_MMS);
      }
    }
  }
}
