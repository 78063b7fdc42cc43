// Every number a program definition is checked against, in one place, each with where it comes from.
// Validation only: the safety supervisor keeps its own limits and does not trust these; the skin
// model and the dose and IEC numbers are the supervisor's own, imported, so the two cannot differ.
import { BURN_DOSE_S, DOSE_START_C, IEC_LONG_CONTACT_MS } from "../limits.ts";
import { elementForSkinC, MAT_K, PROJECTOR_K_DWELL, PROJECTOR_K_MOVING, SKIN_BASE_C, skinSteadyC } from "../skin.ts";

/** Element (projector) ceiling: 65 °C, commonly quoted for the product (BRIEF domain numbers). */
export const PROJECTOR_MAX_C = 65;
/** Heated-mat element ceiling: 60 °C (BRIEF domain numbers). */
export const MAT_MAX_C = 60;
/** Lift (intensity) levels 1–6 (Ceragem Master V3); 0 = retracted, only when parked. */
export const LIFT_MOVING_MIN = 1;
export const LIFT_MAX = 6;
/** Roller speeds: about 2 mm/s (creep) to 50 mm/s (brisk) (BRIEF, our estimate); 1 leaves room below creep. */
export const SPEED_MIN_MMS = 1;
export const SPEED_MAX_MMS = 50;
/** Myofascial "creep" is <= 2 mm/s (BRIEF technique table). */
export const CREEP_MAX_MMS = 2;
/** Pressure levels 4–6 appear only in the slow techniques (deep tissue 5–10 mm/s, trigger point holds). */
export const HIGH_LIFT_FROM = 4;
export const HIGH_LIFT_MAX_SPEED_MMS = 10;
/** Hard session maximum, steps plus cool-down (BRIEF: heating-pad auto-off practice). */
export const SESSION_MAX_MS = 60 * 60_000;
/** Every program ends with at least a minute of cool-down, heaters off, carriage parked (our design). */
export const COOL_DOWN_MIN_MS = 60_000;
export const COOL_DOWN_MAX_MS = 10 * 60_000;
/** Roller modes only up to 136 kg (300 lb) (Nuga Best operator rules); above that heat only. */
export const ROLLER_MAX_WEIGHT_KG = 136;
/** A park position beyond any bed's track is a typo; the runner still checks the device's trackMm. */
export const PARK_POSITION_MAX_MM = 2000;
/** Short strokes stay inside one region; the smallest (cervical, 18 % of a 61 cm spine) is ~110 mm. */
export const STROKE_MIN_MM = 10;
export const STROKE_MAX_MM = 100;
/** Spinal walk: one vertebra is ~20–35 mm; 10–100 mm covers one to a few segments per step. */
export const SEGMENT_MIN_MM = 10;
export const SEGMENT_MAX_MM = 100;
/** Dwell pattern repeats: trigger point uses <= 3 (BRIEF); 10 bounds typos elsewhere. */
export const DWELL_REPEATS_MAX = 10;
/** A program is a handful of phases; 200 steps is far beyond any sensible definition. */
export const STEPS_MAX = 200;

// ---- Skin-side estimate for validation: the supervisor's model, in its steady state ----------
// One skin model (src/therapy/skin.ts) serves the supervisor and the validator: validation assumes
// the skin has already settled under the element, skin = SKIN_BASE_C + k × (element − SKIN_BASE_C),
// with the supervisor's own couplings, so a program the validator accepts is one the supervisor
// will not trip on for its skin rules.
export { SKIN_BASE_C } from "../skin.ts";
/** How a spot on the back meets the projector: long contact, short repeated strokes, or a pass. */
export type Contact = "stationary" | "local" | "travelling";
/** Share of the element excess reaching the skin: the supervisor's couplings (dwelling saturates at K_DWELL). */
export const PROJECTOR_CONTACT_FRACTION: Record<Contact, number> = {
  stationary: PROJECTOR_K_DWELL, // dwell, creep, parked, segment holds: the spot stays under the element
  local: PROJECTOR_K_MOVING, // short strokes inside one region: the supervisor sees the carriage moving
  travelling: PROJECTOR_K_MOVING, // sweeps
};
/** The mat lies under legs/abdomen for the whole session: the supervisor's fixed mat coupling. */
export const MAT_CONTACT_FRACTION = MAT_K;
/** The projector's contact patch along the track (jade projector pair, our estimate). */
export const PROJECTOR_CONTACT_MM = 50;
/** IEC 60601-1 table 24 allows 10 min over 43 °C in all; programs keep a minute in hand for the estimate's slow fall (τ 30 s). */
export const SKIN_OVER_43_BUDGET_MS = IEC_LONG_CONTACT_MS - 60_000;
/** IEC 60601-1 table 24: nothing over 48 °C skin, however short. */
export { IEC_SHORT_CONTACT_MAX_C as IEC_SHORT_MAX_C } from "../limits.ts";

/**
 * Longest stationary contact allowed at a skin temperature (estimated as above). Derivation:
 * - IEC 60601-1 table 24: skin contact >= 10 min at most 43 °C; 1–10 min at most 48 °C. The brief
 *   gives no sub-minute limit, so nothing above 48 °C is allowed at all, however short.
 * - Moritz & Henriques burn dose: 360 min at 44 °C, halving per +1 °C. The supervisor trips at
 *   10 % of that; a single hold may use at most HOLD_DOSE_BUDGET_MIN (5 %, half the trip) —
 *   each row satisfies maxHoldMs × 2^(skinMaxC − 44) <= 18 equivalent minutes (tested).
 * Element equivalents for the projector when stationary (k = 0.75): <= 46 °C unlimited, <= 48 °C
 * 10 min, <= 50 °C 4 min, <= 51.3 °C 2 min, <= 52.7 °C 1 min, above that no hold.
 */
export const SKIN_HOLD_LIMITS: readonly { skinMaxC: number; maxHoldMs: number }[] = [
  { skinMaxC: 43, maxHoldMs: Number.POSITIVE_INFINITY }, // IEC >= 10 min limit; the session cap governs
  { skinMaxC: 44.5, maxHoldMs: 10 * 60_000 }, // IEC 1–10 min band; dose 10 × 1.41 = 14.1 eq-min
  { skinMaxC: 46, maxHoldMs: 4 * 60_000 }, // dose 4 × 4 = 16 eq-min
  { skinMaxC: 47, maxHoldMs: 2 * 60_000 }, // dose 2 × 8 = 16 eq-min
  { skinMaxC: 48, maxHoldMs: 60_000 }, // dose 1 × 16 = 16 eq-min; 48 °C is the IEC 1–10 min ceiling
];
/** Burn threshold: about 6 h at 44 °C (Moritz & Henriques 1947). */
export const BURN_DOSE_MIN_AT_44C = BURN_DOSE_S / 60;
/** Per hold and per program per zone: 5 % of the burn dose, half the supervisor's 10 % trip. */
export const HOLD_DOSE_BUDGET_MIN = 0.05 * BURN_DOSE_MIN_AT_44C;
/** Dose counts only while the skin is at or above this (the supervisor's rule). */
export const DOSE_FROM_SKIN_C = DOSE_START_C;

export function skinEstimateC(elementC: number, k: number): number {
  return elementC <= SKIN_BASE_C ? elementC : skinSteadyC(elementC, k);
}

/** The element setpoint at which the estimate reaches skinC (inverse of skinEstimateC). */
export const elementCapC = elementForSkinC;

/** Longest stationary contact for an estimated skin temperature; 0 = none allowed. */
export function maxHoldMsForSkin(skinC: number): number {
  const row = SKIN_HOLD_LIMITS.find((r) => skinC <= r.skinMaxC + 1e-9);
  return row ? row.maxHoldMs : 0;
}

/** Burn-dose equivalent minutes at 44 °C for a contact of durationMs at skinC. */
export function doseEquivalentMin(skinC: number, durationMs: number): number {
  if (skinC < DOSE_FROM_SKIN_C) return 0;
  return (durationMs / 60_000) * 2 ** (skinC - 44);
}
