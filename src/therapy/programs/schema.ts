// The shape of a therapy program definition (zod), and the normalised types the session runner executes.
// Range checks that need one field live here; rules across fields are in rules.ts.
import { z } from "zod";
import * as L from "./limits.ts";
import { TECHNIQUES, type Technique } from "./techniques.ts";
import { BOUNDARIES, LANDMARK_REGIONS, THIRDS, type Landmark, type LandmarkInput } from "./landmarkTypes.ts";

export { type Landmark, type LandmarkInput } from "./landmarkTypes.ts";

export const FAMILIES = ["thermal", "deep-tissue", "spinal"] as const;
export type Family = (typeof FAMILIES)[number];

/** Motion patterns, generic over how landmarks are written (strings in sources, objects once parsed). */
export type MotionOf<Lm> =
  | { kind: "park" }
  | { kind: "sweep"; from: Lm; to: Lm; speedMmS: number }
  | { kind: "strokes"; region: Lm; strokeMm: number; speedMmS: number }
  | { kind: "dwell"; at: Lm; holdMs: number; repeats?: number; offMs?: number }
  | { kind: "creep"; from: Lm; to: Lm; speedMmS: number }
  | { kind: "segments"; from: Lm; to: Lm; segmentMm: number; holdMs: number; speedMmS: number };
export type Motion = MotionOf<Landmark>;
export type MotionKind = Motion["kind"];

/** A step as the runner sees it: both element setpoints explicit (0 = heater off). */
export interface Step {
  label: string;
  durationMs: number;
  heat: { projectorC: number; matC: number };
  lift: number;
  motion: Motion;
}

export interface ProgramDefinition {
  id: string;
  name: string;
  family: Family;
  technique: Technique;
  description: string;
  maxWeightKg?: number;
  requiresRoller: boolean;
  zones: { projector?: { setpointC: number }; mat?: { setpointC: number } };
  steps: Step[];
  coolDown: { durationMs: number; parkPositionMm?: number };
}

/** How a program is written (library, JSON files): landmarks as strings, heat/lift/zones optional. */
export interface ProgramSource extends Omit<ProgramDefinition, "steps" | "zones"> {
  zones?: ProgramDefinition["zones"];
  steps: {
    label: string;
    durationMs: number;
    /** Absent zone = the program's zone default, or off when there is none. */
    heat?: { projectorC?: number; matC?: number };
    lift?: number;
    motion: MotionOf<LandmarkInput>;
  }[];
}

// ---- field schemas --------------------------------------------------------------------------

/** The offending value for a message; "nothing" when the field is missing. */
function got(input: unknown): string {
  return input === undefined ? "nothing" : (JSON.stringify(input) ?? String(input));
}

interface RangeOptions {
  min: number;
  max: number;
  unit: string;
  int?: boolean;
  /** min itself is not allowed (durations must be > 0). */
  minExclusive?: boolean;
  hint?: string;
}

function rangeText(o: RangeOptions): string {
  const low = o.minExclusive ? `> ${o.min}` : `${o.min}`;
  const unit = o.unit === "" ? "" : ` ${o.unit}`;
  const body = o.minExclusive ? `${low} and <= ${o.max}${unit}` : `${low}–${o.max}${unit}`;
  return `must be ${o.int ? "a whole number " : ""}${body}${o.hint ? ` (${o.hint})` : ""}`;
}

/** A number with one message for every way it can be wrong, naming the allowed range and the value. */
export function bounded(o: RangeOptions) {
  const message = (iss: { input?: unknown }) => `${rangeText(o)}; got ${got(iss.input)}`;
  let n = z.number({ error: message });
  if (o.int) n = n.int({ error: message });
  n = o.minExclusive ? n.gt(o.min, { error: message }) : n.min(o.min, { error: message });
  return n.max(o.max, { error: message });
}

const LANDMARK_HELP =
  `must be a landmark: a region (${LANDMARK_REGIONS.join(", ")}), "region:part" (part: ${THIRDS.join(", ")}), ` +
  `"region@fraction" (0–1 from the head end), or a boundary (${BOUNDARIES.join(", ")})`;

/** "thoracic:lower-third" → { region, part }; "lumbar@0.5" → { region, fraction }; unknown text is left to fail. */
export function parseLandmarkString(text: string): Record<string, unknown> {
  const s = text.trim().toLowerCase();
  if ((BOUNDARIES as readonly string[]).includes(s)) return { boundary: s };
  const at = s.indexOf("@");
  if (at >= 0) return { region: s.slice(0, at), fraction: s.slice(at + 1) === "" ? undefined : Number(s.slice(at + 1)) };
  const colon = s.indexOf(":");
  if (colon >= 0) return { region: s.slice(0, colon), part: s.slice(colon + 1) };
  return { region: s };
}

const LandmarkSchema = z.preprocess(
  (v) => (typeof v === "string" ? parseLandmarkString(v) : v),
  z
    .strictObject(
      {
        region: z
          .enum(LANDMARK_REGIONS, {
            error: (iss) => `region does not exist: ${got(iss.input)}; ${LANDMARK_HELP}`,
          })
          .optional(),
        part: z
          .enum(THIRDS, { error: (iss) => `must be one of ${THIRDS.join(", ")}; got ${got(iss.input)}` })
          .optional(),
        fraction: bounded({ min: 0, max: 1, unit: "(0 = head end of the region, 1 = tail end)" }).optional(),
        boundary: z
          .enum(BOUNDARIES, { error: (iss) => `boundary must be one of ${BOUNDARIES.join(", ")}; got ${got(iss.input)}` })
          .optional(),
      },
      { error: LANDMARK_HELP },
    )
    .superRefine((l, ctx) => {
      if ((l.region === undefined) === (l.boundary === undefined)) {
        ctx.addIssue({ code: "custom", message: `needs exactly one of region or boundary; ${LANDMARK_HELP}` });
      }
      if (l.part !== undefined && l.fraction !== undefined) {
        ctx.addIssue({ code: "custom", path: ["fraction"], message: "give either part or fraction, not both" });
      }
      if (l.boundary !== undefined && (l.part !== undefined || l.fraction !== undefined)) {
        ctx.addIssue({ code: "custom", path: ["boundary"], message: "a boundary is a point: no part or fraction" });
      }
    })
    .transform((l): Landmark => {
      if (l.boundary !== undefined) return { boundary: l.boundary };
      const out: Landmark = { region: l.region! };
      if (l.part !== undefined) out.part = l.part;
      if (l.fraction !== undefined) out.fraction = l.fraction;
      return out;
    }),
);

const speed = bounded({ min: L.SPEED_MIN_MMS, max: L.SPEED_MAX_MMS, unit: "mm/s" });
const holdMs = bounded({ min: 0, max: L.SESSION_MAX_MS, unit: "ms", int: true, minExclusive: true });
const MOTION_KINDS = ["park", "sweep", "strokes", "dwell", "creep", "segments"] as const;

const MotionSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("park") }),
    z.strictObject({ kind: z.literal("sweep"), from: LandmarkSchema, to: LandmarkSchema, speedMmS: speed }),
    z.strictObject({
      kind: z.literal("strokes"),
      region: LandmarkSchema,
      strokeMm: bounded({ min: L.STROKE_MIN_MM, max: L.STROKE_MAX_MM, unit: "mm" }),
      speedMmS: speed,
    }),
    z.strictObject({
      kind: z.literal("dwell"),
      at: LandmarkSchema,
      holdMs,
      repeats: bounded({ min: 1, max: L.DWELL_REPEATS_MAX, unit: "", int: true }).optional(),
      offMs: bounded({ min: 0, max: 60_000, unit: "ms", int: true }).optional(),
    }),
    z.strictObject({
      kind: z.literal("creep"),
      from: LandmarkSchema,
      to: LandmarkSchema,
      speedMmS: bounded({ min: L.SPEED_MIN_MMS, max: L.CREEP_MAX_MMS, unit: "mm/s", hint: "creep is at most 2 mm/s" }),
    }),
    z.strictObject({
      kind: z.literal("segments"),
      from: LandmarkSchema,
      to: LandmarkSchema,
      segmentMm: bounded({ min: L.SEGMENT_MIN_MM, max: L.SEGMENT_MAX_MM, unit: "mm" }),
      holdMs,
      speedMmS: speed,
    }),
  ],
  { error: (iss) => `kind must be one of ${MOTION_KINDS.join(", ")}; got ${got((iss.input as { kind?: unknown } | undefined)?.kind)}` },
);

const projectorC = bounded({ min: 0, max: L.PROJECTOR_MAX_C, unit: "°C", hint: "projector element ceiling; 0 = off" });
const matC = bounded({ min: 0, max: L.MAT_MAX_C, unit: "°C", hint: "mat element ceiling; 0 = off" });

const StepSchema = z.strictObject({
  label: z.string({ error: "must be text" }).min(1, "must not be empty").max(80, "must be at most 80 characters"),
  durationMs: bounded({ min: 0, max: L.SESSION_MAX_MS, unit: "ms", int: true, minExclusive: true, hint: "up to 60 min" }),
  heat: z.strictObject({ projectorC: projectorC.optional(), matC: matC.optional() }).optional(),
  lift: bounded({ min: 0, max: L.LIFT_MAX, unit: "", int: true, hint: "lift levels; 0 only when parked" }).optional(),
  motion: MotionSchema,
});

/** The program schema. Parsing fills each step's heat from the zone defaults, so runners see both setpoints. */
export const ProgramDefinition: z.ZodType<ProgramDefinition, unknown> = z
  .strictObject({
    id: z.string({ error: "must be text" }).regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be kebab-case: lowercase letters, digits and single hyphens").max(64, "must be at most 64 characters"),
    name: z.string({ error: "must be text" }).min(1, "must not be empty").max(80, "must be at most 80 characters"),
    family: z.enum(FAMILIES, { error: (iss) => `must be one of ${FAMILIES.join(", ")}; got ${got(iss.input)}` }),
    technique: z.enum(TECHNIQUES, { error: (iss) => `must be one of ${TECHNIQUES.join(", ")}; got ${got(iss.input)}` }),
    description: z.string({ error: "must be text" }).max(600, "must be at most 600 characters"),
    maxWeightKg: bounded({ min: 0, max: L.ROLLER_MAX_WEIGHT_KG, unit: "kg", minExclusive: true, hint: "roller weight limit" }).optional(),
    requiresRoller: z.boolean({ error: "must be true or false" }),
    zones: z
      .strictObject({
        projector: z.strictObject({ setpointC: projectorC }).optional(),
        mat: z.strictObject({ setpointC: matC }).optional(),
      })
      .optional(),
    steps: z.array(StepSchema, { error: "must be a list of steps" }).min(1, "must have at least one step").max(L.STEPS_MAX, `must have at most ${L.STEPS_MAX} steps`),
    coolDown: z.strictObject(
      {
        durationMs: bounded({ min: L.COOL_DOWN_MIN_MS, max: L.COOL_DOWN_MAX_MS, unit: "ms", int: true, hint: "cool-down 1–10 min, heaters off" }),
        parkPositionMm: bounded({ min: 0, max: L.PARK_POSITION_MAX_MM, unit: "mm" }).optional(),
      },
      { error: "must be { durationMs, parkPositionMm? }: every program ends with a cool-down (heaters off, carriage parked)" },
    ),
  })
  .transform((p): ProgramDefinition => {
    const zones = p.zones ?? {};
    const steps = p.steps.map((s): Step => ({
      label: s.label,
      durationMs: s.durationMs,
      heat: {
        projectorC: s.heat?.projectorC ?? zones.projector?.setpointC ?? 0,
        matC: s.heat?.matC ?? zones.mat?.setpointC ?? 0,
      },
      lift: s.lift ?? 0,
      motion: s.motion as Motion,
    }));
    const out: ProgramDefinition = { ...p, zones, steps };
    return out;
  });
