// Fault kinds, their parameters and triggers: the `--faults` spec language and scenario
// files. What each fault means in the real world and how it shows on the wire: FAULTS.md.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ZONES, type Zone } from "../protocols/constants.ts";
import { checkPerson, type PersonSpec } from "./person.ts";

type ParamKind = "rate" | "ms" | "zone" | "switch" | "kg" | "version" | "none";

/** Every fault kind and the one parameter it takes. */
export const FAULT_KINDS = {
  "bitflip-rx": "rate",
  "bitflip-tx": "rate",
  "dropbyte-rx": "rate",
  "dropbyte-tx": "rate",
  "drop-frame-rx": "rate",
  "drop-frame-tx": "rate",
  "dup-frame-rx": "rate",
  "dup-frame-tx": "rate",
  "reorder-rx": "rate",
  "reorder-tx": "rate",
  "delay-frame-rx": "ms",
  "delay-frame-tx": "ms",
  "slow-ack": "ms",
  "no-ack": "rate",
  reboot: "none",
  unplug: "ms",
  "sensor-open": "zone",
  "sensor-short": "zone",
  "heater-stuck-on": "zone",
  "heater-dead": "zone",
  jam: "none",
  "limit-stuck": "switch",
  "person-off": "none",
  overweight: "kg",
  brownout: "none",
  "proto-version": "version",
  "boot-interrupt": "none",
  "boot-corrupt": "none",
  "boot-nohandshake": "none",
  "estop-ignored": "none",
  "estop-unanswered": "none",
  "safe-ignored": "none",
  "commands-ignored": "none",
  "telemetry-frozen": "none",
  "relay-welded": "zone",
} as const satisfies Record<string, ParamKind>;
export type FaultKind = keyof typeof FAULT_KINDS;
export const FAULT_KIND_NAMES = Object.keys(FAULT_KINDS) as FaultKind[];

export const SWITCH_FAULTS = ["home-open", "home-closed", "end-open", "end-closed"] as const;
export type SwitchFaultSpec = (typeof SWITCH_FAULTS)[number];

/** Values a condition trigger can test (SimTruth fields). */
export const CONDITION_FIELDS = ["projectorC", "matC", "projectorSkinC", "positionMm", "speedMmS", "lift", "motorMa", "loadKg", "state", "transferPct"] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];
export type ConditionOp = ">" | ">=" | "<" | "<=" | "=";

export type FaultTrigger = { atMs: number } | { field: ConditionField; op: ConditionOp; value: number | string };

export interface FaultSpec {
  kind: FaultKind;
  /** Probability per byte (byte faults) or per frame (frame faults), 0–1. */
  rate?: number;
  /** Delay (delay-*, slow-ack) or how long the cable stays out (unplug), ms. */
  ms?: number;
  zone?: Zone;
  switch?: SwitchFaultSpec;
  /** Weight of the person who gets on (overweight), kg. */
  kg?: number;
  /** Protocol version the firmware speaks (proto-version). */
  version?: number;
  /** When it starts; absent = at once. Times count from the simulator's start. */
  at?: FaultTrigger;
  /** How long it lasts; absent = until cleared. One-shot kinds ignore it. */
  forMs?: number;
}

/** Kinds that happen once at their trigger instead of lasting. */
export const ONE_SHOT_KINDS: ReadonlySet<FaultKind> = new Set(["reboot", "unplug", "person-off", "overweight", "brownout", "boot-interrupt", "boot-corrupt"]);

/** `boot-interrupt` with no trigger: half-way through the transfer. */
const BOOT_INTERRUPT_DEFAULT_PCT = 50;

export class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

const DEFAULTS: Partial<Record<FaultKind, Partial<FaultSpec>>> = {
  unplug: { ms: 5000 },
  overweight: { kg: 150 },
  "slow-ack": { ms: 500 },
  "delay-frame-rx": { ms: 200 },
  "delay-frame-tx": { ms: 200 },
};

/** "120s", "500ms", "2m", "1.5h" → ms. */
export function parseDurationMs(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new FaultSpecError(`${what}: expected a time with a unit, like 500ms, 120s or 2m (got ${JSON.stringify(text)})`);
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

function parseTrigger(text: string, what: string): FaultTrigger {
  // `@50%`: shorthand for transferPct>=50 (a firmware transfer half-way).
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (pct) {
    const value = Number(pct[1]);
    if (value > 100) throw new FaultSpecError(`${what} @percent: transfer progress must be 0–100% (got ${JSON.stringify(text)})`);
    return { field: "transferPct", op: ">=", value };
  }
  const m = /^([a-zA-Z]+)\s*(>=|<=|>|<|=)\s*(.+)$/.exec(text.trim());
  if (!m) return { atMs: parseDurationMs(text, `${what} @time`) };
  const field = m[1] as ConditionField;
  if (!CONDITION_FIELDS.includes(field)) throw new FaultSpecError(`${what} @condition: field must be one of ${CONDITION_FIELDS.join(", ")} (got ${JSON.stringify(m[1])})`);
  const op = m[2] as ConditionOp;
  if (field === "state") {
    if (op !== "=") throw new FaultSpecError(`${what} @condition: state only compares with = (got ${op})`);
    return { field, op, value: m[3]!.trim() };
  }
  const value = Number(m[3]);
  if (!Number.isFinite(value)) throw new FaultSpecError(`${what} @condition: ${field} must be compared with a number (got ${JSON.stringify(m[3])})`);
  return { field, op, value };
}

function parseParam(kind: FaultKind, text: string | undefined, what: string): Partial<FaultSpec> {
  const p: ParamKind = FAULT_KINDS[kind];
  const need = (hint: string) => new FaultSpecError(`${what}: needs a parameter (${hint}), e.g. ${kind}:${hint.split(" ")[0]}`);
  if (p === "none") {
    if (text !== undefined) throw new FaultSpecError(`${what}: ${kind} takes no parameter (got ${JSON.stringify(text)})`);
    return {};
  }
  if (text === undefined) {
    if (DEFAULTS[kind]) return { ...DEFAULTS[kind] };
    throw need(p === "rate" ? "0.001 (probability 0–1)" : p === "zone" ? "projector or mat" : p === "switch" ? SWITCH_FAULTS.join(" | ") : p === "version" ? "2 (protocol version)" : "value");
  }
  switch (p) {
    case "rate": {
      const v = Number(text);
      if (!(v >= 0 && v <= 1)) throw new FaultSpecError(`${what}: rate must be a probability from 0 to 1 (got ${JSON.stringify(text)})`);
      return { rate: v };
    }
    case "ms": {
      const v = /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDurationMs(text, `${what} duration`);
      if (!(v >= 0 && v <= 600_000)) throw new FaultSpecError(`${what}: duration must be from 0 to 600s (got ${JSON.stringify(text)})`);
      return { ms: v };
    }
    case "zone":
      if (!ZONES.includes(text as Zone)) throw new FaultSpecError(`${what}: zone must be ${ZONES.join(" or ")} (got ${JSON.stringify(text)})`);
      return { zone: text as Zone };
    case "switch":
      if (!SWITCH_FAULTS.includes(text as SwitchFaultSpec)) throw new FaultSpecError(`${what}: switch must be one of ${SWITCH_FAULTS.join(", ")} (got ${JSON.stringify(text)})`);
      return { switch: text as SwitchFaultSpec };
    case "kg": {
      const v = Number(text.replace(/kg$/, ""));
      if (!(v >= 137 && v <= 250)) throw new FaultSpecError(`${what}: weight must be from 137 to 250 kg (over the 136 kg roller limit, within the sensor's 250 kg) (got ${JSON.stringify(text)})`);
      return { kg: v };
    }
    case "version": {
      const v = Number(text);
      if (!(Number.isInteger(v) && v >= 0 && v <= 65535)) throw new FaultSpecError(`${what}: version must be a whole number from 0 to 65535 (got ${JSON.stringify(text)})`);
      return { version: v };
    }
  }
}

/** One fault: `kind[:param][@time|@condition][+duration]`. */
export function parseOneFault(text: string, what = "fault"): FaultSpec {
  const m = /^([a-z][a-z-]*)(?::([^@+]*))?(?:@([^+]*))?(?:\+(.*))?$/.exec(text.trim());
  if (!m) throw new FaultSpecError(`${what} ${JSON.stringify(text)}: expected kind[:param][@time|@condition][+duration], e.g. heater-dead:projector@120s`);
  const kind = m[1] as FaultKind;
  if (!Object.hasOwn(FAULT_KINDS, kind)) throw new FaultSpecError(`${what} ${JSON.stringify(text)}: unknown kind ${JSON.stringify(m[1])}; known kinds: ${FAULT_KIND_NAMES.join(", ")}`);
  const label = `${what} ${JSON.stringify(text)}`;
  const spec: FaultSpec = { kind, ...parseParam(kind, m[2], label) };
  if (m[3] !== undefined) spec.at = parseTrigger(m[3], label);
  else if (kind === "boot-interrupt") spec.at = { field: "transferPct", op: ">=", value: BOOT_INTERRUPT_DEFAULT_PCT };
  if (m[4] !== undefined) spec.forMs = parseDurationMs(m[4], `${label} +duration`);
  return spec;
}

/** `--faults "heater-dead:projector@120s,bitflip-rx:0.001"` → specs. Throws FaultSpecError naming the part that is wrong. */
export function parseFaultSpec(spec: string): FaultSpec[] {
  const items = spec.split(",").map((s) => s.trim());
  if (items.length === 0 || items.every((s) => s === "")) throw new FaultSpecError("--faults: empty; expected e.g. heater-dead:projector@120s,bitflip-rx:0.001");
  return items.map((item, i) => {
    if (item === "") throw new FaultSpecError(`--faults item ${i + 1}: empty (two commas in a row?)`);
    return parseOneFault(item, `--faults item ${i + 1}`);
  });
}

const ScenarioFile = z.object({
  description: z.string().optional(),
  seed: z.number().int().min(0).optional(),
  person: z.union([z.object({ heightCm: z.number(), weightKg: z.number() }), z.null()]).optional(),
  faults: z.array(
    z.union([
      z.string(),
      z.object({ fault: z.string(), at: z.string().optional(), when: z.string().optional(), for: z.string().optional() }).strict(),
    ]),
  ),
});

export interface Scenario {
  description?: string;
  seed?: number;
  person?: PersonSpec | null;
  faults: FaultSpec[];
}

/** Reads a scenario JSON file. Throws FaultSpecError naming the file and the entry that is wrong. */
export function loadScenario(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new FaultSpecError(`${path}: cannot read scenario (${(err as Error).message})`);
  }
  return parseScenario(raw, path);
}

export function parseScenario(raw: unknown, source = "scenario"): Scenario {
  const r = ScenarioFile.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new FaultSpecError(`${source}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  const s = r.data;
  if (s.person) {
    const bad = checkPerson(s.person);
    if (bad) throw new FaultSpecError(`${source}: ${bad}`);
  }
  const faults = s.faults.map((f, i) => {
    const what = `${source}: faults[${i}]`;
    if (typeof f === "string") return parseOneFault(f, what);
    if (f.at && f.when) throw new FaultSpecError(`${what}: give either "at" (a time) or "when" (a condition), not both`);
    const spec = parseOneFault(f.fault, what);
    if (f.at) spec.at = { atMs: parseDurationMs(f.at, `${what}.at`) };
    if (f.when) spec.at = parseTrigger(f.when, `${what}.when`);
    if (f.for) spec.forMs = parseDurationMs(f.for, `${what}.for`);
    return spec;
  });
  return { description: s.description, seed: s.seed, person: s.person, faults };
}
