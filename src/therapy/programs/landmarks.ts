// Turns body landmarks ("lumbar", "thoracic:lower-third", "thoracolumbar") into track millimetres
// for this person's scanned spine, and a step's motion into the millimetre targets the motion player runs.
import { regionsFromSpan, type SpineMap } from "../../../protocols/spine.ts";
import type { ResolvedMotion } from "../motion.ts";
import type { Landmark, Motion } from "./schema.ts";
import type { Boundary, SpineRegion, Third } from "./landmarkTypes.ts";

export type { SpineMap } from "../../../protocols/spine.ts";

/** What resolution needs from a scan (the scan's lengthMm is not used). */
export type SpineBounds = Pick<SpineMap, "startMm" | "endMm" | "regions">;

export interface LandmarkSpan {
  startMm: number;
  endMm: number;
  centerMm: number;
}

const THIRD_RANGE: Record<Third, [number, number]> = {
  "upper-third": [0, 1 / 3],
  "middle-third": [1 / 3, 2 / 3],
  "lower-third": [2 / 3, 1],
};

const BOUNDARY_REGIONS: Record<Boundary, [SpineRegion, SpineRegion]> = {
  cervicothoracic: ["cervical", "thoracic"],
  thoracolumbar: ["thoracic", "lumbar"],
  lumbosacral: ["lumbar", "sacral"],
};

function span(startMm: number, endMm: number): LandmarkSpan {
  return { startMm, endMm, centerMm: (startMm + endMm) / 2 };
}

/**
 * A landmark's extent on the track. "start" is the region's head end (fractions and thirds count from
 * it), so this works whichever way the track runs; a fraction or a boundary is a point (start = end).
 */
export function resolveLandmark(l: Landmark, spine: SpineBounds): LandmarkSpan {
  if ("boundary" in l) {
    const [upper, lower] = BOUNDARY_REGIONS[l.boundary];
    // The scan may leave a small gap or overlap between neighbours: take the middle of the two edges.
    const atMm = (spine.regions[upper].endMm + spine.regions[lower].startMm) / 2;
    return span(atMm, atMm);
  }
  const region = l.region === "spine" ? { startMm: spine.startMm, endMm: spine.endMm } : spine.regions[l.region];
  const at = (f: number): number => region.startMm + f * (region.endMm - region.startMm);
  if (l.fraction !== undefined) return span(at(l.fraction), at(l.fraction));
  if (l.part !== undefined) {
    const [from, to] = THIRD_RANGE[l.part];
    return span(at(from), at(to));
  }
  return span(region.startMm, region.endMm);
}

/** A spine map from a scan's start and length by the standard region fractions (tests, previews). */
export function spineMapFromLength(startMm: number, lengthMm: number): SpineMap {
  const endMm = startMm + lengthMm;
  return { startMm, endMm, lengthMm, regions: regionsFromSpan(startMm, endMm) };
}

/**
 * The travel between two landmarks covers both entirely: it starts at the outer edge on the `from`
 * side and ends at the outer edge on the `to` side ("cervical" → "sacral" is the whole spine).
 */
export function resolveTravel(from: Landmark, to: Landmark, spine: SpineBounds): { fromMm: number; toMm: number } {
  const f = resolveLandmark(from, spine);
  const t = resolveLandmark(to, spine);
  const lo = Math.min(f.startMm, f.endMm, t.startMm, t.endMm);
  const hi = Math.max(f.startMm, f.endMm, t.startMm, t.endMm);
  // Same landmark (or `from` nearer the low end): travel low → high.
  return Math.abs(f.centerMm - lo) <= Math.abs(f.centerMm - hi) ? { fromMm: lo, toMm: hi } : { fromMm: hi, toMm: lo };
}

/** A step's motion in track millimetres for this person; `parkMm` is where "park" goes (home by default). */
export function resolveMotion(m: Motion, spine: SpineBounds, parkMm = 0): ResolvedMotion {
  switch (m.kind) {
    case "park":
      return { kind: "park", parkMm };
    case "sweep":
      return { kind: "sweep", ...resolveTravel(m.from, m.to, spine), speedMmS: m.speedMmS };
    case "creep":
      return { kind: "creep", ...resolveTravel(m.from, m.to, spine), speedMmS: m.speedMmS };
    case "segments":
      return { kind: "segments", ...resolveTravel(m.from, m.to, spine), segmentMm: m.segmentMm, holdMs: m.holdMs, speedMmS: m.speedMmS };
    case "dwell":
      return { kind: "dwell", atMm: resolveLandmark(m.at, spine).centerMm, holdMs: m.holdMs, repeats: m.repeats ?? 1, offMs: m.offMs ?? 0 };
    case "strokes": {
      const r = resolveLandmark(m.region, spine);
      let startMm = Math.min(r.startMm, r.endMm);
      let endMm = Math.max(r.startMm, r.endMm);
      // A point (boundary, fraction) or a part narrower than one stroke: stroke around its centre.
      if (endMm - startMm < m.strokeMm) {
        startMm = r.centerMm - m.strokeMm / 2;
        endMm = r.centerMm + m.strokeMm / 2;
        // Near either end of the spine, shift the window back onto it (never off the spine or the track).
        const lo = Math.min(spine.startMm, spine.endMm);
        const hi = Math.max(spine.startMm, spine.endMm);
        if (startMm < lo) [startMm, endMm] = [lo, lo + m.strokeMm];
        if (endMm > hi) [startMm, endMm] = [Math.max(lo, hi - m.strokeMm), hi];
      }
      return { kind: "strokes", startMm, endMm, strokeMm: m.strokeMm, speedMmS: m.speedMmS };
    }
  }
}
