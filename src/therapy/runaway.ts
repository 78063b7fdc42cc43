// Thermal runaway checks per zone, after Marlin's watch periods: a heater driven hard that does
// not warm (sensor fell off, heater dead), and one that warms while commanded off (a stuck
// switch) or after its power was cut (the cut failed too). Readings are averaged first so that
// sensor noise can never add up to a trip.
import {
  RUNAWAY_ABOVE_SETPOINT_C,
  RUNAWAY_FULL_POWER_BELOW_SETPOINT_C,
  RUNAWAY_FULL_POWER_DUTY_PCT,
  RUNAWAY_FULL_POWER_WINDOW_MS,
  RUNAWAY_FILTER_TAU_MS,
  RUNAWAY_NO_RISE_BELOW_SETPOINT_C,
  RUNAWAY_NO_RISE_MIN_DUTY_PCT,
  RUNAWAY_NO_RISE_MIN_RISE_C,
  RUNAWAY_NO_RISE_WATCH_MS,
  RUNAWAY_OFF_RISING_ABOVE_C,
  RUNAWAY_OFF_RISING_C,
} from "./limits.ts";

export interface ZoneReading {
  elementC: number;
  setC: number;
  duty: number;
}

/** First-order average of a zone's readings (time constant RUNAWAY_FILTER_TAU_MS). */
export class ZoneFilter {
  private value: number | undefined;
  private lastMs: number | undefined;

  update(nowMs: number, c: number): number {
    const dtMs = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.value = this.value === undefined ? c : this.value + (c - this.value) * (1 - Math.exp(-dtMs / RUNAWAY_FILTER_TAU_MS));
    return this.value;
  }
}

/** A zone that should not be warming, watched from its coolest (averaged) reading since. */
export class WarmingWatch {
  private coolestC: number | undefined;

  reset(): void {
    this.coolestC = undefined;
  }

  /** Feeds one averaged reading; returns the rise above the coolest since, when it reached the trip. */
  update(averagedC: number): number | undefined {
    if (this.coolestC === undefined || averagedC < this.coolestC) this.coolestC = averagedC;
    const rise = averagedC - this.coolestC;
    return rise >= RUNAWAY_OFF_RISING_C && averagedC >= RUNAWAY_OFF_RISING_ABOVE_C ? rise : undefined;
  }
}

/** Commanded off: setpoint 0, duty 0, or already above its setpoint (where the loop is cutting back). */
export function commandedOff(r: ZoneReading, averagedC: number): boolean {
  return r.setC === 0 || r.duty === 0 || averagedC > r.setC + RUNAWAY_ABOVE_SETPOINT_C;
}

/** On but not warming: driven hard while well below its setpoint, and not rising over the watch. */
export class NoRiseWatch {
  private watch: { sinceMs: number; startC: number } | undefined;
  private fullPower: { sinceMs: number; startC: number } | undefined;

  constructor(private readonly minFullPowerRiseKPerS: number) {}

  /** Returns the rise seen when the watch period passed without the minimum rise. */
  update(nowMs: number, r: ZoneReading, averagedC: number): number | undefined {
    const slow = this.checkFullPower(nowMs, r, averagedC);
    if (slow !== undefined) return slow;
    if (!(r.setC > 0 && r.duty >= RUNAWAY_NO_RISE_MIN_DUTY_PCT && averagedC < r.setC - RUNAWAY_NO_RISE_BELOW_SETPOINT_C)) {
      this.watch = undefined;
      return undefined;
    }
    const w = (this.watch ??= { sinceMs: nowMs, startC: averagedC });
    if (averagedC - w.startC >= RUNAWAY_NO_RISE_MIN_RISE_C) this.watch = { sinceMs: nowMs, startC: averagedC };
    else if (nowMs - w.sinceMs >= RUNAWAY_NO_RISE_WATCH_MS) return averagedC - w.startC;
    return undefined;
  }

  /**
   * At full power, far below its setpoint, a healthy heater warms at least this zone's minimum
   * rate: a reading that climbs slower (a thermistor half out of its pocket) is not its element.
   */
  private checkFullPower(nowMs: number, r: ZoneReading, averagedC: number): number | undefined {
    if (!(r.duty >= RUNAWAY_FULL_POWER_DUTY_PCT && averagedC < r.setC - RUNAWAY_FULL_POWER_BELOW_SETPOINT_C)) {
      this.fullPower = undefined;
      return undefined;
    }
    const w = (this.fullPower ??= { sinceMs: nowMs, startC: averagedC });
    if (nowMs - w.sinceMs < RUNAWAY_FULL_POWER_WINDOW_MS) return undefined;
    const rise = averagedC - w.startC;
    if (rise < (this.minFullPowerRiseKPerS * (nowMs - w.sinceMs)) / 1000) return rise;
    this.fullPower = { sinceMs: nowMs, startC: averagedC };
    return undefined;
  }
}
