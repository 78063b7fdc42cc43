// The built-in program library: every definition is validated when first asked for, and looked up by id.
import type { ProgramDefinition, ProgramSource } from "./schema.ts";
import { validateProgram } from "./validate.ts";
import { THERMAL_PROGRAMS } from "./library/thermal.ts";
import { PRESSURE_PROGRAMS } from "./library/pressure.ts";
import { SPINAL_PROGRAMS } from "./library/spinal.ts";

/** The definitions as written, in display order. */
export const BUILT_IN_SOURCES: readonly ProgramSource[] = [...THERMAL_PROGRAMS, ...PRESSURE_PROGRAMS, ...SPINAL_PROGRAMS];

let validated: Map<string, ProgramDefinition> | undefined;

/** The built-ins, parsed and normalised. A built-in that fails validation is a bug: it throws, naming every error. */
export function builtInPrograms(): ProgramDefinition[] {
  if (!validated) {
    const byId = new Map<string, ProgramDefinition>();
    for (const source of BUILT_IN_SOURCES) {
      const result = validateProgram(source);
      if (!result.ok) {
        const lines = result.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n");
        throw new Error(`built-in program "${source.id}" is invalid:\n${lines}`);
      }
      if (byId.has(source.id)) throw new Error(`built-in program id "${source.id}" is used twice`);
      byId.set(source.id, result.program);
    }
    validated = byId;
  }
  return [...validated.values()];
}

export function programIds(): string[] {
  return BUILT_IN_SOURCES.map((p) => p.id);
}

/** A built-in by id, or undefined (callers list programIds() in their error). */
export function findProgram(id: string): ProgramDefinition | undefined {
  builtInPrograms();
  return validated!.get(id);
}
