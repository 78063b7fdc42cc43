// A small valid roller program that each validation scenario breaks in one place.
import type { ProgramSource } from "../../../src/therapy/programs/schema.ts";
import type { ProgramError, ValidationResult } from "../../../src/therapy/programs/validate.ts";
import { expect } from "vitest";

export function validProgram(): ProgramSource {
  return {
    id: "test-relax",
    name: "Test relaxation",
    family: "thermal",
    technique: "full-body-relaxation",
    description: "fixture",
    maxWeightKg: 136,
    requiresRoller: true,
    zones: { projector: { setpointC: 48 }, mat: { setpointC: 44 } },
    steps: [
      { label: "Warm-up", durationMs: 5 * 60_000, lift: 1, motion: { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 15 } },
      { label: "Sweeps", durationMs: 20 * 60_000, lift: 2, motion: { kind: "sweep", from: "spine", to: "spine", speedMmS: 12 } },
    ],
    coolDown: { durationMs: 2 * 60_000 },
  };
}

/** Asserts the result is invalid with an error at `path` whose message matches every pattern. */
export function expectError(result: ValidationResult, path: string, ...patterns: RegExp[]): ProgramError {
  expect(result.ok, "definition should be rejected").toBe(false);
  const errors = result.ok ? [] : result.errors;
  const atPath = errors.filter((e) => e.path === path);
  expect(atPath.map((e) => e.path), `errors were: ${JSON.stringify(errors, null, 1)}`).toContain(path);
  const match = atPath.find((e) => patterns.every((p) => p.test(e.message)));
  expect(match, `no error at ${path} matching ${patterns.join(" ")}; got ${JSON.stringify(atPath)}`).toBeDefined();
  return match!;
}
