// Runs `runDiagnostics` against the in-process simulator in virtual time, and keeps the
// simulator's ground truth so tests can check what the bed really did, not what diag believed.
import { VirtualClock } from "../../protocols/clock.ts";
import type { FaultSpec, PersonSpec, SimulatedBed } from "../../simulator/index.ts";
import { openBed, settle } from "../../src/cli/connect.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { runDiagnostics, type CheckId, type CheckResult, type DiagProgress, type DiagReport } from "../../src/diag/index.ts";
import { silentLogger } from "../../src/log.ts";

export interface DiagRun {
  report: DiagReport;
  sim: SimulatedBed;
  clock: VirtualClock;
  progress: DiagProgress[];
  /** The bed as the simulator knew it when diagnostics returned (before the driver closed). */
  end: { state: string; projectorSetC: number; matSetC: number; projectorDuty: number; matDuty: number; lift: number; speedMmS: number; positionMm: number };
  /** Highest heater setpoint the bed ever held, per zone (sampled every 100 ms). */
  maxSetC: { projector: number; mat: number };
  check(id: CheckId): CheckResult;
}

export interface DiagRunOptions {
  faults?: FaultSpec[];
  /** Nobody by default, as `bedlink diag --sim`. */
  person?: PersonSpec | null;
  seed?: number;
  clearLog?: boolean;
  signal?: AbortSignal;
  /** Called on every progress event, with the simulator (to inject a fault at a chosen check). */
  onProgress?: (p: DiagProgress, sim: SimulatedBed) => void;
  /** Bed time to let pass after diagnostics return, before the truth is read (default 300 ms). */
  settleMs?: number;
  /** Swap the driver the checks see (to make one of its calls throw). */
  wrapBed?: (bed: BedDriver, sim: SimulatedBed) => BedDriver;
}

export async function runDiagOnSim(opts: DiagRunOptions = {}): Promise<DiagRun> {
  const clock = new VirtualClock();
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger: silentLogger(), seed: opts.seed ?? 1, person: opts.person ?? null, faults: opts.faults });
  const progress: DiagProgress[] = [];
  const maxSetC = { projector: 0, mat: 0 };
  const sampler = clock.setInterval(() => {
    const z = sim!.truth.zones;
    maxSetC.projector = Math.max(maxSetC.projector, z.projector.setC);
    maxSetC.mat = Math.max(maxSetC.mat, z.mat.setC);
  }, 100);
  const target = opts.wrapBed ? opts.wrapBed(bed, sim!) : bed;
  const report = await settle(
    clock,
    runDiagnostics(target, {
      clock,
      clearLog: opts.clearLog,
      signal: opts.signal,
      onProgress: (p) => {
        progress.push(p);
        opts.onProgress?.(p, sim!);
      },
    }),
    30 * 60_000,
  );
  clock.clearInterval(sampler);
  // Let the last commands land before the truth is read.
  await clock.advance(opts.settleMs ?? 300);
  const t = sim!.truth;
  const end = {
    state: t.state,
    projectorSetC: t.zones.projector.setC,
    matSetC: t.zones.mat.setC,
    projectorDuty: t.zones.projector.duty,
    matDuty: t.zones.mat.duty,
    lift: t.lift,
    speedMmS: t.speedMmS,
    positionMm: t.firmwarePositionMm,
  };
  const run: DiagRun = {
    report,
    end,
    sim: sim!,
    clock,
    progress,
    maxSetC,
    check: (id) => {
      const c = report.checks.find((x) => x.id === id);
      if (!c) throw new Error(`no check ${id} in the report`);
      return c;
    },
  };
  await settle(clock, bed.close(), 5_000).catch(() => {});
  sim!.stop();
  return run;
}

export function measurement(c: CheckResult, name: string) {
  const m = c.measurements.find((x) => x.name === name);
  if (!m) throw new Error(`no measurement "${name}" in ${c.id}: ${c.measurements.map((x) => x.name).join(", ")}`);
  return m;
}
