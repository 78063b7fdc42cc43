// Programs in words for people (CLI `programs show`, the panel): landmarks, motion, heat, durations.
import type { Landmark, Motion, ProgramDefinition, Step } from "./schema.ts";

export function describeDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function describeLandmark(l: Landmark): string {
  if ("boundary" in l) return `the ${l.boundary} junction`;
  const region = l.region === "spine" ? "the whole spine" : l.region;
  if (l.part) return `the ${l.part.replace("-", " ")} of ${region}`;
  if (l.fraction !== undefined) return `${region} at ${Math.round(l.fraction * 100)} %`;
  return region;
}

const span = (from: Landmark, to: Landmark): string =>
  JSON.stringify(from) === JSON.stringify(to) ? `over ${describeLandmark(from)}` : `from ${describeLandmark(from)} to ${describeLandmark(to)}`;

export function describeMotion(m: Motion): string {
  switch (m.kind) {
    case "park":
      return "carriage parked";
    case "sweep":
      return `sweeps ${span(m.from, m.to)} at ${m.speedMmS} mm/s`;
    case "strokes":
      return `short ${m.strokeMm} mm strokes through ${describeLandmark(m.region)} at ${m.speedMmS} mm/s`;
    case "creep":
      return JSON.stringify(m.from) === JSON.stringify(m.to)
        ? `still on ${describeLandmark(m.from)}`
        : `creeps ${span(m.from, m.to)} at ${m.speedMmS} mm/s`;
    case "dwell": {
      const repeats = m.repeats ?? 1;
      const pattern = repeats > 1 ? `${describeDuration(m.holdMs)} × ${repeats}, ${describeDuration(m.offMs ?? 0)} off between` : describeDuration(m.holdMs);
      return `holds on ${describeLandmark(m.at)} for ${pattern}`;
    }
    case "segments":
      return `walks the spine ${span(m.from, m.to)} in ${m.segmentMm} mm segments, ${describeDuration(m.holdMs)} on each, moving at ${m.speedMmS} mm/s`;
  }
}

export function describeHeat(step: Step): string {
  const parts: string[] = [];
  if (step.heat.projectorC > 0) parts.push(`projector ${step.heat.projectorC} °C`);
  if (step.heat.matC > 0) parts.push(`mat ${step.heat.matC} °C`);
  return parts.length > 0 ? parts.join(", ") : "heaters off";
}

export function describeStep(step: Step): string {
  const lift = step.lift > 0 ? `, lift ${step.lift}` : "";
  return `${describeMotion(step.motion)}${lift}; ${describeHeat(step)}`;
}

export function describeCoolDown(p: ProgramDefinition): string {
  const park = p.coolDown.parkPositionMm !== undefined ? ` at ${p.coolDown.parkPositionMm} mm` : " at home";
  return `${describeDuration(p.coolDown.durationMs)}: heaters off, carriage parked${park}`;
}
