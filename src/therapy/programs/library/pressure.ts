// Pressure-led built-ins: deep tissue, myofascial release, sports massage, trigger point, quick back relief.
// Deep pressure (lift 4–6) always moves at <= 10 mm/s; holds stay at element temperatures the hold table allows.
import type { ProgramSource } from "../schema.ts";
import { ROLLER_MAX_WEIGHT_KG } from "../limits.ts";

const MIN = 60_000;
const COOL_DOWN = { durationMs: 2 * MIN };

export const deepTissue: ProgramSource = {
  id: "deep-tissue",
  name: "Deep tissue",
  family: "deep-tissue",
  technique: "deep-tissue",
  description: "Tuesday, after intervals. Slow short strokes at high pressure through lumbar, thoracic and sacral regions, with short holds.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 46 }, mat: { setpointC: 44 } },
  steps: [
    { label: "Warm-up sweeps", durationMs: 4 * MIN, lift: 2, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 10 } },
    { label: "Lumbar strokes", durationMs: 6 * MIN, lift: 5, motion: { kind: "strokes", region: "lumbar", strokeMm: 60, speedMmS: 6 } },
    // 44 °C: a hold dwells, and the supervisor's still-contact estimate (k 0.75) caps deep tissue's 42 °C skin at 44.7 °C.
    { label: "Lumbar point holds", durationMs: 2 * MIN, lift: 5, heat: { projectorC: 44 }, motion: { kind: "dwell", at: "lumbar@0.5", holdMs: 12_000, repeats: 3, offMs: 10_000 } },
    { label: "Lower thoracic strokes", durationMs: 5 * MIN, lift: 4, motion: { kind: "strokes", region: "thoracic:lower-third", strokeMm: 60, speedMmS: 8 } },
    { label: "Sacral strokes", durationMs: 4 * MIN, lift: 4, motion: { kind: "strokes", region: "sacral", strokeMm: 50, speedMmS: 6 } },
    { label: "Flush sweeps", durationMs: 2 * MIN, lift: 2, heat: { projectorC: 48 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 10 } },
  ],
  coolDown: COOL_DOWN,
};

export const myofascialRelease: ProgramSource = {
  id: "myofascial-release",
  name: "Myofascial release",
  family: "deep-tissue",
  technique: "myofascial-release",
  description: "Wednesday, after an easy run. Creep at 1.5 mm/s and still holds of about two minutes at the thoracolumbar junction and sacrum; skin held under 43 °C.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 46 }, mat: { setpointC: 45 } },
  steps: [
    { label: "Warm-up sweeps", durationMs: 4 * MIN, lift: 2, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 15 } },
    { label: "Thoracolumbar creep", durationMs: 6 * MIN, lift: 3, motion: { kind: "creep", from: "thoracic:lower-third", to: "lumbar:upper-third", speedMmS: 1.5 } },
    { label: "Thoracolumbar hold", durationMs: 2 * MIN, lift: 3, motion: { kind: "dwell", at: "thoracolumbar", holdMs: 110_000 } },
    { label: "Sacral creep", durationMs: 5 * MIN, lift: 3, motion: { kind: "creep", from: "lumbosacral", to: "sacral:middle-third", speedMmS: 1.5 } },
    { label: "Sacral hold", durationMs: 2 * MIN, lift: 3, motion: { kind: "dwell", at: "sacral:upper-third", holdMs: 110_000 } },
    { label: "Mid-lumbar hold", durationMs: 2 * MIN, lift: 2, motion: { kind: "dwell", at: "lumbar@0.5", holdMs: 100_000 } },
    { label: "Release sweeps", durationMs: 2 * MIN, lift: 2, heat: { projectorC: 48 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 15 } },
  ],
  coolDown: COOL_DOWN,
};

export const sportsMassage: ProgramSource = {
  id: "sports-massage",
  name: "Sports massage",
  family: "deep-tissue",
  technique: "sports-massage",
  description: "Thursday, after a tempo run. Brisk lumbar-sacral sweeps at 35–45 mm/s, medium pressure, brief presses.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 50 }, mat: { setpointC: 45 } },
  steps: [
    { label: "Brisk warm-up", durationMs: 3 * MIN, lift: 2, motion: { kind: "sweep", from: "lumbar", to: "sacral", speedMmS: 35 } },
    // 50 °C: sweeping, the estimate (k 0.5) reaches sports massage's 42 °C skin cap at 50 °C.
    { label: "Brisk lumbar-sacral sweeps", durationMs: 7 * MIN, lift: 3, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "lumbar", to: "sacral", speedMmS: 45 } },
    { label: "Quick lumbar presses", durationMs: MIN, lift: 3, heat: { projectorC: 44 }, motion: { kind: "dwell", at: "lumbar@0.5", holdMs: 4_000 } },
    { label: "Flush sweeps", durationMs: 2 * MIN, lift: 2, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 30 } },
  ],
  coolDown: COOL_DOWN,
};

// Trigger point: ramp onto the scanned point, hold 45 s, back off 15 s, three times (<= 3 per the brief).
const pointHolds = { holdMs: 45_000, repeats: 3, offMs: 15_000 } as const;

export const triggerPoint: ProgramSource = {
  id: "trigger-point",
  name: "Trigger point therapy",
  family: "deep-tissue",
  technique: "trigger-point",
  description: "Sunday, after cross training. Holds of 45 s x 3 at the cervicothoracic junction, mid-lumbar and upper sacrum, then gentle heat.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 46 }, mat: { setpointC: 45 } },
  steps: [
    { label: "Warm-up sweeps", durationMs: 3 * MIN, lift: 2, heat: { projectorC: 48 }, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 15 } },
    { label: "Cervicothoracic point", durationMs: 3 * MIN, lift: 4, motion: { kind: "dwell", at: "cervicothoracic", ...pointHolds } },
    { label: "Mid-lumbar point", durationMs: 3 * MIN, lift: 5, motion: { kind: "dwell", at: "lumbar@0.5", ...pointHolds } },
    { label: "Upper sacral point", durationMs: 3 * MIN, lift: 4, motion: { kind: "dwell", at: "sacral@0.25", ...pointHolds } },
    { label: "Gentle heat", durationMs: 6 * MIN, lift: 1, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 12 } },
  ],
  coolDown: COOL_DOWN,
};

export const quick20Back: ProgramSource = {
  id: "quick-20-back",
  name: "Quick 20: lower back relief",
  family: "deep-tissue",
  technique: "deep-tissue",
  description: "Twenty minutes for a stiff lower back: warm-up, slow lumbar and lower-thoracic strokes, flush sweeps.",
  maxWeightKg: ROLLER_MAX_WEIGHT_KG,
  requiresRoller: true,
  zones: { projector: { setpointC: 46 }, mat: { setpointC: 44 } },
  steps: [
    { label: "Warm-up sweeps", durationMs: 3 * MIN, lift: 2, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 10 } },
    { label: "Lumbar strokes", durationMs: 6 * MIN, lift: 4, motion: { kind: "strokes", region: "lumbar", strokeMm: 60, speedMmS: 6 } },
    { label: "Lower thoracic strokes", durationMs: 4 * MIN, lift: 4, motion: { kind: "strokes", region: "thoracic:lower-third", strokeMm: 50, speedMmS: 8 } },
    { label: "Flush sweeps", durationMs: 5 * MIN, lift: 2, heat: { projectorC: 50 }, motion: { kind: "sweep", from: "thoracic", to: "sacral", speedMmS: 10 } },
  ],
  coolDown: COOL_DOWN,
};

export const PRESSURE_PROGRAMS: ProgramSource[] = [deepTissue, myofascialRelease, sportsMassage, triggerPoint, quick20Back];
