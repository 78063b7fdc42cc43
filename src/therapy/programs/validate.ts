// validateProgram: shape (zod) then cross-field rules; every error names its field path and allowed range.
import type { z } from "zod";
import { ProgramDefinition } from "./schema.ts";
import { programRules, type ProgramError } from "./rules.ts";

export type { ProgramError } from "./rules.ts";
export type ValidationResult = { ok: true; program: ProgramDefinition } | { ok: false; errors: ProgramError[] };

/** ["steps", 2, "motion", "speedMmS"] → "steps[2].motion.speedMmS". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(program)" : out;
}

function issueErrors(issue: z.core.$ZodIssue): ProgramError[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const path = formatPath([...issue.path, key]);
      const why = path.startsWith("coolDown.") ? "; the cool-down always runs with heaters off and the carriage parked" : "";
      return { path, message: `unknown field "${key}"${why}` };
    });
  }
  if ((issue.code === "invalid_type" || issue.code === "invalid_value" || issue.code === "invalid_union") && issue.input === undefined) {
    return [{ path: formatPath(issue.path), message: `is required: ${issue.message.replace(/; got nothing$/, "")}` }];
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

export function validateProgram(input: unknown): ValidationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: "(program)", message: "must be a program object { id, name, family, technique, steps, coolDown, … }" }] };
  }
  const parsed = ProgramDefinition.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.flatMap(issueErrors) };
  const errors = programRules(parsed.data);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, program: parsed.data };
}

/** Total session length: steps plus cool-down. */
export function sessionMs(p: ProgramDefinition): number {
  return p.steps.reduce((sum, s) => sum + s.durationMs, 0) + p.coolDown.durationMs;
}
