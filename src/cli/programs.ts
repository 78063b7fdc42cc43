// `bedlink programs list|show|validate|suggest`: the therapy program library from the terminal.
import type { Command } from "commander";
import { describeCoolDown, describeDuration, describeStep } from "../therapy/programs/describe.ts";
import { builtInPrograms, findProgram } from "../therapy/programs/library.ts";
import { readProgramFile, unknownProgramMessage } from "../therapy/programs/load.ts";
import type { ProgramDefinition } from "../therapy/programs/schema.ts";
import { ACTIVITIES, WEEKDAYS, suggestProgram, type Activity, type Weekday } from "../therapy/programs/suggest.ts";
import { TECHNIQUE_CAPS } from "../therapy/programs/techniques.ts";
import { sessionMs } from "../therapy/programs/validate.ts";
import { EXIT } from "./exitCodes.ts";

/** Plausible body weights for the --weight flag (bad input gets a range, not a guess). */
const WEIGHT_MIN_KG = 20;
const WEIGHT_MAX_KG = 350;
/** Hours since the run: within a couple of days is all the recovery rule cares about. */
const HOURS_SINCE_RUN_MAX = 72;

const out = (text: string): void => void process.stdout.write(`${text}\n`);
/** `bedlink programs show X | head`: a reader that goes away early is not an error. */
const quietOnClosedPipe = (): void =>
  void process.stdout.once("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(EXIT.ok);
  });
const fail = (text: string): number => {
  process.stderr.write(`bedlink programs: ${text}\n`);
  return EXIT.usage;
};

function summary(p: ProgramDefinition) {
  return {
    id: p.id,
    name: p.name,
    family: p.family,
    technique: p.technique,
    minutes: sessionMs(p) / 60_000,
    requiresRoller: p.requiresRoller,
    maxWeightKg: p.maxWeightKg ?? null,
    description: p.description,
  };
}

function list(flags: { json?: boolean }): number {
  quietOnClosedPipe();
  const programs = builtInPrograms();
  if (flags.json) {
    out(JSON.stringify(programs.map(summary), null, 2));
    return EXIT.ok;
  }
  const rows = programs.map((p) => [p.id, p.family, p.technique, `${sessionMs(p) / 60_000} min`, p.requiresRoller ? `roller <= ${p.maxWeightKg} kg` : "heat only", p.name]);
  const header = ["ID", "FAMILY", "TECHNIQUE", "LENGTH", "ROLLER", "NAME"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
  return EXIT.ok;
}

function show(id: string, flags: { json?: boolean }): number {
  quietOnClosedPipe();
  const p = findProgram(id);
  if (!p) return fail(unknownProgramMessage(id, false));
  if (flags.json) {
    out(JSON.stringify(p, null, 2));
    return EXIT.ok;
  }
  const caps = TECHNIQUE_CAPS[p.technique];
  out(`${p.name} (${p.id})`);
  out(`  ${p.description}`);
  out(`  family ${p.family}, technique ${p.technique} (${caps.speedHint}; skin-side cap ${caps.skinMaxC} °C)`);
  out(`  ${describeDuration(sessionMs(p))} in all; ${p.requiresRoller ? `roller program, up to ${p.maxWeightKg} kg` : "heat only, no roller: any weight"}`);
  let atMs = 0;
  p.steps.forEach((s, i) => {
    out(`  ${String(i + 1).padStart(2)}. ${describeDuration(atMs).padStart(6)}  ${s.label} (${describeDuration(s.durationMs)}): ${describeStep(s)}`);
    atMs += s.durationMs;
  });
  out(`      ${describeDuration(atMs).padStart(6)}  Cool-down (${describeCoolDown(p)})`);
  return EXIT.ok;
}

function validate(file: string, flags: { json?: boolean }): number {
  const result = readProgramFile(file);
  if (flags.json) {
    const body = result.ok
      ? { valid: true, id: result.program.id, steps: result.program.steps.length, minutes: sessionMs(result.program) / 60_000 }
      : { valid: false, errors: "unreadable" in result ? [{ path: "(file)", message: result.unreadable }] : result.errors };
    out(JSON.stringify(body, null, 2));
    return result.ok ? EXIT.ok : EXIT.usage;
  }
  if (result.ok) {
    out(`${file}: valid — ${result.program.id}, ${result.program.steps.length} steps, ${describeDuration(sessionMs(result.program))} with cool-down`);
    return EXIT.ok;
  }
  if ("unreadable" in result) return fail(result.unreadable);
  process.stderr.write(`${file}: invalid program (${result.errors.length} error${result.errors.length === 1 ? "" : "s"})\n`);
  for (const e of result.errors) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  return EXIT.usage;
}

interface SuggestFlags {
  activity?: string;
  day?: string;
  weight?: string;
  hoursSinceRun?: string;
  acuteSwelling?: boolean;
  json?: boolean;
}

function numberFlag(name: string, text: string, min: number, max: number, unit: string): number | string {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) return `--${name} must be a number ${min}–${max} ${unit}; got "${text}"`;
  return n;
}

function suggest(flags: SuggestFlags): number {
  const activity = flags.activity?.toLowerCase();
  if (activity !== undefined && !(ACTIVITIES as readonly string[]).includes(activity)) {
    return fail(`--activity must be one of ${ACTIVITIES.join(", ")}; got "${flags.activity}"`);
  }
  const day = flags.day?.toLowerCase();
  if (day !== undefined && !(WEEKDAYS as readonly string[]).includes(day)) {
    return fail(`--day must be one of ${WEEKDAYS.join(", ")}; got "${flags.day}"`);
  }
  if (activity === undefined && day === undefined) return fail("give --activity (what you did today) or --day (the weekly plan's suggestion)");
  const weightKg = flags.weight === undefined ? undefined : numberFlag("weight", flags.weight, WEIGHT_MIN_KG, WEIGHT_MAX_KG, "kg");
  if (typeof weightKg === "string") return fail(weightKg);
  const hoursSinceRun = flags.hoursSinceRun === undefined ? undefined : numberFlag("hours-since-run", flags.hoursSinceRun, 0, HOURS_SINCE_RUN_MAX, "h");
  if (typeof hoursSinceRun === "string") return fail(hoursSinceRun);

  const s = suggestProgram({
    activity: activity as Activity | undefined,
    day: day as Weekday | undefined,
    weightKg,
    hoursSinceRun,
    acuteSwelling: flags.acuteSwelling === true,
  });
  if (flags.json) {
    out(JSON.stringify(s, null, 2));
    return EXIT.ok;
  }
  const p = s.programId ? findProgram(s.programId) : undefined;
  out(p ? `${p.id}: ${p.name} (${describeDuration(sessionMs(p))})` : "no program suggested");
  out(`  ${s.reason}`);
  if (s.alternatives.length > 0) out(`  also fits: ${s.alternatives.join(", ")}`);
  return EXIT.ok;
}

export function registerPrograms(program: Command): void {
  const programs = program
    .command("programs")
    .description("List, show, validate and suggest therapy programs")
    .addHelpText("after", "\nExit status: 0 ok, 2 unknown program id, invalid program file or bad arguments.");

  programs
    .command("list")
    .description("List the built-in programs")
    .option("--json", "print a JSON array")
    .action((flags: { json?: boolean }) => void (process.exitCode = list(flags)));

  programs
    .command("show")
    .description("Show one program's steps: durations, temperatures and carriage motion in words")
    .argument("<id>", "a built-in program id (see `bedlink programs list`)")
    .option("--json", "print the validated definition as JSON")
    .action((id: string, flags: { json?: boolean }) => void (process.exitCode = show(id, flags)));

  programs
    .command("validate")
    .description("Check a program JSON file against the schema and the safety rules")
    .argument("<file>", "program definition (.json)")
    .option("--json", "print { valid, errors } as JSON")
    .addHelpText("after", "\nExit status: 0 valid, 2 invalid or unreadable (each error names its field path and the allowed range).")
    .action((file: string, flags: { json?: boolean }) => void (process.exitCode = validate(file, flags)));

  programs
    .command("suggest")
    .description("Suggest a program from the runner's day: what they did, or the weekday's plan")
    .option("--activity <activity>", `what they did today: ${ACTIVITIES.join(", ")}`)
    .option("--day <weekday>", "weekday (the weekly plan, and rest-day choice)")
    .option("--weight <kg>", `body weight; over the roller limit means heat only`)
    .option("--hours-since-run <h>", "hours since the run (post-run recovery belongs within 1–2 h)")
    .option("--acute-swelling", "an acutely swollen joint (first 48–72 h): no heat, no deep pressure")
    .option("--json", "print { programId, reason, rule, alternatives } as JSON")
    .action((flags: SuggestFlags) => void (process.exitCode = suggest(flags)));
}
