// Finds a program by built-in id or reads one from a JSON file, validated; errors name what to fix.
import { existsSync, readFileSync } from "node:fs";
import { BedlinkError, ErrorCode } from "../../errors.ts";
import { findProgram, programIds } from "./library.ts";
import type { ProgramDefinition } from "./schema.ts";
import { validateProgram, type ValidationResult } from "./validate.ts";

export type FileValidation = ValidationResult | { ok: false; unreadable: string };

/** Reads and validates a program JSON file; an unreadable file or bad JSON is reported, never thrown. */
export function readProgramFile(path: string): FileValidation {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, unreadable: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    return { ok: false, unreadable: `${path} is not valid JSON: ${(err as Error).message}` };
  }
  return validateProgram(input);
}

export function unknownProgramMessage(id: string, acceptsFiles = true): string {
  return `unknown program "${id}"; valid ids: ${programIds().join(", ")}${acceptsFiles ? " (or a path to a program .json file)" : ""}`;
}

/**
 * A built-in id, or a path to a JSON definition. Throws BedlinkError UnknownProgram / InvalidProgram
 * with every validation error in the message (the CLI turns these into exit status 2).
 */
export function loadProgram(idOrPath: string): ProgramDefinition {
  const builtIn = findProgram(idOrPath);
  if (builtIn) return builtIn;
  const looksLikeFile = idOrPath.endsWith(".json") || idOrPath.includes("/") || idOrPath.includes("\\");
  if (!looksLikeFile || !existsSync(idOrPath)) {
    throw new BedlinkError(ErrorCode.UnknownProgram, unknownProgramMessage(idOrPath), { id: idOrPath });
  }
  const result = readProgramFile(idOrPath);
  if (result.ok) return result.program;
  if ("unreadable" in result) throw new BedlinkError(ErrorCode.InvalidProgram, result.unreadable, { path: idOrPath });
  const lines = result.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n");
  throw new BedlinkError(ErrorCode.InvalidProgram, `${idOrPath} is not a valid program:\n${lines}`, { path: idOrPath, errors: result.errors });
}
