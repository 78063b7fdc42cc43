// The safety supervisor: fed every telemetry frame, it trips on anything no program may do.
// Independent of the program and of the firmware; a trip means heaters off now (the session
// machine orders SAFE on it). Units of a trip's value/limit are named by the trip's `unit`.
import { TLM_FLAGS, ZONES, type Zone } from "../../protocols/constants.ts";
import type { Identity, Telemetry } from "../../protocols/messages.ts";
import {
  DOSE_TRIP_FRACTION,
  ELEMENT_CEILING_TOLERANCE_C,
  FROZEN_TELEMETRY_MS,
  IEC_LONG_CONTACT_MS,
  IEC_SHORT_CONTACT_MAX_C,
  OCCUPIED_MIN_KG,
  RUNAWAY_FULL_POWER_MIN_RISE_K_PER_S,
  SENSOR_PLAUSIBLE_MAX_C,
  SENSOR_PLAUSIBLE_MIN_C,
  SESSION_CAP_GRACE_MS,
  SESSION_CAP_MS,
  STALL_CURRENT_FRACTION,
  STALL_CURRENT_MS,
  STALL_MIN_PROGRESS_MM,
  STALL_TARGET_MIN_MM,
  STALL_WATCH_MS,
} from "./limits.ts";
import { SUPERVISOR_CODES, type SupervisorCode } from "./reasons.ts";
import { elementCeilingC, HeaterWatch, zoneReading } from "./heaterWatch.ts";
import { NoRiseWatch, type ZoneReading } from "./runaway.ts";
import { DwellTracker, MAT_K, projectorCoupling, SkinDoseTracker, type ZoneDose } from "./skin.ts";

export interface Trip {
  code: SupervisorCode;
  priority: "high" | "medium" | "low";
  text: string;
  zone?: Zone;
  atMs: number;
  /** The measured value that tripped, with its limit, in `unit`. */
  value?: number;
  limit?: number;
  unit?: "°C" | "ms" | "mA" | "mm" | "fraction";
}

export class SafetySupervisor {
  private readonly dose: Record<Zone, SkinDoseTracker> = { projector: new SkinDoseTracker(), mat: new SkinDoseTracker() };
  private readonly dwell = new DwellTracker();
  private readonly noRise: Record<Zone, NoRiseWatch> = {
    projector: new NoRiseWatch(RUNAWAY_FULL_POWER_MIN_RISE_K_PER_S.projector),
    mat: new NoRiseWatch(RUNAWAY_FULL_POWER_MIN_RISE_K_PER_S.mat),
  };
  private readonly heaters: HeaterWatch;
  private stall: { sinceMs: number; positionMm: number } | undefined;
  private overCurrentSinceMs: number | undefined;
  private frozen: { key: string; sinceMs: number } | undefined;
  private readonly maxElement: Record<Zone, number> = { projector: -Infinity, mat: -Infinity };
  private tripped: Trip | undefined;

  constructor(
    private readonly identity: Identity,
    private readonly sessionStartMs: number,
  ) {
    this.heaters = new HeaterWatch(identity);
  }

  /**
   * The first trip, if any: later ones are not needed, the bed is already safe — except a heater
   * that keeps warming after its power was cut, which is raised even then (once): nothing but the
   * operator can help, and they must be told.
   */
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
      const r = zoneReading(t, zone);
      // A reading out of the sensor's range is not a temperature: check it before using it.
      // Written so that NaN fails too: a reading that is not a number is not a temperature.
      if (!(r.elementC >= SENSOR_PLAUSIBLE_MIN_C && r.elementC <= SENSOR_PLAUSIBLE_MAX_C)) {
        return this.raise("S_SENSOR_RANGE", nowMs, { zone, value: r.elementC, limit: r.elementC < SENSOR_PLAUSIBLE_MIN_C ? SENSOR_PLAUSIBLE_MIN_C : SENSOR_PLAUSIBLE_MAX_C, unit: "°C" });
      }
      this.maxElement[zone] = Math.max(this.maxElement[zone], r.elementC);
      const ceiling = elementCeilingC(zone, this.identity);
      if (r.elementC > ceiling + ELEMENT_CEILING_TOLERANCE_C) return this.raise("S_ELEMENT_OVER", nowMs, { zone, value: r.elementC, limit: ceiling, unit: "°C" });
      const k = zone === "projector" ? projectorCoupling(dwellMs) : MAT_K;
      const d = this.dose[zone].update(nowMs, r.elementC, k);
      if (d.skinC > IEC_SHORT_CONTACT_MAX_C) return this.raise("S_SKIN_OVER_48", nowMs, { zone, value: d.skinC, limit: IEC_SHORT_CONTACT_MAX_C, unit: "°C" });
      if (d.over43Ms >= IEC_LONG_CONTACT_MS) return this.raise("S_SKIN_OVER_43", nowMs, { zone, value: d.over43Ms, limit: IEC_LONG_CONTACT_MS, unit: "ms" });
      if (d.fraction >= DOSE_TRIP_FRACTION) return this.raise("S_BURN_DOSE", nowMs, { zone, value: d.fraction, limit: DOSE_TRIP_FRACTION, unit: "fraction" });
      const runaway = this.checkRunaway(t, zone, r, nowMs);
      if (runaway) return runaway;
    }
    const stall = this.checkStall(t, nowMs);
    if (stall) return stall;
    const frozen = this.checkFrozen(t, nowMs);
    if (frozen) return frozen;
    if (nowMs - this.sessionStartMs > SESSION_CAP_MS + SESSION_CAP_GRACE_MS) {
      return this.raise("S_SESSION_CAP", nowMs, { value: nowMs - this.sessionStartMs, limit: SESSION_CAP_MS, unit: "ms" });
    }
    return undefined;
  }

  /** Raised by the session when telemetry stops arriving. */
  staleTelemetry(nowMs: number, ageMs: number, limitMs: number): Trip | undefined {
    return this.raise("S_TELEMETRY_STALE", nowMs, { value: ageMs, limit: limitMs, unit: "ms" });
  }

  private checkRunaway(t: Telemetry, zone: Zone, r: ZoneReading, nowMs: number): Trip | undefined {
    const avgC = this.heaters.average(zone, nowMs, r.elementC);
    const dead = this.noRise[zone].update(nowMs, r, avgC);
    if (dead !== undefined) return this.raise("S_NO_RISE", nowMs, { zone, value: dead, limit: 1, unit: "°C" });
    const heater = this.heaters.checkZone(t, zone, avgC, nowMs);
    return heater ? this.raise(heater.code, nowMs, { zone, value: heater.value, limit: heater.limit, unit: "°C" }) : undefined;
  }

  private checkStall(t: Telemetry, nowMs: number): Trip | undefined {
    // Over-current must last (direction reversals draw short acceleration peaks), like the firmware's own trip.
    const tripMa = this.identity.limits.motorTripMa * STALL_CURRENT_FRACTION;
    if (t.motorMa >= tripMa) {
      this.overCurrentSinceMs ??= nowMs;
      if (nowMs - this.overCurrentSinceMs >= STALL_CURRENT_MS) return this.raise("S_CARRIAGE_STALL", nowMs, { value: t.motorMa, limit: tripMa, unit: "mA" });
    } else this.overCurrentSinceMs = undefined;
    // The firmware's own "moving" flag: a halted carriage keeps its old target but is not asked to move.
    const wantsToMove = (t.flags & TLM_FLAGS.moving) !== 0 && Math.abs(t.targetMm - t.positionMm) > STALL_TARGET_MIN_MM;
    if (!wantsToMove) {
      this.stall = undefined;
      return undefined;
    }
    if (!this.stall || Math.abs(t.positionMm - this.stall.positionMm) >= STALL_MIN_PROGRESS_MM) {
      this.stall = { sinceMs: nowMs, positionMm: t.positionMm };
      return undefined;
    }
    if (nowMs - this.stall.sinceMs >= STALL_WATCH_MS) {
      return this.raise("S_CARRIAGE_STALL", nowMs, { value: Math.abs(t.positionMm - this.stall.positionMm), limit: STALL_MIN_PROGRESS_MM, unit: "mm" });
    }
    return undefined;
  }

  /** The same readings, exactly, frame after frame, with someone on the bed: the bed's sensors hung. */
  private checkFrozen(t: Telemetry, nowMs: number): Trip | undefined {
    if (t.loadKg < OCCUPIED_MIN_KG) {
      this.frozen = undefined;
      return undefined;
    }
    const key = `${t.projectorC}|${t.matC}|${t.loadKg}|${t.motorMa}`;
    if (this.frozen?.key !== key) {
      this.frozen = { key, sinceMs: nowMs };
      return undefined;
    }
    if (nowMs - this.frozen.sinceMs >= FROZEN_TELEMETRY_MS) return this.raise("S_TELEMETRY_FROZEN", nowMs, { value: nowMs - this.frozen.sinceMs, limit: FROZEN_TELEMETRY_MS, unit: "ms" });
    return undefined;
  }

  private raise(code: SupervisorCode, atMs: number, extra: Partial<Trip>): Trip | undefined {
    if (this.tripped && (code !== "S_HEATER_NOT_CUT" || this.tripped.code === code)) return undefined;
    const info = SUPERVISOR_CODES[code];
    this.tripped = { code, priority: info.priority, text: info.text, atMs, ...extra };
    return this.tripped;
  }
}
