// Replays an abstract session path (sessionPaths.ts) on the real stack: the session runner on the
// in-process simulator in virtual time. World events become real actions (the operator's buttons,
// the person, the cable, simulator faults), injected at a seeded random offset inside the state;
// what happens by itself is waited for. A safety monitor watches every run.
import { VirtualClock } from "../../protocols/clock.ts";
import { parseOneFault, type SimulatedBed } from "../../simulator/index.ts";
import { openBed, settle } from "../../src/cli/connect.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { silentLogger } from "../../src/log.ts";
import type { ProgramDefinition } from "../../src/therapy/programs/schema.ts";
import { stateName, TherapySession } from "../../src/therapy/session.ts";
import { mulberry32 } from "../helpers/prng.ts";
import { SafetyMonitor, watchUnhandledRejections } from "../helpers/safetyMonitor.ts";
import { ENDING_STATES, featuresOf, FINAL_STATES, stateOfFeatures, type PathCase, type ReplayStep, type WorldEvent } from "./sessionPaths.ts";

const PERSON = { heightCm: 175, weightKg: 75 };

/**
 * Longest time from a world event's action until the last machine event it causes has reached the
 * session, ms (measured on the simulator, with margin): it is injected at least this long before
 * its state ends by itself, so that what it does lands inside the state.
 */
const LATENCY_MS: Record<WorldEvent, number> = {
  pause: 0,
  resume: 0,
  stop: 0,
  abort: 0,
  estop: 0,
  estopIgnored: 0,
  // The load falls to nothing over 1.5 s (below 20 kg after ~1.1 s), then the 800 ms vacancy debounce.
  personOff: 2_200,
  // The load rises over 1.5 s: over 20 kg after ~0.4 s, and the next telemetry frame.
  personOn: 700,
  unplug: 50,
  // 100 ms without power, then I_BOOT: the link sees the reboot.
  reboot: 400,
  bedEstop: 150,
  brownout: 150,
  sensorOpen: 250,
  // Telemetry older than 5 periods is stale; the runner checks every period.
  silence: 700,
  jam: 0,
  heaterStuck: 0,
};

/** After the last event, how long to watch for what it does before ending the run (latent faults need their detection time). */
const TAIL_MS: Partial<Record<WorldEvent, number>> = { jam: 6_000, heaterStuck: 45_000 };
const DEFAULT_TAIL_MS = 2_000;
/** Waiting states end only by their minutes-long timeouts: events go in within this much of their start. */
const WAITING_CAP_MS = 15_000;
const WAITING_STATES: ReadonlySet<string> = new Set(["prechecks", "paused", "resumeOffer"]);
/** Anything else the stack does by itself (homing, the scan, a step, the link coming back) is over well within this. */
const WAIT_TIMEOUT_MS = 150_000;
/** An ending state (parking home at 30 mm/s over the whole track, a fault's homing run) finishes within this. */
const ENDING_TIMEOUT_MS = 90_000;
/**
 * The bed is watched this long after the session ended: a late retransmission (4 attempts, RTO up
 * to 2 s) would show. BEDLINK_AFTER_END_MS watches longer (what an unsupervised idle bed does next).
 */
const AFTER_END_WATCH_MS = Number(process.env.BEDLINK_AFTER_END_MS ?? 3_000);
/** How long a state is measured at most when calibrating. */
const CALIBRATION_CAP_MS = 150_000;

/** How long the real stack stays in the state in which step `index` of a case happens (for the injection offset). */
export type DwellSource = (c: PathCase, index: number) => Promise<number>;

export interface ReplayResult {
  /** Where the run did not follow the path (a state not reached, a state left too early). */
  divergence: string[];
  /** What the safety monitor found, and unhandled rejections. */
  violations: string[];
  /** The session's states in order, with virtual time. */
  log: { atMs: number; features: string }[];
  injections: string[];
  outcome: string | undefined;
  /** Which machine events reached the session in which state ("paused|RESUME", "safing|FAULT S_SENSOR_RANGE"). */
  delivered: Set<string>;
  /** The session ended with a bed it could still command (false: the link was down or the controller had given up on the bed). */
  endedCommandable: boolean | undefined;
}

interface Mode {
  /** Stop before step `calibrate` and measure how long the session stays in its state instead. */
  calibrate?: number;
}

interface Stack {
  clock: VirtualClock;
  sim: SimulatedBed;
  bed: BedDriver;
  session: TherapySession;
  monitor: SafetyMonitor;
}

/** The real action behind a world event. */
function act(w: WorldEvent, { session, sim, bed, monitor }: Stack): void {
  switch (w) {
    case "pause":
      return session.pause();
    case "resume":
      return session.resume();
    case "stop":
      monitor.stopped();
      return session.stop();
    case "abort":
      // ABORT means something only where the session offers it (after a link loss): there it stops.
      session.abort();
      if (session.state === "parking") monitor.stopped();
      return;
    case "estop":
      monitor.estopped();
      return void session.estop().catch(() => {});
    case "estopIgnored":
      sim.injectFault(parseOneFault("estop-ignored"));
      monitor.estopped();
      return void session.estop().catch(() => {});
    case "personOff":
      return sim.personGetsOff();
    case "personOn":
      return sim.personGetsOn(PERSON);
    case "unplug":
      return sim.injectFault(parseOneFault("unplug:5s"));
    case "reboot":
      return sim.injectFault(parseOneFault("reboot"));
    case "bedEstop":
      // The simulator has no stop button of its own: an emergency stop the session did not order is
      // one sent to the bed past it (as the panel's button does when no session runs). The session
      // learns of it as the bed reports it: EVT E_ESTOP and estop telemetry.
      monitor.estopped();
      return void bed.estop().catch(() => {});
    case "brownout":
      return sim.injectFault(parseOneFault("brownout"));
    case "sensorOpen":
      return sim.injectFault(parseOneFault("sensor-open:projector"));
    case "silence":
      // Nothing from the bed for a second: a frozen bridge, a saturated USB hub (the link itself gives up only after 3 s).
      return sim.injectFault(parseOneFault("drop-frame-tx:1+1s"));
    case "jam":
      return sim.injectFault(parseOneFault("jam"));
    case "heaterStuck":
      return sim.injectFault(parseOneFault("heater-stuck-on:projector"));
  }
}

/** FNV-1a: a case's own seed from its id. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const describeFeatures = (features: string): string => {
  const [state, occupied, step, resumeTo, wasPaused, ending] = JSON.parse(features) as [string, boolean, number, string, boolean, string];
  const bits = [occupied ? "occupied" : "vacant", step >= 0 ? `step ${step + 1}` : "", resumeTo ? `resume to ${resumeTo}` : "", wasPaused ? "was paused" : "", ending ? `ending ${ending}` : ""];
  return `${state} (${bits.filter(Boolean).join(", ")})`;
};

/** Replays the whole case and judges it. */
export function replayCase(c: PathCase, program: ProgramDefinition, seed: number, dwell: DwellSource): Promise<ReplayResult> {
  return run(c, program, seed, dwell, {}).then((r) => r.result);
}

/** Replays the case up to step `index` and measures how long the session then stays in that step's state by itself, ms. */
export async function measureDwell(c: PathCase, index: number, program: ProgramDefinition, seed: number, dwell: DwellSource): Promise<number> {
  const r = await run(c, program, seed, dwell, { calibrate: index });
  if (r.dwellMs === undefined) throw new Error(`calibration of ${c.id} step ${index + 1} (seed ${seed}) did not reach the step: ${r.result.divergence.join("; ")}`);
  return r.dwellMs;
}

async function run(c: PathCase, program: ProgramDefinition, seed: number, dwellOf: DwellSource, mode: Mode): Promise<{ result: ReplayResult; dwellMs?: number }> {
  const rejections = watchUnhandledRejections();
  const clock = new VirtualClock();
  const logger = silentLogger();
  const { bed, sim: opened } = await openBed({ kind: "sim" }, { clock, logger, seed, person: c.personAtStart ? PERSON : null });
  const sim = opened!;
  const monitor = new SafetyMonitor(sim, clock, { parkMm: program.coolDown.parkPositionMm ?? 0, leaseMs: bed.identity.limits.leaseMs });
  const session = new TherapySession({ program, bed, clock, logger, confirmations: { cover: true, screening: true }, ...c.policy });
  const stack: Stack = { clock, sim, bed, session, monitor };
  const log: ReplayResult["log"] = [];
  const injections: string[] = [];
  const divergence: string[] = [];
  session.actor.subscribe((snap) => {
    const features = featuresOf(snap);
    if (log.at(-1)?.features !== features) log.push({ atMs: clock.now(), features });
    monitor.sessionState(stateName(snap.value), bed.linkState === "up" && bed.latch?.kind !== "gaveUp");
  });
  const delivered = new Set<string>();
  let before = "";
  session.actor.system.inspect((ev) => {
    if (ev.type !== "@xstate.snapshot" || ev.actorRef !== session.actor) return;
    const e = ev.event as { type: string; code?: string; present?: boolean };
    if (before) delivered.add(`${before}|${e.type}${e.code ? ` ${e.code}` : ""}${e.present === undefined ? "" : e.present ? " on" : " off"}`);
    before = stateName((ev.snapshot as unknown as { value: unknown }).value);
  });
  let ended = false;
  void session.start().then(() => (ended = true));
  const current = (): string => log.at(-1)!.features;
  const seenSince = (index: number, pred: (features: string) => boolean): number => log.findIndex((e, i) => i >= index && pred(e.features));
  const prng = mulberry32(seed);
  let dwellMs: number | undefined;

  const fail = (k: number, text: string): undefined => {
    divergence.push(`step ${k + 1}: ${text}; the session is in ${describeFeatures(current())}`);
    return undefined;
  };

  try {
    dwellMs = await drive();
  } finally {
    monitor.finish();
    if (!ended) session.halt();
    await settle(clock, bed.close(), 5_000).catch(() => {});
    sim.stop();
    await new Promise((r) => setImmediate(r));
    rejections.dispose();
  }
  const violations = mode.calibrate === undefined ? monitor.violations() : [];
  for (const e of rejections.errors) violations.push(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`);
  if (session.actor.getSnapshot().status === "error") violations.push(`the session machine failed: ${String(session.actor.getSnapshot().error)}`);
  return { result: { divergence, violations, log, injections, outcome: monitor.outcome, endedCommandable: monitor.endedCommandable, delivered }, dwellMs };

  /** Follows the path; in calibration, returns how long the session stayed in the calibrated step's state. */
  async function drive(): Promise<number | undefined> {
    let cursor = 0;
    for (let k = 0; k < c.steps.length; k++) {
      const step: ReplayStep = c.steps[k]!;
      // One draw per step whatever it is, so a case and the calibrations of its prefixes draw alike;
      // the case's own event draws from its own stream, so each pair has its own offset.
      const u = k === c.steps.length - 1 ? mulberry32(seed ^ hashOf(c.id))() : prng();
      if (step.kind === "wait") {
        await clock.advanceUntil(() => seenSince(cursor, (f) => f === step.to) >= 0, WAIT_TIMEOUT_MS);
        const at = seenSince(cursor, (f) => f === step.to);
        if (at < 0) return fail(k, `waited ${WAIT_TIMEOUT_MS / 1000} s for ${step.cause} to lead to ${describeFeatures(step.to)}`);
        cursor = at;
        continue;
      }
      if (current() !== step.from) return fail(k, `expected ${describeFeatures(step.from)} for ${step.event}`);
      const entryAtMs = log.at(-1)!.atMs;
      const waiting = WAITING_STATES.has(stateOfFeatures(step.from));
      if (mode.calibrate === k) {
        const cap = waiting ? WAITING_CAP_MS : CALIBRATION_CAP_MS;
        await clock.advanceUntil(() => current() !== step.from, Math.max(0, entryAtMs + cap - clock.now()));
        return Math.min(cap, clock.now() - entryAtMs);
      }
      const stateMs = waiting ? WAITING_CAP_MS : await dwellOf(c, k);
      const injectAtMs = entryAtMs + Math.floor(u * Math.max(0, stateMs - LATENCY_MS[step.event]));
      if (injectAtMs > clock.now() && (await clock.advanceUntil(() => current() !== step.from, injectAtMs - clock.now()))) {
        return fail(k, `left ${describeFeatures(step.from)} ${clock.now() - entryAtMs} ms after entering it, before ${step.event} at +${injectAtMs - entryAtMs} ms (calibrated: ${stateMs} ms)`);
      }
      injections.push(`${step.event} at ${clock.now()} ms (+${clock.now() - entryAtMs} ms in ${stateOfFeatures(step.from)})`);
      const mark = log.length;
      act(step.event, stack);
      if (k === c.steps.length - 1) {
        await tail(step, mark);
        break;
      }
      if (step.to !== step.from) {
        await clock.advanceUntil(() => seenSince(mark, (f) => f === step.to) >= 0, LATENCY_MS[step.event] + WAIT_TIMEOUT_MS);
        const at = seenSince(mark, (f) => f === step.to);
        if (at < 0) return fail(k, `${step.event} did not lead to ${describeFeatures(step.to)}`);
        cursor = at;
      }
    }
    return undefined;
  }

  /** After the last event: what it should do, then the end of whatever ending it started. */
  async function tail(step: ReplayStep & { kind: "world" }, mark: number): Promise<void> {
    const want = c.expectState;
    if (want) {
      await clock.advanceUntil(() => seenSince(mark, (f) => stateOfFeatures(f) === want) >= 0, LATENCY_MS[step.event] + 10_000);
      if (seenSince(mark, (f) => stateOfFeatures(f) === want) < 0) fail(c.steps.length - 1, `${step.event} did not lead to ${want}`);
    }
    await clock.advanceUntil(() => ended, TAIL_MS[step.event] ?? DEFAULT_TAIL_MS);
    if (!ended && ENDING_STATES.has(stateOfFeatures(current()))) {
      await clock.advanceUntil(() => ended, ENDING_TIMEOUT_MS);
      if (!ended) fail(c.steps.length - 1, `the session did not finish ${stateOfFeatures(current())} within ${ENDING_TIMEOUT_MS / 1000} s`);
    }
    if (ended || FINAL_STATES.has(stateOfFeatures(current()))) await clock.advance(Math.max(monitor.endCheckMs(), AFTER_END_WATCH_MS));
  }
}
