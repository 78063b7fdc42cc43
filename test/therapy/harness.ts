// Runs one program on the in-process simulator in virtual time and records the simulator's
// ground truth alongside, so tests can check the bed itself, not just what the controller believed.
import { RealClock, VirtualClock } from "../../protocols/clock.ts";
import type { FaultSpec, PersonSpec, SimulatedBed } from "../../simulator/index.ts";
import { driveClock, openBed, settle } from "../../src/cli/connect.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { silentLogger } from "../../src/log.ts";
import { loadProgram } from "../../src/therapy/programs/load.ts";
import type { ProgramDefinition } from "../../src/therapy/programs/schema.ts";
import { TherapySession, type SessionResult } from "../../src/therapy/session.ts";

export interface TruthRecord {
  maxElementC: { projector: number; mat: number };
  maxSkinC: number;
  /** How long the person's true skin was over 43 °C, per zone (sampled every 100 ms), ms. */
  skinOver43Ms: { projector: number; mat: number };
  /** At the end: every heater's setpoint and duty, carriage speed, lift. */
  end: { projectorSetC: number; matSetC: number; projectorDuty: number; matDuty: number; speedMmS: number; lift: number; positionMm: number; state: string };
}

export interface HarnessRun {
  result: SessionResult;
  truth: TruthRecord;
  sim: SimulatedBed;
  bed: BedDriver;
  session: TherapySession;
  clock: VirtualClock;
}

export interface HarnessOptions {
  program: string | ProgramDefinition;
  person?: PersonSpec | null;
  faults?: FaultSpec[];
  seed?: number;
  afterLinkLoss?: "ask" | "abort" | "resume";
  /** Called once the session has started; may drive operator actions on the clock. */
  during?: (session: TherapySession, clock: VirtualClock, sim: SimulatedBed, bed: BedDriver) => void;
  /** Runs on the connected bed before the session starts (e.g. leave the carriage mid-track, as a previous session might). */
  before?: (bed: BedDriver, clock: VirtualClock) => Promise<void>;
  /** Bed time to let pass after the session ended before the end state is read (default 500 ms). */
  settleMs?: number;
  /** Unattended runs: nobody on the bed this long stops the run (as `bedlink run --occupancy-wait`). */
  vacancyWaitMs?: number;
}

export async function runOnSimulator(opts: HarnessOptions): Promise<HarnessRun> {
  const program = typeof opts.program === "string" ? loadProgram(opts.program) : opts.program;
  const clock = new VirtualClock();
  const logger = silentLogger();
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger, seed: opts.seed ?? 1, person: opts.person === undefined ? { heightCm: 175, weightKg: 75 } : opts.person, faults: opts.faults });
  if (opts.before) await settle(clock, opts.before(bed, clock), 120_000);
  const truth: TruthRecord = { maxElementC: { projector: -Infinity, mat: -Infinity }, maxSkinC: -Infinity, skinOver43Ms: { projector: 0, mat: 0 }, end: undefined as never };
  const SAMPLE_MS = 100;
  const sample = (): void => {
    const t = sim!.truth;
    truth.maxElementC.projector = Math.max(truth.maxElementC.projector, t.zones.projector.elementC);
    truth.maxElementC.mat = Math.max(truth.maxElementC.mat, t.zones.mat.elementC);
    truth.maxSkinC = Math.max(truth.maxSkinC, t.zones.projector.skinC, t.zones.mat.skinC);
    for (const z of ["projector", "mat"] as const) if (t.zones[z].skinC > 43) truth.skinOver43Ms[z] += SAMPLE_MS;
  };
  const sampler = clock.setInterval(sample, SAMPLE_MS);
  const session = new TherapySession({ program, bed, clock, logger, confirmations: { cover: true, screening: true }, afterLinkLoss: opts.afterLinkLoss ?? "abort", vacancyWaitMs: opts.vacancyWaitMs });
  let done = false;
  const finished = session.start().finally(() => (done = true));
  opts.during?.(session, clock, sim!, bed);
  const real = new RealClock();
  await driveClock(clock, () => done, "max", 80 * 60_000, real);
  const result = await finished;
  // Let the end-state commands land and the bed settle for a couple of telemetry periods.
  await clock.advance(opts.settleMs ?? 500);
  clock.clearInterval(sampler);
  sample();
  const t = sim!.truth;
  truth.end = {
    projectorSetC: t.zones.projector.setC,
    matSetC: t.zones.mat.setC,
    projectorDuty: t.zones.projector.duty,
    matDuty: t.zones.mat.duty,
    speedMmS: t.speedMmS,
    lift: t.lift,
    positionMm: t.positionMm,
    state: t.state,
  };
  await settle(clock, bed.close(), 5_000).catch(() => {});
  sim!.stop();
  return { result, truth, sim: sim!, bed, session, clock };
}
