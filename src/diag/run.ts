// runDiagnostics: every check in order, progress as it goes, and the bed left safe at the end
// (heaters 0, lift 0, carriage parked) whatever happened: a failed check, a throw, a lost link.
import type { Clock } from "../../protocols/clock.ts";
import { ZONES } from "../../protocols/constants.ts";
import type { BedDriver } from "../device/bed.ts";
import { silentLogger, type Logger } from "../log.ts";
import { checkCarriage } from "./carriage.ts";
import { checkCounters, checkErrorLog, checkIdentity, checkLink, checkSensors } from "./checks.ts";
import { ARRIVED_MM, HOMING_WAIT_MS, PARK_SPEED_MMS } from "./constants.ts";
import { DiagContext, isLatched } from "./context.ts";
import { checkHeater } from "./heater.ts";
import { checkLift } from "./lift.ts";
import { CHECK_TITLES, type CheckId, type CheckResult, type DiagProgress, type DiagReport, type EndState } from "./types.ts";

export interface DiagOptions {
  clock: Clock;
  onProgress?: (p: DiagProgress) => void;
  /** Clear the device's error log after reading it (the CLI's --clear-log). */
  clearLog?: boolean;
  logger?: Logger;
  /** Stops the run early (the remaining checks are skipped); the bed is still left safe. */
  signal?: AbortSignal;
  /** Wall time for the report header; time inside the run comes from `clock`. */
  wallTime?: () => Date;
}

interface Step {
  ids: CheckId[];
  title: string;
  run: () => Promise<CheckResult[]>;
}

export async function runDiagnostics(bed: BedDriver, opts: DiagOptions): Promise<DiagReport> {
  const log = (opts.logger ?? silentLogger()).child({ ns: "bedlink:diag" });
  const emit = (p: DiagProgress): void => {
    try {
      opts.onProgress?.(p);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "progress listener threw");
    }
  };
  const ctx = new DiagContext(bed, opts.clock, log, emit, opts.signal);
  const report: DiagReport = {
    tool: "bedlink diag",
    formatVersion: 1,
    ...(opts.wallTime ? { startedAt: opts.wallTime().toISOString() } : {}),
    overall: "fail",
    linkLost: false,
    checks: [],
    logCleared: false,
    curves: { heater: {} },
    durationMs: 0,
  };
  const id = bed.identity;
  report.device = { model: id.model, serial: id.serial, hw: id.hw, fw: id.fw, proto: id.proto, bootSlot: id.bootSlot, telemetryHz: id.telemetryHz, limits: id.limits };
  let carriageDrivable = true;

  const steps: Step[] = [
    { ids: ["identity"], title: CHECK_TITLES.identity, run: async () => [checkIdentity(ctx)] },
    { ids: ["link"], title: CHECK_TITLES.link, run: async () => [await checkLink(ctx)] },
    { ids: ["sensors"], title: CHECK_TITLES.sensors, run: async () => [await checkSensors(ctx)] },
    // Heaters before the carriage: a carriage fault leaves the bed tripped, and the heaters can still be judged.
    ...ZONES.map((zone): Step => ({
      ids: [zone === "projector" ? "heater.projector" : "heater.mat"],
      title: CHECK_TITLES[zone === "projector" ? "heater.projector" : "heater.mat"],
      run: async () => {
        const { result, curve } = await checkHeater(ctx, zone);
        if (curve) report.curves.heater[zone] = curve;
        return [result];
      },
    })),
    { ids: ["lift"], title: CHECK_TITLES.lift, run: async () => [await checkLift(ctx)] },
    {
      ids: ["carriage", "limitSwitches"],
      title: "Carriage travel and limit switches",
      run: async () => {
        const out = await checkCarriage(ctx);
        report.curves.carriage = out.trace;
        carriageDrivable = out.drivable;
        return [out.travel, out.limits];
      },
    },
    {
      ids: ["errorLog"],
      title: CHECK_TITLES.errorLog,
      run: async () => {
        const { result, log: entries } = await checkErrorLog(ctx, opts.clearLog === true);
        report.errorLog = entries;
        report.logCleared = opts.clearLog === true;
        return [result];
      },
    },
    {
      ids: ["counters"],
      title: CHECK_TITLES.counters,
      run: async () => {
        const { result, info } = await checkCounters(ctx);
        report.counters = info;
        return [result];
      },
    },
  ];
  const total = steps.reduce((n, s) => n + s.ids.length, 0);

  try {
    for (const step of steps) {
      const startedAtMs = ctx.now();
      if (report.linkLost || ctx.aborted) {
        const why = report.linkLost ? "the link to the bed was lost" : "stopped by the operator";
        for (const cid of step.ids) report.checks.push(ctx.result(cid, startedAtMs, "skipped", `not run: ${why}`, []));
        continue;
      }
      emit({ kind: "check-start", ids: step.ids, title: step.title, index: report.checks.length, total });
      let results: CheckResult[];
      try {
        results = await step.run();
      } catch (err) {
        const message = (err as Error).message;
        log.warn({ err: message, check: step.ids.join(",") }, "check threw");
        if (bed.linkState !== "up") report.linkLost = true;
        results = step.ids.map((cid) => ctx.result(cid, startedAtMs, "fail", `${report.linkLost ? "link lost" : "check stopped"}: ${message}`, []));
      }
      if (bed.linkState !== "up") report.linkLost = true;
      for (const r of results) {
        report.checks.push(r);
        emit({ kind: "check-done", result: r, index: report.checks.length - 1, total });
      }
    }
  } finally {
    report.endState = await leaveSafe(ctx, carriageDrivable && !report.linkLost).catch((err: Error) => {
      log.error({ err: err.message }, "could not leave the bed safe");
      return undefined;
    });
    ctx.recorder.stop();
  }
  report.overall = report.checks.every((c) => c.status === "pass") && report.endState !== undefined ? "pass" : "fail";
  report.durationMs = ctx.now();
  return report;
}

/**
 * Heaters 0, lift 0, carriage parked at home. A latched bed already has its actuators off (the
 * firmware did that when it tripped), so nothing is sent to it; if any command fails, SAFE.
 */
async function leaveSafe(ctx: DiagContext, park: boolean): Promise<EndState | undefined> {
  const bed = ctx.bed;
  const notes: string[] = [];
  if (bed.linkState !== "up") return undefined;
  let t = await ctx.fresh();
  let failed = false;
  if (!park) notes.push("the carriage was left where it stopped: it must not be driven until the jam is cleared");
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      notes.push(`${what} failed: ${(err as Error).message}`);
    }
  };
  if (!isLatched(t.state) && t.state !== "bootloader") {
    for (const zone of ZONES) await attempt(`${zone} heater off`, () => bed.setHeat(zone, 0));
    await attempt("lift to 0", () => bed.setLift(0));
    if (park && t.state === "homing") await attempt("homing", () => bed.waitForTelemetry((x) => x.state !== "homing", HOMING_WAIT_MS));
    t = await ctx.fresh();
    if (park && !isLatched(t.state) && Math.abs(t.positionMm) > ARRIVED_MM) {
      await attempt("parking", async () => {
        await bed.moveTo(0, PARK_SPEED_MMS);
        const limits = bed.identity.limits;
        await bed.waitForTelemetry((x) => isLatched(x.state) || Math.abs(x.positionMm) <= ARRIVED_MM, ((limits.trackMm / PARK_SPEED_MMS) * 1000) * 1.5 + 2000);
      });
    }
    if (failed) await attempt("SAFE", () => bed.safe());
  } else notes.push(`the bed is in its ${t.state} state: heaters and lift were switched off by the firmware`);
  t = await ctx.fresh();
  const parked = Math.abs(t.positionMm) <= ARRIVED_MM;
  if (!parked && park && !isLatched(t.state)) notes.push(`the carriage could not be parked (at ${t.positionMm.toFixed(0)} mm)`);
  return { state: t.state, projectorSetC: t.projectorSetC, matSetC: t.matSetC, lift: t.lift, positionMm: Math.round(t.positionMm * 10) / 10, parked, notes };
}
