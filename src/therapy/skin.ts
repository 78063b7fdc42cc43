// Skin-side temperature estimate, Moritz–Henriques burn dose and IEC 60601-1 contact time, per
// zone. The bed measures only its elements; the skin is estimated conservatively (never below
// what is likely). The one skin model: the supervisor runs it in time, the program validator
// uses its steady state (skinSteadyC), so the two can never disagree about a program.
import { BURN_DOSE_S, DOSE_REFERENCE_C, DOSE_START_C, IEC_LONG_CONTACT_MAX_C } from "./limits.ts";

/** Resting skin temperature the contact heat adds to (physiology: 33–35 °C). */
export const SKIN_BASE_C = 34;
/** Fraction of the element's excess heat reaching skin through the cover while the projector moves. */
export const PROJECTOR_K_MOVING = 0.5;
/** …and after a long dwell on one spot (contact saturates). Deliberately above the simulator's cover model. */
export const PROJECTOR_K_DWELL = 0.75;
/** Dwell saturation time constant, ms. */
export const PROJECTOR_DWELL_TAU_MS = 45_000;
/** The projector counts as dwelling while it stays within this distance of where it stopped. */
export const DWELL_RADIUS_MM = 15;
/** The mat is always in contact: fixed coupling through the mat cover. */
export const MAT_K = 0.6;
/** Estimate falls no faster than this time constant (tissue keeps heat); rises at once (conservative). */
export const SKIN_COOL_TAU_MS = 30_000;

export interface ZoneDose {
  skinC: number;
  /** Seconds-equivalent at 44 °C. */
  doseS: number;
  /** doseS / burn dose (1.0 = burn threshold). */
  fraction: number;
  maxSkinC: number;
  /** Time the estimate has spent above 43 °C in all (IEC 60601-1 table 24), ms. */
  over43Ms: number;
}

/** Where the estimate settles under an element held at elementC with contact coupling k. */
export function skinSteadyC(elementC: number, k: number): number {
  return SKIN_BASE_C + Math.max(0, elementC - SKIN_BASE_C) * k;
}

/** The element temperature at which the steady estimate reaches skinC (inverse of skinSteadyC). */
export function elementForSkinC(skinC: number, k: number): number {
  return SKIN_BASE_C + (skinC - SKIN_BASE_C) / k;
}

/** Tracks one zone's skin estimate and accumulated dose from element readings. */
export class SkinDoseTracker {
  private state: ZoneDose = { skinC: SKIN_BASE_C, doseS: 0, fraction: 0, maxSkinC: SKIN_BASE_C, over43Ms: 0 };
  private lastMs: number | undefined;

  get current(): Readonly<ZoneDose> {
    return this.state;
  }

  /** Feed one element reading with the contact coupling k (0…1). */
  update(nowMs: number, elementC: number, k: number): Readonly<ZoneDose> {
    const target = skinSteadyC(elementC, k);
    const dtMs = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    const prev = this.state.skinC;
    const skinC = target >= prev ? target : target + (prev - target) * Math.exp(-dtMs / SKIN_COOL_TAU_MS);
    // Dose over the interval at the higher end of the two estimates: conservative.
    const doseC = Math.max(prev, skinC);
    const doseS = this.state.doseS + (doseC >= DOSE_START_C ? (dtMs / 1000) * 2 ** (doseC - DOSE_REFERENCE_C) : 0);
    const over43Ms = this.state.over43Ms + (doseC > IEC_LONG_CONTACT_MAX_C ? dtMs : 0);
    this.state = { skinC, doseS, fraction: doseS / BURN_DOSE_S, maxSkinC: Math.max(this.state.maxSkinC, skinC), over43Ms };
    return this.state;
  }
}

/** Coupling for the projector given how long it has stayed on one spot. */
export function projectorCoupling(dwellMs: number): number {
  return PROJECTOR_K_MOVING + (PROJECTOR_K_DWELL - PROJECTOR_K_MOVING) * (1 - Math.exp(-dwellMs / PROJECTOR_DWELL_TAU_MS));
}

/** Follows the carriage to tell how long the projector has been on the current spot. */
export class DwellTracker {
  private anchorMm: number | undefined;
  private sinceMs = 0;

  update(nowMs: number, positionMm: number): number {
    if (this.anchorMm === undefined || Math.abs(positionMm - this.anchorMm) > DWELL_RADIUS_MM) {
      this.anchorMm = positionMm;
      this.sinceMs = nowMs;
    }
    return nowMs - this.sinceMs;
  }
}
