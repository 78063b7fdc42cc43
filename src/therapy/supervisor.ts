// The safety supervisor: fed every telemetry frame, it trips on anything no program may do.
// Independent of the program and of the firmware; a trip means heaters off now.
import { TLM_FLAGS, type Zone } from "../../protocols/constants.ts";
import type { DeviceLimits, Telemetry } from "../../protocols/messages.ts";
import {
  DOSE_TRIP_FRACTION,
  ELEMENT_CEILING_C,
  ELEMENT_CEILING_TOLERANCE_C,
  RUNAWAY_NO_RISE_MIN_DUTY,
  RUNAWAY_NO_RISE_MIN_RISE_C,
  RUNAWAY_NO_RISE_WATCH_MS,
  RUNAWAY_ABOVE_SETPOINT_C,
  RUNAWAY_OFF_RISING_ABOVE_C,
  RUNAWAY_OFF_RISING_C,
  SENSOR_PLAUSIBLE_MAX_C,
  SENSOR_PLAUSIBLE_MIN_C,
  SESSION_CAP_GRACE_MS,
  SESSION_CAP_MS,
  STALL_CURRENT_FRACTION,
  STALL_CURRENT_MS,
  STALL_MIN_PROGRESS_MM,
  STALL_WATCH_MS,
  SUPERVISOR_CODES,
  type SupervisorCode,
} from "./limits.ts";
import { DwellTracker, MAT_K, projectorCoupling, SkinDoseTracker, type ZoneDose } from "./skin.ts";

export interface Trip {
  code: SupervisorCode;
  priority: "high" | "medium" | "low";
  text: string;
  zone?: Zone;
  atMs: number;
  /** The measured value that tripped, with its limit. */
  value?: number;
  limit?: number;
}

interface RunawayWatch {
  sinceMs: number;
  startC: number;
}

const ZONES: readonly Zone[] = ["projector", "mat"];

function reading(t: Telemetry, zone: Zone): { elementC: number; setC: number; duty: number } {
  return zone === "projector"
    ? { elementC: t.projectorC, setC: t.projectorSetC, duty: t.projectorDuty }
    : { elementC: t.matC, setC: t.matSetC, duty: t.matDuty };
}

export class SafetySupervisor {
  private readonly dose: Record<Zone, SkinDoseTracker> = { projector: new SkinDoseTracker(), mat: new SkinDoseTracker() };
  private readonly dwell = new DwellTracker();
  private readonly noRise: Partial<Record<Zone, RunawayWatch>> = {};
  private readonly offRising: Partial<Record<Zone, RunawayWatch>> = {};
  private stall: { sinceMs: number; positionMm: number } | undefined;
  private overCurrentSinceMs: number | undefined;
  private readonly maxElement: Record<Zone, number> = { projector: -Infinity, mat: -Infinity };
  private tripped: Trip | undefined;

  constructor(
    private readonly limits: DeviceLimits,
    private readonly sessionStartMs: number,
  ) {}

  /** The first trip, if any (later ones are not needed: the bed is already safe). */
  get trip(): Trip | undefined {
    return this.tripped;
  }

  get doses(): Record<Zone, Readonly<ZoneDose>> {
    return { projector: this.dose.projector.current, mat: this.dose.mat.current };
  }

  get maxElementC(): Record<Zone, number> {
    return { ...this.maxElement };
  }

  /** Checks one frame. Returns a new trip, or undefined. */
  onTelemetry(t: Telemetry, nowMs: number): Trip | undefined {
    const dwellMs = this.dwell.update(nowMs, t.positionMm);
    for (const zone of ZONES) {
      const r = reading(t, zone);
      // A reading out of the sensor's range is not a temperature: check it before using it.
      // Written so that NaN fails too: a reading that is not a number is not a temperature.
      if (!(r.elementC >= SENSOR_PLAUSIBLE_MIN_C && r.elementC <= SENSOR_PLAUSIBLE_MAX_C)) {
        return this.raise("S_SENSOR_RANGE", nowMs, { zone, value: r.elementC, limit: r.elementC < SENSOR_PLAUSIBLE_MIN_C ? SENSOR_PLAUSIBLE_MIN_C : SENSOR_PLAUSIBLE_MAX_C });
      }
      this.maxElement[zone] = Math.max(this.maxElement[zone], r.elementC);
      const ceiling = Math.min(ELEMENT_CEILING_C[zone], zone === "projector" ? this.limits.projectorMaxC : this.limits.matMaxC);
      if (r.elementC > ceiling + ELEMENT_CEILING_TOLERANCE_C) {
        return this.raise("S_ELEMENT_OVER", nowMs, { zone, value: r.elementC, limit: ceiling });
      }
      const k = zone === "projector" ? projectorCoupling(dwellMs) : MAT_K;
      const d = this.dose[zone].update(nowMs, r.elementC, k);
      if (d.fraction >= DOSE_TRIP_FRACTION) return this.raise("S_BURN_DOSE", nowMs, { zone, value: d.fraction, limit: DOSE_TRIP_FRACTION });
      const runaway = this.checkRunaway(zone, r, nowMs);
      if (runaway) return runaway;
    }
    const stall = this.checkStall(t, nowMs);
    if (stall) return stall;
    if (nowMs - this.sessionStartMs > SESSION_CAP_MS + SESSION_CAP_GRACE_MS) {
      return this.raise("S_SESSION_CAP", nowMs, { value: nowMs - this.sessionStartMs, limit: SESSION_CAP_MS });
    }
    return undefined;
  }

  /** Raised by the session when telemetry stops arriving. */
  staleTelemetry(nowMs: number, ageMs: number, limitMs: number): Trip | undefined {
    return this.raise("S_TELEMETRY_STALE", nowMs, { value: ageMs, limit: limitMs });
  }

  private checkRunaway(zone: Zone, r: { elementC: number; setC: number; duty: number }, nowMs: number): Trip | undefined {
    // On but not warming: driven hard while well below its setpoint, and not rising.
    if (r.setC > 0 && r.duty >= RUNAWAY_NO_RISE_MIN_DUTY && r.elementC < r.setC - 3) {
      const w = (this.noRise[zone] ??= { sinceMs: nowMs, startC: r.elementC });
      if (r.elementC - w.startC >= RUNAWAY_NO_RISE_MIN_RISE_C) this.noRise[zone] = { sinceMs: nowMs, startC: r.elementC };
      else if (nowMs - w.sinceMs >= RUNAWAY_NO_RISE_WATCH_MS) {
        return this.raise("S_NO_RISE", nowMs, { zone, value: r.elementC - w.startC, limit: RUNAWAY_NO_RISE_MIN_RISE_C });
      }
    } else delete this.noRise[zone];
    // Warming while it should not: setpoint 0, or already well above its setpoint (the
    // controller cuts the heater there). Measured from the coolest reading since (hysteresis:
    // sensor noise of a few tenths cannot add up); only above body temperature, since a person
    // lying on a cold element warms it to ~35 °C.
    const shouldNotWarm = r.setC === 0 || r.elementC > r.setC + RUNAWAY_ABOVE_SETPOINT_C;
    if (shouldNotWarm && r.elementC >= RUNAWAY_OFF_RISING_ABOVE_C) {
      const w = (this.offRising[zone] ??= { sinceMs: nowMs, startC: r.elementC });
      if (r.elementC < w.startC) this.offRising[zone] = { sinceMs: nowMs, startC: r.elementC };
      else if (r.elementC - w.startC >= RUNAWAY_OFF_RISING_C) {
        return this.raise("S_OFF_RISING", nowMs, { zone, value: r.elementC - w.startC, limit: RUNAWAY_OFF_RISING_C });
      }
    } else delete this.offRising[zone];
    return undefined;
  }

  private checkStall(t: Telemetry, nowMs: number): Trip | undefined {
    // Over-current must last (direction reversals draw short acceleration peaks), like the firmware's own trip.
    if (t.motorMa >= this.limits.motorTripMa * STALL_CURRENT_FRACTION) {
      this.overCurrentSinceMs ??= nowMs;
      if (nowMs - this.overCurrentSinceMs >= STALL_CURRENT_MS) {
        return this.raise("S_CARRIAGE_STALL", nowMs, { value: t.motorMa, limit: this.limits.motorTripMa * STALL_CURRENT_FRACTION });
      }
    } else this.overCurrentSinceMs = undefined;
    // The firmware's own "moving" flag: a halted carriage keeps its old target but is not asked to move.
    const wantsToMove = (t.flags & TLM_FLAGS.moving) !== 0 && Math.abs(t.targetMm - t.positionMm) > 5;
    if (!wantsToMove) {
      this.stall = undefined;
      return undefined;
    }
    if (!this.stall || Math.abs(t.positionMm - this.stall.positionMm) >= STALL_MIN_PROGRESS_MM) {
      this.stall = { sinceMs: nowMs, positionMm: t.positionMm };
      return undefined;
    }
    if (nowMs - this.stall.sinceMs >= STALL_WATCH_MS) {
      return this.raise("S_CARRIAGE_STALL", nowMs, { value: Math.abs(t.positionMm - this.stall.positionMm), limit: STALL_MIN_PROGRESS_MM });
    }
    return undefined;
  }

  private raise(code: SupervisorCode, atMs: number, extra: Partial<Trip>): Trip | undefined {
    if (this.tripped) return undefined;
    const info = SUPERVISOR_CODES[code];
    this.tripped = { code, priority: info.priority, text: info.text, atMs, ...extra };
    return this.tripped;
  }
}
