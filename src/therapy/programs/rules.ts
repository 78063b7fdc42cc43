// Rules across fields that a shape check can't see: element caps per technique, holds too long for
// their temperature, lift and speed by motion, the session cap, roller weight. Each names path and range.
import { resolveTravel, spineMapFromLength } from "./landmarks.ts";
import * as L from "./limits.ts";
import type { Motion, ProgramDefinition, Step } from "./schema.ts";
import { TECHNIQUE_CAPS, type Technique } from "./techniques.ts";

export interface ProgramError {
  /** Field path, e.g. "steps[3].heat.projectorC". */
  path: string;
  message: string;
}

const fmt = (n: number, digits = 1): string => String(Number(n.toFixed(digits)));
const seconds = (ms: number): string => (ms >= 120_000 ? `${fmt(ms / 60_000)} min` : `${fmt(ms / 1000)} s`);

/** The shortest spine we plan for (brief: about 61 cm): travel between two landmarks is shortest there. */
const SHORTEST_SPINE = spineMapFromLength(0, 610);

/** Worst-case (shortest) distance a sweep, creep or walk covers; a pattern shorter than the contact patch never leaves the spot. */
function travelSpanMm(m: Motion): number {
  if (m.kind !== "sweep" && m.kind !== "creep" && m.kind !== "segments") return Infinity;
  const { fromMm, toMm } = resolveTravel(m.from, m.to, SHORTEST_SPINE);
  return Math.abs(toMm - fromMm);
}

/** How each motion meets a spot on the back (see PROJECTOR_CONTACT_FRACTION), judged by how far it really travels. */
export function contactOf(m: Motion): L.Contact {
  if (m.kind === "sweep") return travelSpanMm(m) < L.PROJECTOR_CONTACT_MM ? "stationary" : "travelling";
  if (m.kind === "strokes") return m.strokeMm < L.PROJECTOR_CONTACT_MM ? "stationary" : "local";
  return "stationary";
}

/** The projector never leaves one spot: parked, dwelling, or a pattern shorter than its contact patch. */
const isStill = (m: Motion): boolean =>
  m.kind === "park" ||
  m.kind === "dwell" ||
  ((m.kind === "sweep" || m.kind === "creep") && travelSpanMm(m) < L.PROJECTOR_CONTACT_MM) ||
  (m.kind === "strokes" && m.strokeMm < L.PROJECTOR_CONTACT_MM);

/** How long one spot stays under the projector during a step (conservative; see limits.ts). */
export function stationaryMs(step: Step): number {
  const m = step.motion;
  if (isStill(m)) return step.durationMs;
  // A spot stays under the patch for contact / speed; a slow "sweep" is a creep in all but name.
  if (m.kind === "creep" || m.kind === "sweep") return Math.min(step.durationMs, (L.PROJECTOR_CONTACT_MM / m.speedMmS) * 1000);
  if (m.kind === "segments") {
    const holdsUnderPatch = Math.ceil(L.PROJECTOR_CONTACT_MM / m.segmentMm);
    return Math.min(step.durationMs, holdsUnderPatch * (m.holdMs + (m.segmentMm / m.speedMmS) * 1000));
  }
  return 0;
}

/** Consecutive steps that keep the projector on the same spot share one hold ("park", "at:<landmark>"). */
function spotKey(step: Step, index: number): string {
  const m = step.motion;
  if (m.kind === "park") return "park";
  if (m.kind === "dwell") return `at:${JSON.stringify(m.at)}`;
  if ((m.kind === "creep" || m.kind === "sweep") && isStill(m)) return `at:${JSON.stringify(m.from)}`;
  return `step:${index}`;
}

/** The hold table in element terms for one contact fraction, for messages. */
export function holdTableText(k: number): string {
  return L.SKIN_HOLD_LIMITS.map((r) => {
    const capC = fmt(L.elementCapC(r.skinMaxC, k));
    return Number.isFinite(r.maxHoldMs) ? `<= ${capC} °C for ${seconds(r.maxHoldMs)}` : `<= ${capC} °C any length`;
  }).join(", ") + `, above ${fmt(L.elementCapC(L.SKIN_HOLD_LIMITS.at(-1)!.skinMaxC, k))} °C no hold`;
}

function holdRule(errors: ProgramError[], zone: "projector" | "mat", runs: { first: number; last: number; ms: number; maxC: number }[]): void {
  const k = zone === "projector" ? L.PROJECTOR_CONTACT_FRACTION.stationary : L.MAT_CONTACT_FRACTION;
  for (const run of runs) {
    const skinC = L.skinEstimateC(run.maxC, k);
    const allowedMs = L.maxHoldMsForSkin(skinC);
    if (run.ms <= allowedMs) continue;
    const where = run.first === run.last ? `step ${run.last}` : `steps ${run.first}–${run.last}`;
    errors.push({
      path: `steps[${run.last}].heat.${zone}C`,
      message:
        `hold too long for its temperature: the ${zone} stays on one spot for ${seconds(run.ms)} (${where}) at ${fmt(run.maxC)} °C ` +
        `(skin estimate ${fmt(skinC)} °C); allowed: ${holdTableText(k)}`,
    });
  }
}

/** IEC 60601-1 table 24 on the supervisor's estimate: over 43 °C for 10 min in all trips it, over 48 °C at once. */
function iecRule(errors: ProgramError[], p: ProgramDefinition): void {
  const zones: ["projector" | "mat", (s: Step) => number, (s: Step) => number][] = [
    ["projector", (s) => s.heat.projectorC, (s) => L.PROJECTOR_CONTACT_FRACTION[contactOf(s.motion)]],
    ["mat", (s) => s.heat.matC, () => L.MAT_CONTACT_FRACTION],
  ];
  for (const [zone, elementOf, kOf] of zones) {
    let overMs = 0;
    const over: number[] = [];
    p.steps.forEach((step, i) => {
      const skinC = L.skinEstimateC(elementOf(step), kOf(step));
      if (skinC > L.IEC_SHORT_MAX_C + 1e-9) {
        errors.push({ path: `steps[${i}].heat.${zone}C`, message: `skin estimate ${fmt(skinC)} °C is over 48 °C, which IEC 60601-1 allows at no length; must be 0–${fmt(L.elementCapC(L.IEC_SHORT_MAX_C, kOf(step)))} °C; got ${elementOf(step)}` });
      }
      if (skinC > L.DOSE_FROM_SKIN_C + 1e-9) {
        overMs += step.durationMs;
        over.push(i);
      }
    });
    if (overMs > L.SKIN_OVER_43_BUDGET_MS) {
      errors.push({
        path: `steps[${over.at(-1)}].heat.${zone}C`,
        message:
          `the ${zone}'s skin estimate is over 43 °C for ${seconds(overMs)} in all (steps ${over.join(", ")}); ` +
          `IEC 60601-1 allows 10 min and programs keep a minute in hand: at most ${seconds(L.SKIN_OVER_43_BUDGET_MS)} ` +
          `(the ${zone} stays at or under 43 °C skin below ${fmt(L.elementCapC(L.DOSE_FROM_SKIN_C, zone === "mat" ? L.MAT_CONTACT_FRACTION : L.PROJECTOR_CONTACT_FRACTION.stationary))} °C when still)`,
      });
    }
  }
}

function stepRules(errors: ProgramError[], p: ProgramDefinition, step: Step, i: number): void {
  const caps = TECHNIQUE_CAPS[p.technique as Technique];
  const at = `steps[${i}]`;
  const m = step.motion;
  const moving = m.kind !== "park";

  if (moving && (step.lift < L.LIFT_MOVING_MIN || step.lift > L.LIFT_MAX)) {
    errors.push({ path: `${at}.lift`, message: `must be ${L.LIFT_MOVING_MIN}–${L.LIFT_MAX} while the carriage works (${m.kind}); 0 only when parked; got ${step.lift}` });
  }
  if (!moving && step.lift !== 0) {
    errors.push({ path: `${at}.lift`, message: `must be 0 while parked (allowed 0–0); got ${step.lift}` });
  }
  if (step.lift > caps.liftMax) {
    errors.push({ path: `${at}.lift`, message: `must be at most ${caps.liftMax} for ${p.technique} (allowed 0–${caps.liftMax}); got ${step.lift}` });
  }
  if (!caps.carriageMoves && moving) {
    errors.push({ path: `${at}.motion.kind`, message: `${p.technique} keeps the carriage parked: must be "park"; got "${m.kind}"` });
  }
  if (!p.requiresRoller && moving) {
    errors.push({ path: `${at}.motion.kind`, message: `a program with requiresRoller false keeps the carriage parked: must be "park"; got "${m.kind}"` });
  }
  if ("speedMmS" in m && step.lift >= L.HIGH_LIFT_FROM && m.speedMmS > L.HIGH_LIFT_MAX_SPEED_MMS) {
    errors.push({
      path: `${at}.motion.speedMmS`,
      message: `must be ${L.SPEED_MIN_MMS}–${L.HIGH_LIFT_MAX_SPEED_MMS} mm/s at lift ${L.HIGH_LIFT_FROM}–${L.LIFT_MAX} (deep pressure is slow); got ${m.speedMmS}`,
    });
  }
  if (m.kind === "dwell" || m.kind === "segments") {
    if (caps.holdMaxMs === 0) {
      errors.push({ path: `${at}.motion.kind`, message: `${p.technique} has no holds: "${m.kind}" is not allowed (use sweep, strokes or creep)` });
    } else if (m.holdMs > caps.holdMaxMs) {
      errors.push({ path: `${at}.motion.holdMs`, message: `must be 1–${caps.holdMaxMs} ms for ${p.technique} (hold at most ${seconds(caps.holdMaxMs)}); got ${m.holdMs}` });
    }
  }
  if (m.kind === "dwell") {
    const repeats = m.repeats ?? 1;
    const offMs = m.offMs ?? 0;
    if (repeats > caps.repeatsMax) {
      errors.push({ path: `${at}.motion.repeats`, message: `must be 1–${caps.repeatsMax} for ${p.technique}; got ${repeats}` });
    }
    if (repeats > 1 && caps.offMinMs !== undefined && caps.offMaxMs !== undefined && (offMs < caps.offMinMs || offMs > caps.offMaxMs)) {
      errors.push({ path: `${at}.motion.offMs`, message: `must be ${caps.offMinMs}–${caps.offMaxMs} ms between ${p.technique} holds; got ${offMs}` });
    }
    const patternMs = repeats * m.holdMs + (repeats - 1) * offMs;
    if (patternMs > step.durationMs) {
      errors.push({
        path: `${at}.motion.holdMs`,
        message: `the hold pattern (${repeats} × ${m.holdMs} ms + ${repeats - 1} × ${offMs} ms off = ${patternMs} ms) must fit in the step's durationMs ${step.durationMs}`,
      });
    }
  }
  // Technique skin caps, turned into element caps by the conservative estimate.
  const kProjector = L.PROJECTOR_CONTACT_FRACTION[contactOf(m)];
  const zones: ["projectorC" | "matC", number, string][] = [
    ["projectorC", kProjector, `a ${m.kind}`],
    ["matC", L.MAT_CONTACT_FRACTION, "the mat"],
  ];
  for (const [field, k, what] of zones) {
    const elementC = step.heat[field];
    if (L.skinEstimateC(elementC, k) > caps.skinMaxC + 1e-9) {
      errors.push({
        path: `${at}.heat.${field}`,
        message:
          `must be 0–${fmt(L.elementCapC(caps.skinMaxC, k))} °C for ${what} in ${p.technique} (skin-side cap ${caps.skinMaxC} °C; ` +
          `conservative estimate skin = ${L.SKIN_BASE_C} + ${k} × (element − ${L.SKIN_BASE_C})); got ${elementC}`,
      });
    }
  }
}

export function programRules(p: ProgramDefinition): ProgramError[] {
  const errors: ProgramError[] = [];
  p.steps.forEach((step, i) => stepRules(errors, p, step, i));

  // Holds too long for their temperature: projector per spot, mat over every run of steps it is on.
  const projectorRuns: { first: number; last: number; ms: number; maxC: number; key: string }[] = [];
  const matRuns: { first: number; last: number; ms: number; maxC: number }[] = [];
  p.steps.forEach((step, i) => {
    const key = spotKey(step, i);
    const prev = projectorRuns.at(-1);
    const ms = step.heat.projectorC > 0 ? stationaryMs(step) : 0;
    if (prev && prev.key === key && prev.last === i - 1 && ms > 0) {
      Object.assign(prev, { last: i, ms: prev.ms + ms, maxC: Math.max(prev.maxC, step.heat.projectorC) });
    } else if (ms > 0) {
      projectorRuns.push({ first: i, last: i, ms, maxC: step.heat.projectorC, key });
    }
    const matPrev = matRuns.at(-1);
    if (step.heat.matC > 0) {
      if (matPrev && matPrev.last === i - 1) Object.assign(matPrev, { last: i, ms: matPrev.ms + step.durationMs, maxC: Math.max(matPrev.maxC, step.heat.matC) });
      else matRuns.push({ first: i, last: i, ms: step.durationMs, maxC: step.heat.matC });
    }
  });
  holdRule(errors, "projector", projectorRuns);
  holdRule(errors, "mat", matRuns);
  iecRule(errors, p);

  const stepsMs = p.steps.reduce((sum, s) => sum + s.durationMs, 0);
  const totalMs = stepsMs + p.coolDown.durationMs;
  if (totalMs > L.SESSION_MAX_MS) {
    errors.push({
      path: "steps",
      message: `session (steps ${seconds(stepsMs)} + cool-down ${seconds(p.coolDown.durationMs)} = ${seconds(totalMs)}) must be at most 60 min (${L.SESSION_MAX_MS} ms)`,
    });
  }
  if (p.requiresRoller && p.maxWeightKg === undefined) {
    errors.push({ path: "maxWeightKg", message: `roller programs must carry maxWeightKg, > 0 and <= ${L.ROLLER_MAX_WEIGHT_KG} kg (roller weight limit)` });
  }
  if (p.family === "spinal" && !p.steps.some((s) => s.motion.kind === "segments")) {
    errors.push({ path: "steps", message: `a spinal program must walk the spine: at least one step with motion.kind "segments"` });
  }
  if (p.family === "thermal" && !p.steps.some((s) => s.heat.projectorC > 0 || s.heat.matC > 0)) {
    errors.push({ path: "steps", message: "a thermal program must heat: at least one step with heat.projectorC or heat.matC above 0" });
  }
  return errors;
}
