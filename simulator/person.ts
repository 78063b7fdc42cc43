// The person on the bed: weight on the load sensor, and a spine laid along the track whose
// curves press the projector differently per region (that is what a scan sweep measures).
import { SPINE_REGIONS, type SpineRegion } from "../protocols/spine.ts";

export interface PersonSpec {
  heightCm: number;
  weightKg: number;
}

export interface SpineTruth {
  startMm: number;
  endMm: number;
  lengthMm: number;
  /** Region bounds on the track, head end first. */
  regions: Record<SpineRegion, { startMm: number; endMm: number }>;
}

/** Spine length ≈ 0.4 × body height (Gray's: male ≈ 71 cm, female ≈ 61 cm), clamped to that range. */
export const SPINE_PER_HEIGHT = 0.4;
export const SPINE_MIN_MM = 610;
export const SPINE_MAX_MM = 710;
/** Where C1 lies on the track: the head rests on the pillow at the head end; people lie ±5 mm differently. */
export const SPINE_START_BASE_MM = 25;
export const SPINE_START_JITTER_MM = 10;

/**
 * Relative pressure of the back on the projector per region. Lordotic curves (cervical,
 * lumbar) arch away from the bed and press lightly; kyphotic ones (thoracic, sacral) press
 * hard (patent US 10588683 reads the regions from exactly this contrast). Before C1 there is
 * only the neck gap; past the sacrum, soft tissue.
 */
export const REGION_PRESSURE: Record<SpineRegion | "head" | "tail", number> = {
  head: 0,
  cervical: 0.3,
  thoracic: 1.0,
  lumbar: 0.4,
  sacral: 0.8,
  tail: 0.15,
};
/** Width of the change between two regions' pressure, mm (the curve is smooth, not a step). */
export const TRANSITION_MM = 16;

export const BED_PERSON_LIMITS = {
  heightCm: [120, 220] as const, // plausible adults (same bounds as the CLI options); beyond this the geometry makes no sense
  weightKg: [25, 250] as const, // load sensor full scale 250 kg
};

/** Validates a person; the message names the field and its range. */
export function checkPerson(p: PersonSpec): string | undefined {
  for (const key of ["heightCm", "weightKg"] as const) {
    const [min, max] = BED_PERSON_LIMITS[key];
    const v = p[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) return `person.${key} must be a number from ${min} to ${max} (got ${String(v)})`;
  }
  return undefined;
}

/** Lays the person's spine on the track. `jitter01` (0–1, from the seeded PRNG) sets where they lie. */
export function layOutSpine(p: PersonSpec, jitter01: number): SpineTruth {
  const lengthMm = Math.min(SPINE_MAX_MM, Math.max(SPINE_MIN_MM, p.heightCm * 10 * SPINE_PER_HEIGHT));
  const startMm = SPINE_START_BASE_MM + jitter01 * SPINE_START_JITTER_MM;
  let at = startMm;
  const regions = {} as SpineTruth["regions"];
  for (const r of SPINE_REGIONS) {
    const end = at + r.fraction * lengthMm;
    regions[r.name] = { startMm: at, endMm: end };
    at = end;
  }
  return { startMm, endMm: startMm + lengthMm, lengthMm, regions };
}

function smoothstep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

export interface PressureProfile {
  bounds: Float64Array;
  steps: Float64Array;
  base: number;
}

/** Precomputes a spine's region edges (the pressure is read every physics step while moving). */
export function pressureProfile(spine: SpineTruth): PressureProfile {
  // Boundaries in order: head|cervical|thoracic|lumbar|sacral|tail.
  const bounds = [spine.startMm, ...SPINE_REGIONS.map((r) => spine.regions[r.name].endMm)];
  const levels = [REGION_PRESSURE.head, ...SPINE_REGIONS.map((r) => REGION_PRESSURE[r.name]), REGION_PRESSURE.tail];
  return { bounds: Float64Array.from(bounds), steps: Float64Array.from(bounds.map((_, i) => levels[i + 1]! - levels[i]!)), base: levels[0]! };
}

/** Pressure factor (0 … 1) of the back against the projector at a track position. */
export function pressureAt(profile: PressureProfile, positionMm: number): number {
  let p = profile.base;
  for (let i = 0; i < profile.bounds.length; i++) {
    p += profile.steps[i]! * smoothstep((positionMm - profile.bounds[i]! + TRANSITION_MM / 2) / TRANSITION_MM);
  }
  return p;
}
