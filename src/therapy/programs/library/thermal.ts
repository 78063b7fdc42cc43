// Heat-led built-ins: relaxation, Swedish, post-run recovery, heat only, and the quick warm options.
// Element setpoints sit under the technique caps of the conservative skin estimate (see limits.ts).
import type { ProgramSource } from "../schema.ts";
import { ROLLER_MAX_WEIGHT_KG } from "../limits.ts";

const MIN = 60_000;
const COOL_DOWN = { durationMs: 2 * MIN };

export const fullBodyRelaxation: ProgramSource = {
  id: "full-body-relaxation",
  name: "Full-body relaxation",
  family: "thermal",
  technique: "full-body-relaxation",
  description: "Monday, rest day. Continuous full sweeps of the whole spine at light pressure with warm projectors and leg mat.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 50 }, mat: { setpointC: 46 } },
  steps: [
    { label: "Warm-up sweeps", durationMs: 5 * MIN, lift: 1, heat: { projectorC: 48, matC: 45 }, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 20 } },
    { label: "Full sweeps", durationMs: 26 * MIN, lift: 2, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 15 } },
    { label: "Easing off", durationMs: 2 * MIN, lift: 1, heat: { projectorC: 45, matC: 42 }, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 10 } },
  ],
  coolDown: COOL_DOWN,
};

// Swedish: long sweeps alternating full (whole spine) and partial (thoracic + lumbar emphasis).
const full = { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 25 } as const;
const partial = { kind: "sweep", from: "thoracic", to: "lumbar", speedMmS: 18 } as const;

export const swedish: ProgramSource = {
  id: "swedish",
  name: "Swedish",
  family: "thermal",
  technique: "swedish",
  description: "Friday, rest day. Long sweeps alternating the full spine with thoracic-lumbar passes, light to medium pressure.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 50 }, mat: { setpointC: 46 } },
  steps: [
    { label: "Full sweeps", durationMs: 6 * MIN, lift: 2, motion: full },
    { label: "Thoracic and lumbar", durationMs: 6 * MIN, lift: 3, motion: partial },
    { label: "Full sweeps", durationMs: 6 * MIN, lift: 2, motion: full },
    { label: "Thoracic and lumbar", durationMs: 6 * MIN, lift: 3, motion: partial },
    { label: "Full sweeps", durationMs: 6 * MIN, lift: 2, motion: full },
    { label: "Thoracic and lumbar", durationMs: 6 * MIN, lift: 3, motion: partial },
    { label: "Closing sweep", durationMs: 2 * MIN, lift: 1, heat: { projectorC: 46, matC: 42 }, motion: { ...full, speedMmS: 20 } },
  ],
  coolDown: COOL_DOWN,
};

export const postRunRecovery: ProgramSource = {
  id: "post-run-recovery",
  name: "Post-run recovery",
  family: "thermal",
  technique: "post-run-recovery",
  description: "Saturday, after the long run (best within 1–2 h). Light lumbar-sacral sweeps, skin around 40 °C, leg mat on.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 45 }, mat: { setpointC: 44 } },
  steps: [
    { label: "Light sweeps, legs warming", durationMs: 2 * MIN, lift: 1, heat: { projectorC: 44 }, motion: { kind: "sweep", from: "lumbar", to: "sacral", speedMmS: 15 } },
    { label: "Light lumbar-sacral sweeps", durationMs: 8 * MIN, lift: 2, motion: { kind: "sweep", from: "lumbar", to: "sacral", speedMmS: 12 } },
  ],
  coolDown: COOL_DOWN,
};

export const heatOnly: ProgramSource = {
  id: "heat-only",
  name: "Heat only (no roller)",
  family: "thermal",
  technique: "heat-therapy",
  description: "Carriage parked, lift retracted: warm projectors and leg mat only. For people over the roller weight limit (136 kg) or who want no pressure.",
  requiresRoller: false,
  // Parked all session: the supervisor's skin estimate for a still projector (k 0.75) and the mat
  // (k 0.6) must stay at or under 43 °C for the whole 28 min (IEC 60601-1), with a margin for
  // sensor noise and overshoot: 45/48 °C settle at 42.3/42.4 °C estimated skin.
  zones: { projector: { setpointC: 45 }, mat: { setpointC: 48 } },
  steps: [
    { label: "Warming up", durationMs: 3 * MIN, heat: { projectorC: 45, matC: 48 }, motion: { kind: "park" } },
    { label: "Steady warmth", durationMs: 25 * MIN, motion: { kind: "park" } },
  ],
  coolDown: COOL_DOWN,
};

export const quick10Relax: ProgramSource = {
  id: "quick-10-relax",
  name: "Quick 10: relaxing sweeps",
  family: "thermal",
  technique: "full-body-relaxation",
  description: "Ten minutes of light whole-spine sweeps with warm projectors and mat.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  steps: [{ label: "Light full sweeps", durationMs: 8 * MIN, lift: 1, heat: { projectorC: 48, matC: 45 }, motion: { kind: "sweep", from: "spine", to: "spine", speedMmS: 20 } }],
  coolDown: COOL_DOWN,
};

export const quick20LegWarmth: ProgramSource = {
  id: "quick-20-leg-warmth",
  name: "Quick 20: leg warmth (no roller)",
  family: "thermal",
  technique: "heat-therapy",
  description:
    "Leg mat heat with the carriage parked: for stiff legs in the chronic phase (shin splints, runner's knee, IT band, Achilles), which the spinal roller can't reach. Not for acutely swollen joints.",
  requiresRoller: false,
  // 48 °C: the mat's skin estimate (k 0.6) settles at 42.4 °C, under IEC 60601-1's 43 °C for 18 min of contact.
  steps: [{ label: "Leg mat warmth", durationMs: 18 * MIN, heat: { matC: 48 }, motion: { kind: "park" } }],
  coolDown: COOL_DOWN,
};

export const THERMAL_PROGRAMS: ProgramSource[] = [fullBodyRelaxation, swedish, postRunRecovery, heatOnly, quick10Relax, quick20LegWarmth];
