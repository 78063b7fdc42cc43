// Scan-led built-in: the carriage walks the scanned spine segment by segment, pausing on each.
import type { ProgramSource } from "../schema.ts";
import { ROLLER_MAX_WEIGHT_KG } from "../limits.ts";

const MIN = 60_000;

export const spinalWalk: ProgramSource = {
  id: "spinal-walk",
  name: "Spinal walk",
  family: "spinal",
  technique: "spinal-walk",
  description: "Walks the scanned spine from neck to sacrum 25 mm at a time (about one vertebra), pausing 8 s on each, then a slower lumbar pass.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  // 44 °C: segment holds are still contact (k 0.75), which caps spinal walk's 42 °C skin at 44.7 °C.
  zones: { projector: { setpointC: 44 }, mat: { setpointC: 44 } },
  steps: [
    { label: "Glide in", durationMs: 2 * MIN, lift: 1, heat: { projectorC: 48 }, motion: { kind: "sweep", from: "spine", to: "spine", speedMmS: 20 } },
    { label: "Segment walk, neck to sacrum", durationMs: 8 * MIN, lift: 3, motion: { kind: "segments", from: "cervical", to: "sacral", segmentMm: 25, holdMs: 8_000, speedMmS: 10 } },
    { label: "Segment walk, lumbar", durationMs: 5 * MIN, lift: 3, motion: { kind: "segments", from: "thoracolumbar", to: "lumbosacral", segmentMm: 20, holdMs: 10_000, speedMmS: 8 } },
    { label: "Glide out", durationMs: 3 * MIN, lift: 1, heat: { projectorC: 48 }, motion: { kind: "sweep", from: "spine", to: "spine", speedMmS: 20 } },
  ],
  coolDown: { durationMs: 2 * MIN },
};

export const SPINAL_PROGRAMS: ProgramSource[] = [spinalWalk];
