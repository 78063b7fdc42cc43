// `bedlink run PROGRAM`: one therapy session against the simulator (virtual time) or a bed,
// with a live progress line, a JSON summary and a JUnit report for CI.
import { accessSync, constants, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { RealClock, VirtualClock, type Clock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { isBedlinkError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { loadProgram } from "../therapy/programs/load.ts";
import { TherapySession, type SessionResult } from "../therapy/session.ts";
import { driveClock, openBed, settle } from "./connect.ts";
import { EXIT } from "./exitCodes.ts";
import { formatProgress, toJunit, VacancyNotice } from "./runReport.ts";
import { parsePerson, parseSeed, parseSpeed, parseTarget, parseWait } from "./runOptions.ts";

interface RunFlags {
  sim?: boolean;
  port?: string;
  tcp?: string;
  speed?: string;
  faults?: string;
  seed?: string;
  person?: string;
  json?: boolean;
  junit?: string;
  confirmed?: boolean;
  afterLinkLoss?: string;
  occupancyWait: string;
  releaseEstop?: boolean;
}

/** An unattended run waits this long for someone to lie (back) down before it stops (exit 3). */
const DEFAULT_OCCUPANCY_WAIT = "2m";

const OUTCOME_EXIT = { completed: EXIT.ok, stopped: EXIT.stopped, faulted: EXIT.faulted, estopped: EXIT.estopped } as const;

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run one therapy program on a bed or the simulator and report how it went")
    .argument("<program>", "a built-in program id (see `bedlink programs list`) or a program JSON file")
    .option("--sim", "use the built-in simulated bed (the default)")
    .option("--port <path>", "serial port of a bed, e.g. /dev/ttyUSB0")
    .option("--tcp <host:port>", "a bed behind a TCP serial bridge")
    .option("--speed <n|max>", "simulator only: times real time, or max", "max")
    .option("--faults <spec>", "simulator only: faults to inject, e.g. heater-dead:projector@120s")
    .option("--seed <n>", "simulator only: random seed (same seed, same run)", "1")
    .option("--person <spec>", "simulator only: height=CM,weight=KG, or nobody", "height=175,weight=75")
    .option("--confirmed", "a real bed: the operator confirms the cover is on and the screening questions were asked")
    .option("--after-link-loss <abort|resume>", "when the link comes back after a loss: abort (safe default) or resume", "abort")
    .option("--occupancy-wait <time>", "nobody on the bed this long (before the start, or after getting up) stops the run with exit 3", DEFAULT_OCCUPANCY_WAIT)
    .option("--release-estop", "technician: release an emergency stop latched on the bed before the run")
    .option("--json", "print one JSON summary object instead of the progress line")
    .option("--junit <file>", "write a JUnit XML report (one test case per step, plus safety)")
    .addHelpText(
      "after",
      "\nNobody on the bed: the run says so and waits --occupancy-wait (default 2 min) for someone to lie down, then stops (exit 3).\n" +
        "A bed in its emergency stop is not released unless --release-estop says so.\n" +
        "Exit status: 0 completed with no violations, 1 completed with a violation, 2 bad arguments (or a latched bed),\n3 stopped, 4 faulted, 5 emergency-stopped, 6 link failure.",
    )
    .action(async (programArg: string, flags: RunFlags) => {
      process.exitCode = await runCommand(programArg, flags);
    });
}

async function runCommand(programArg: string, flags: RunFlags): Promise<number> {
  const logger = createLogger({ level: process.env.BEDLINK_LOG_LEVEL ?? (flags.json ? "error" : "warn") });
  let program, target, speed, seed, person, faults, vacancyWaitMs;
  try {
    program = loadProgram(programArg);
    target = parseTarget(flags);
    speed = parseSpeed(flags.speed);
    seed = parseSeed(flags.seed);
    person = parsePerson(flags.person ?? "height=175,weight=75", true);
    vacancyWaitMs = parseWait(flags.occupancyWait ?? DEFAULT_OCCUPANCY_WAIT, "--occupancy-wait");
    faults = flags.faults ? parseFaultSpec(flags.faults) : [];
    if (flags.afterLinkLoss !== undefined && flags.afterLinkLoss !== "abort" && flags.afterLinkLoss !== "resume") throw new Error(`--after-link-loss must be abort or resume; got ${JSON.stringify(flags.afterLinkLoss)}`);
    if (target.kind !== "sim" && (flags.faults || speed !== "max")) throw new Error("--faults and --speed only apply to the simulator (--sim)");
    if (target.kind !== "sim" && !flags.confirmed) throw new Error("a real bed needs --confirmed: the cover is on the bed and the screening questions were asked");
    // Find out now, not after a whole session, that the report cannot be written.
    if (flags.junit) accessSync(dirname(resolve(flags.junit)), constants.W_OK);
  } catch (err) {
    process.stderr.write(`bedlink run: ${(err as Error).message}\n`);
    return EXIT.usage;
  }

  const clock: Clock = target.kind === "sim" ? new VirtualClock() : new RealClock();
  const real = new RealClock();
  const wallStart = real.now();
  let opened;
  try {
    opened = await openBed(target, { clock, logger, seed, person, faults });
  } catch (err) {
    const text = `cannot reach the bed: ${(err as Error).message}`;
    process.stderr.write(`bedlink run: ${text}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ program: program.id, outcome: "link-failed", reason: { code: "LINK_FAILED", priority: "medium", text } })}\n`);
    return isBedlinkError(err) || target.kind !== "sim" ? EXIT.link : EXIT.failed;
  }
  const { bed, sim } = opened;
  // A park position the bed cannot reach would leave the carriage unparked at the end: refuse up front.
  const parkMm = program.coolDown.parkPositionMm ?? 0;
  if (parkMm > bed.identity.limits.trackMm) {
    process.stderr.write(`bedlink run: coolDown.parkPositionMm ${parkMm} is beyond this bed's track (0–${bed.identity.limits.trackMm} mm); nothing was run\n`);
    await settle(clock, bed.close(), 5_000).catch(() => {});
    sim?.stop();
    return EXIT.usage;
  }
  if (bed.latch) {
    if (!flags.releaseEstop) {
      process.stderr.write(`bedlink run: ${bed.latch.text} Nothing was run; a technician releases it with --release-estop (or on the panel's technician page).\n`);
      await settle(clock, bed.close(), 5_000).catch(() => {});
      sim?.stop();
      return EXIT.usage;
    }
    try {
      await settle(clock, bed.releaseLatch(), 10_000);
      logger.warn("emergency stop released (--release-estop)");
    } catch (err) {
      process.stderr.write(`bedlink run: could not release the emergency stop: ${(err as Error).message}\n`);
      await settle(clock, bed.close(), 5_000).catch(() => {});
      sim?.stop();
      return EXIT.link;
    }
  }
  const session = new TherapySession({
    program,
    bed,
    clock,
    logger,
    // The simulated person is screened and covered; a real bed needs the operator's word (--confirmed).
    confirmations: { cover: true, screening: true },
    afterLinkLoss: flags.afterLinkLoss === "resume" ? "resume" : "abort",
    vacancyWaitMs,
  });
  let result: SessionResult | undefined;
  const finished = session.start().then((r) => (result = r));
  const interactive = !flags.json && process.stderr.isTTY === true;
  const vacancy = new VacancyNotice(vacancyWaitMs);
  const progress = clock.setInterval(() => {
    const waiting = vacancy.update(session, bed, clock.now());
    if (interactive) process.stderr.write(`\r${formatProgress(session, bed, waiting)}\x1b[K`);
    else if (waiting?.justBegan && !flags.json) process.stderr.write(`bedlink run: nobody on the bed; waiting up to ${Math.round(vacancyWaitMs / 1000)} s (--occupancy-wait) for someone to lie down, then stopping\n`);
  }, 1000);
  // Ctrl-C stops the session the normal way (heaters off, carriage parked); a second one is an emergency stop.
  let interrupts = 0;
  const stopOnSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("\nStopping: heaters off, parking the carriage (Ctrl-C again for an emergency stop)…\n");
      session.stop();
    } else {
      process.stderr.write("\nEmergency stop.\n");
      // An unconfirmed stop is the session's to report: its estopping step awaits the same confirmation.
      void session.estop().catch(() => {});
    }
  };
  process.on("SIGINT", stopOnSignal);
  // A session is at most 60 min + cool-down; give the clock a little more before calling it hung.
  const ok = await driveClock(clock, () => result !== undefined, speed, 75 * 60_000, real);
  process.off("SIGINT", stopOnSignal);
  clock.clearInterval(progress);
  if (!ok) {
    session.stop();
    await driveClock(clock, () => result !== undefined, "max", 5 * 60_000, real);
  }
  await finished;
  if (interactive) process.stderr.write("\n");
  await settle(clock, bed.close(), 5_000).catch(() => {});
  sim?.stop();
  const summary = { ...result!, wallMs: Math.round(real.now() - wallStart) };
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else printSummary(summary);
  if (flags.junit) {
    try {
      writeFileSync(flags.junit, toJunit(summary));
    } catch (err) {
      process.stderr.write(`bedlink run: could not write the JUnit report: ${(err as Error).message}\n`);
      return EXIT.failed;
    }
  }
  if (summary.outcome === "completed") return summary.violations.length > 0 ? EXIT.failed : EXIT.ok;
  return OUTCOME_EXIT[summary.outcome];
}

function printSummary(s: SessionResult & { wallMs: number }): void {
  const lines = [
    `${s.program}: ${s.outcome}${s.reason && s.outcome !== "completed" ? ` — ${s.reason.text}` : ""}`,
    `  ${(s.virtualDurationS / 60).toFixed(1)} min of bed time in ${s.wallMs} ms`,
    `  element max: projector ${s.maxElementC.projector.toFixed(1)} °C, mat ${s.maxElementC.mat.toFixed(1)} °C; skin max (est.) ${s.maxSkinC.toFixed(1)} °C; dose ${(s.doseFraction * 100).toFixed(2)} % of burn threshold`,
    `  steps: ${s.steps.filter((x) => x.actualStartMs !== undefined).length}/${s.steps.length} started, worst start offset ${Math.max(0, ...s.steps.filter((x) => x.actualStartMs !== undefined).map((x) => Math.abs(x.actualStartMs! - x.plannedStartMs)))} ms`,
  ];
  for (const f of s.faults) lines.push(`  fault ${f.code} (${f.priority}) at ${(f.atMs / 1000).toFixed(1)} s: ${f.text}`);
  for (const v of s.violations) lines.push(`  VIOLATION ${v.code}: ${v.text}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
