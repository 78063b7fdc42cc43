// Parsing and checking `bedlink run` / `serve` / `diag` connection options: every bad value is
// refused with the field and its allowed range before anything is sent to a bed.
import { BedlinkError, ErrorCode } from "../errors.ts";

export interface PersonOption {
  heightCm: number;
  weightKg: number;
}

/** Plausible adults on a massage bed; the load sensor reads to 250 kg. */
const HEIGHT_CM = [120, 220] as const;
const WEIGHT_KG = [25, 250] as const;

function bad(message: string): BedlinkError {
  return new BedlinkError(ErrorCode.InvalidArgument, message);
}

/** "height=178,weight=72" → { heightCm, weightKg }; "nobody" → null (an empty bed). */
export function parsePerson(spec: string): PersonOption;
export function parsePerson(spec: string, allowNobody: true): PersonOption | null;
export function parsePerson(spec: string, allowNobody = false): PersonOption | null {
  if (allowNobody && (spec.trim() === "nobody" || spec.trim() === "none")) return null;
  const out: Partial<PersonOption> = {};
  for (const part of spec.split(",")) {
    const [key, value, ...rest] = part.split("=").map((s) => s.trim());
    const n = Number(value);
    if (!key || value === undefined || rest.length > 0 || value === "" || !Number.isFinite(n)) {
      throw bad(`--person: expected height=CM,weight=KG (e.g. height=178,weight=72); got ${JSON.stringify(part)}`);
    }
    if (key === "height") {
      if (n < HEIGHT_CM[0] || n > HEIGHT_CM[1]) throw bad(`--person height must be ${HEIGHT_CM[0]}–${HEIGHT_CM[1]} cm; got ${n}`);
      out.heightCm = n;
    } else if (key === "weight") {
      if (n < WEIGHT_KG[0] || n > WEIGHT_KG[1]) throw bad(`--person weight must be ${WEIGHT_KG[0]}–${WEIGHT_KG[1]} kg; got ${n}`);
      out.weightKg = n;
    } else throw bad(`--person: unknown field ${JSON.stringify(key)}; allowed: height, weight`);
  }
  return { heightCm: out.heightCm ?? 175, weightKg: out.weightKg ?? 75 };
}

/** "max" or a factor of real time, 1–100000. */
export function parseSpeed(spec: string | undefined): number | "max" {
  if (spec === undefined || spec === "max") return "max";
  const n = Number(spec);
  if (!Number.isFinite(n) || n < 1 || n > 100_000) throw bad(`--speed must be "max" or a number 1–100000 (times real time); got ${JSON.stringify(spec)}`);
  return n;
}

/** How long an unattended run waits for someone on the bed: 10 s – 10 min (the panel's pause limit). */
const WAIT_MS = [10_000, 10 * 60_000] as const;

/** "120s", "2m", "90" (seconds) → ms, within WAIT_MS. */
export function parseWait(spec: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(spec.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? "s") as "ms" | "s" | "m"] : NaN;
  if (!(ms >= WAIT_MS[0] && ms <= WAIT_MS[1])) throw bad(`${flag} must be a time from 10s to 10m (e.g. 90s or 2m); got ${JSON.stringify(spec)}`);
  return ms;
}

export function parseSeed(spec: string | undefined): number {
  if (spec === undefined) return 1;
  const n = Number(spec);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw bad(`--seed must be a whole number 0–2147483647; got ${JSON.stringify(spec)}`);
  return n;
}

export type Target = { kind: "sim" } | { kind: "port"; path: string } | { kind: "tcp"; address: string };

/** Exactly one of --sim, --port PATH, --tcp HOST:PORT; the simulator when none is given. */
export function parseTarget(opts: { sim?: boolean; port?: string; tcp?: string }): Target {
  const chosen = [opts.sim ? "--sim" : undefined, opts.port !== undefined ? "--port" : undefined, opts.tcp !== undefined ? "--tcp" : undefined].filter(Boolean);
  if (chosen.length > 1) throw bad(`choose one of --sim, --port PATH, --tcp HOST:PORT; got ${chosen.join(" and ")}`);
  if (opts.port !== undefined) return { kind: "port", path: opts.port };
  if (opts.tcp !== undefined) return { kind: "tcp", address: opts.tcp };
  return { kind: "sim" };
}
