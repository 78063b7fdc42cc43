// Short programs for replaying many whole sessions: two steps and the shortest cool-down a program
// may have, validated like any program file, so a run costs well under a second of test time.
import type { ProgramDefinition, ProgramSource } from "../../src/therapy/programs/schema.ts";
import { validateProgram } from "../../src/therapy/programs/validate.ts";

/** Two sweep steps and a cool-down, as a roller program runs them (homing, spine scan, motion, park). */
const SHORT_ROLLER_SOURCE: ProgramSource = {
  id: "short-roller",
  name: "Short: two sweep steps",
  family: "thermal",
  technique: "full-body-relaxation",
  description: "Two short sweep steps and a cool-down, for replaying whole sessions in tests.",
  maxWeightKg: 136,
  requiresRoller: true,
  steps: [
    { label: "Warm sweeps", durationMs: 45_000, lift: 1, heat: { projectorC: 45, matC: 42 }, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 20 } },
    { label: "Thoracic and lumbar", durationMs: 45_000, lift: 2, heat: { projectorC: 45, matC: 42 }, motion: { kind: "sweep", from: "thoracic", to: "lumbar", speedMmS: 15 } },
  ],
  coolDown: { durationMs: 60_000 },
};

/** The same without the roller: no homing, no scan, the carriage parked throughout. */
const SHORT_HEAT_ONLY_SOURCE: ProgramSource = {
  id: "short-heat-only",
  name: "Short: heat only",
  family: "thermal",
  technique: "heat-therapy",
  description: "Two short heat-only steps and a cool-down, for replaying whole sessions in tests.",
  requiresRoller: false,
  steps: [
    { label: "Warming up", durationMs: 45_000, heat: { projectorC: 45, matC: 45 }, motion: { kind: "park" } },
    { label: "Steady warmth", durationMs: 45_000, heat: { projectorC: 44, matC: 44 }, motion: { kind: "park" } },
  ],
  coolDown: { durationMs: 60_000 },
};

function validated(source: ProgramSource): ProgramDefinition {
  const v = validateProgram(source);
  if (!v.ok) throw new Error(`${source.id}: ${JSON.stringify(v.errors)}`);
  return v.program;
}

export const SHORT_ROLLER = validated(SHORT_ROLLER_SOURCE);
export const SHORT_HEAT_ONLY = validated(SHORT_HEAT_ONLY_SOURCE);
