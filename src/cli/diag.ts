// `bedlink diag`: the technician self-test on a bed or the simulator — a progress line per check,
// a table at the end (or one JSON object), and a report file a person can read and send.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Command } from "commander";
import { RealClock, VirtualClock, type Clock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { formatCheckLine, formatTable, renderHtmlReport, renderMarkdownReport, runDiagnostics, type DiagProgress, type DiagReport } from "../diag/index.ts";
import { ErrorCode, isBedlinkError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { openBed, settle } from "./connect.ts";
import { EXIT } from "./exitCodes.ts";
import { parsePerson, parseSeed, parseTarget, type PersonOption, type Target } from "./runOptions.ts";

interface DiagFlags {
  sim?: boolean;
  port?: string;
  tcp?: string;
  json?: boolean;
  report?: string;
  clearLog?: boolean;
  faults?: string;
  seed?: string;
  nobody?: boolean;
  person?: string;
}

/** Whole run in simulated time: ≈ 3 min of tests; anything past this is a hang. */
const SIM_RUN_MAX_MS = 30 * 60_000;

export function registerDiag(program: Command): void {
  program
    .command("diag")
    .description("Run the technician self-test: identity, link, sensors, heaters, lift, carriage, limit switches, error log, counters")
    .option("--sim", "use the built-in simulated bed (the default)")
    .option("--port <path>", "serial port of a bed, e.g. /dev/ttyUSB0")
    .option("--tcp <host:port>", "a bed behind a TCP serial bridge")
    .option("--json", "print one JSON object (the whole report) instead of the table")
    .option("--report <file>", "write a report to send: HTML (self-contained, with curves) or Markdown when FILE ends in .md")
    .option("--clear-log", "clear the device's error log after reading it")
    .option("--faults <spec>", "simulator only: faults to inject, e.g. heater-dead:projector or limit-stuck:end-open")
    .option("--seed <n>", "simulator only: random seed (same seed, same run)")
    .option("--nobody", "simulator only: nobody on the bed (the default with --sim)")
    .option("--person <spec>", "simulator only: someone on the bed, height=CM,weight=KG (heater and lift tests are then refused)")
    .addHelpText("after", "\nThe heater and lift tests need an empty bed and are refused while the load sensor reads 20 kg or more.\nThe bed is left with heaters 0, lift 0 and the carriage parked, whatever happened.\n\nExit status: 0 every check passed, 1 a check failed (or was refused or skipped), 2 bad arguments, 6 link failure.")
    .action(async (flags: DiagFlags) => {
      process.exitCode = await diagCommand(flags);
    });
}

interface Parsed {
  target: Target;
  seed?: number;
  person: PersonOption | null;
  faults: ReturnType<typeof parseFaultSpec>;
  reportPath?: string;
}

function parseFlags(flags: DiagFlags): Parsed {
  // --tcp takes host:port as documented, or the transport's own tcp://host:port.
  const tcp = flags.tcp !== undefined && !flags.tcp.startsWith("tcp://") ? `tcp://${flags.tcp}` : flags.tcp;
  const target = parseTarget({ ...flags, tcp });
  const simOnly = [flags.faults !== undefined && "--faults", flags.seed !== undefined && "--seed", flags.person !== undefined && "--person", flags.nobody && "--nobody"].filter(Boolean);
  if (target.kind !== "sim" && simOnly.length) throw new Error(`${simOnly.join(", ")} only ${simOnly.length === 1 ? "applies" : "apply"} to the simulator (--sim)`);
  if (flags.person !== undefined && flags.nobody) throw new Error("choose one of --nobody and --person");
  let reportPath: string | undefined;
  if (flags.report !== undefined) {
    if (flags.report.trim() === "") throw new Error("--report needs a file name, e.g. --report diag.html or --report diag.md");
    reportPath = resolve(flags.report);
    const dir = dirname(reportPath);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--report: directory ${dir} does not exist`);
    if (existsSync(reportPath) && statSync(reportPath).isDirectory()) throw new Error(`--report: ${reportPath} is a directory; give a file name`);
  }
  return {
    target,
    seed: target.kind === "sim" ? parseSeed(flags.seed) : undefined,
    person: flags.person !== undefined ? parsePerson(flags.person) : null,
    faults: flags.faults ? parseFaultSpec(flags.faults) : [],
    reportPath,
  };
}

function progressPrinter(interactive: boolean): (p: DiagProgress) => void {
  let live = false;
  const clearLive = (): void => {
    if (live) process.stderr.write("\r\x1b[K");
    live = false;
  };
  return (p) => {
    if (p.kind === "check-start") {
      if (interactive) {
        process.stderr.write(`\r\x1b[K[${p.index + 1}/${p.total}] ${p.title} …`);
        live = true;
      }
    } else if (p.kind === "check-step") {
      if (interactive) {
        process.stderr.write(`\r\x1b[K  ${p.text}`);
        live = true;
      }
    } else {
      clearLive();
      process.stdout.write(`${`[${p.index + 1}/${p.total}]`.padEnd(7)} ${formatCheckLine(p.result)}\n`);
    }
  };
}

async function diagCommand(flags: DiagFlags): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseFlags(flags);
  } catch (err) {
    process.stderr.write(`bedlink diag: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  // Diagnostics report their findings themselves; the link's own warnings (e.g. on close) would only be noise.
  const logger = createLogger({ level: process.env.BEDLINK_LOG_LEVEL ?? "error" });
  const clock: Clock = parsed.target.kind === "sim" ? new VirtualClock() : new RealClock();
  let opened;
  try {
    opened = await openBed(parsed.target, { clock, logger, seed: parsed.seed, person: parsed.person, faults: parsed.faults });
  } catch (err) {
    if (isBedlinkError(err, ErrorCode.BadTransportSpec)) {
      process.stderr.write(`bedlink diag: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`bedlink diag: cannot reach the bed: ${(err as Error).message}\n`);
    return isBedlinkError(err) || parsed.target.kind !== "sim" ? EXIT.link : EXIT.failed;
  }
  const { bed, sim } = opened;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  let report: DiagReport;
  try {
    const work = runDiagnostics(bed, {
      clock,
      logger,
      clearLog: flags.clearLog === true,
      signal: controller.signal,
      wallTime: () => new Date(),
      onProgress: flags.json ? undefined : progressPrinter(process.stderr.isTTY === true),
    });
    report = await settle(clock, work, SIM_RUN_MAX_MS);
  } catch (err) {
    process.stderr.write(`bedlink diag: ${(err as Error).message}\n`);
    return isBedlinkError(err) ? EXIT.link : EXIT.failed;
  } finally {
    process.off("SIGINT", stop);
    await settle(clock, bed.close(), 5_000).catch(() => {});
    sim?.stop();
  }

  if (parsed.reportPath) {
    const markdown = [".md", ".markdown"].includes(extname(parsed.reportPath).toLowerCase());
    try {
      writeFileSync(parsed.reportPath, markdown ? renderMarkdownReport(report) : renderHtmlReport(report));
      if (!flags.json) process.stdout.write(`report written to ${parsed.reportPath}\n`);
    } catch (err) {
      process.stderr.write(`bedlink diag: could not write the report: ${(err as Error).message}\n`);
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`\n${formatTable(report, { verdicts: false })}\n`);
  if (report.linkLost) return EXIT.link;
  return report.overall === "pass" ? EXIT.ok : EXIT.failed;
}
