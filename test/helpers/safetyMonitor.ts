// A wire-level safety monitor for a whole session on the simulator: it samples the bed's ground
// truth, is told when the session changes state, stops and emergency-stops, and afterwards checks
// the wire log and the truth against what the bed may do after each. Violations come back as lines:
// after the outcome nothing heats, moves or releases the bed (zeroing only), and telemetry and truth
// show the heaters off within a period; after an emergency stop no HEAT/MOVE/LIFT/HOME/RESET at all;
// after a stop the carriage only heads for park; the elements and the skin stay under their limits.
import type { TimerHandle, VirtualClock } from "../../protocols/clock.ts";
import type { Zone } from "../../protocols/constants.ts";
import type { SimulatedBed, SimTruth } from "../../simulator/index.ts";
import { confirmWindowMs } from "../../src/device/orders.ts";
import { ELEMENT_CEILING_C } from "../../src/therapy/limits.ts";
import { SESSION_TELEMETRY_HZ } from "../../src/therapy/scan.ts";
import { OUTCOMES } from "../../src/therapy/sessionMachine.ts";
import { DRIVING_TYPES, wireFrames, type WireFrame } from "./wireMonitor.ts";

/** One telemetry period at the session rate. */
export const TELEMETRY_PERIOD_MS = 1000 / SESSION_TELEMETRY_HZ;
/** One line time: the firmware answers queued frames in 2 ms slots (simulator COMMAND_PROCESS_MS), a burst of five. */
export const LINE_MS = 10;
/** Ground truth sampled on the firmware's 100 ms tick. */
const SAMPLE_MS = 100;
/** After a stop the carriage may coast while the HALT lands and it brakes: the controller's own idle confirmation window. */
const STOP_SETTLE_MS = confirmWindowMs(SESSION_TELEMETRY_HZ);
/** Position noise and braking a sample may show without the carriage heading away from park. */
const AWAY_TOLERANCE_MM = 0.5;
/** Sensible skin limits on the true skin (faultScenarios / stuckHeater tests): never 45 °C, over 43 °C at most a minute. */
const SKIN_MAX_C = 45;
const SKIN_OVER_43_MAX_MS = 60_000;

const ZONES: readonly Zone[] = ["projector", "mat"];
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

interface Sample {
  tMs: number;
  positionMm: number;
  state: string;
  zones: Record<Zone, { setC: number; duty: number; elementC: number; skinC: number }>;
}

function sampleOf(t: SimTruth): Sample {
  const z = (zone: Zone) => ({ setC: t.zones[zone].setC, duty: t.zones[zone].duty, elementC: t.zones[zone].elementC, skinC: t.zones[zone].skinC });
  return { tMs: t.tMs, positionMm: t.positionMm, state: t.state, zones: { projector: z("projector"), mat: z("mat") } };
}

export interface SafetyMonitorOptions {
  /** Where the program parks the carriage, mm. */
  parkMm: number;
  /** The bed's lease: how long a bed the controller can no longer reach keeps its outputs. */
  leaseMs: number;
}

export class SafetyMonitor {
  private readonly samples: Sample[] = [];
  private readonly sampler: TimerHandle;
  private readonly epochMs: number;
  private lastState = "";
  private end: { atMs: number; outcome: string; commandable: boolean; deadlineMs: number; truth?: Sample } | undefined;
  private stopAtMs: number | undefined;
  private estopAtMs: number | undefined;
  private watchEndMs: number | undefined;

  constructor(
    private readonly sim: SimulatedBed,
    private readonly clock: VirtualClock,
    private readonly opts: SafetyMonitorOptions,
  ) {
    this.epochMs = clock.now() - sim.truth.tMs;
    this.sampler = clock.setInterval(() => this.samples.push(sampleOf(sim.truth)), SAMPLE_MS);
  }

  /** Bed time now (the wire log's clock). */
  get nowMs(): number {
    return this.clock.now() - this.epochMs;
  }

  /**
   * The session is in `state` now. `commandable`: the controller can still order the bed about (the
   * link is up and it has not given up on a bed that did not obey a safety order).
   */
  sessionState(state: string, commandable: boolean): void {
    if (state === this.lastState) return;
    this.lastState = state;
    if (this.end || !OUTCOME_SET.has(state)) return;
    // One the controller can command must show heaters off within a period; one it cannot reach or
    // has given up on goes safe by its own lease (the design: see latch.ts), so it is judged a lease later.
    const deadlineMs = this.nowMs + (commandable ? 0 : this.opts.leaseMs) + TELEMETRY_PERIOD_MS + LINE_MS;
    const end: NonNullable<SafetyMonitor["end"]> = { atMs: this.nowMs, outcome: state, commandable, deadlineMs };
    this.end = end;
    this.clock.setTimeout(() => {
      if (this.watchEndMs === undefined) end.truth = sampleOf(this.sim.truth);
    }, deadlineMs - this.nowMs);
  }

  /** The operator stopped the session: from here the carriage only heads for its park position. */
  stopped(): void {
    this.stopAtMs ??= this.nowMs;
  }

  /** An emergency stop was ordered: from here nothing may heat or move. */
  estopped(): void {
    this.estopAtMs ??= this.nowMs;
  }

  /** The run is over: nothing after now is judged. */
  finish(): void {
    this.watchEndMs ??= this.nowMs;
    this.clock.clearInterval(this.sampler);
  }

  /** How long after the end the run must go on for every end check to have something to look at. */
  endCheckMs(): number {
    return this.end ? Math.max(0, this.end.deadlineMs - this.nowMs) + SAMPLE_MS : 0;
  }

  get outcome(): string | undefined {
    return this.end?.outcome;
  }

  /** Whether the session ended with a bed the controller could still command (undefined: it has not ended). */
  get endedCommandable(): boolean | undefined {
    return this.end?.commandable;
  }

  violations(): string[] {
    this.finish();
    const until = this.watchEndMs!;
    const frames = wireFrames(this.sim).filter((f) => f.atMs <= until);
    const out: string[] = [];
    this.checkAfterEnd(frames, out);
    this.checkAfterEstop(frames, out);
    this.checkAfterStop(frames, out);
    this.checkLimits(out);
    return out;
  }

  private checkAfterEnd(frames: WireFrame[], out: string[]): void {
    const end = this.end;
    if (!end) return;
    const since = (f: WireFrame) => `${(f.atMs - end.atMs).toFixed(0)} ms after the session ended ${end.outcome}`;
    // The ending states (parking, safing, estopping) did their parking and zeroing before the outcome.
    for (const f of frames) {
      if (!f.toBed || f.atMs <= end.atMs) continue;
      if (drives(f)) out.push(`${f.type} ${JSON.stringify(f.body)} to the bed ${since(f)}`);
    }
    const tlm = frames.filter((f) => !f.toBed && f.type === "TLM" && f.atMs > end.atMs);
    const first = tlm[0];
    if (end.commandable && first && first.atMs > end.deadlineMs) out.push(`no telemetry within ${end.deadlineMs - end.atMs} ms of the end (${end.outcome}): the first came ${since(first)}`);
    for (const f of tlm) {
      if (f.atMs < end.deadlineMs) continue;
      const b = f.body as Record<string, number>;
      if (b.projectorSetC || b.matSetC || b.projectorDuty || b.matDuty) {
        out.push(`telemetry shows heaters on ${since(f)}: setpoints ${b.projectorSetC}/${b.matSetC} °C, duty ${b.projectorDuty}/${b.matDuty} %`);
        break;
      }
    }
    const t = end.truth;
    if (!t) {
      if (this.watchEndMs! >= end.deadlineMs) out.push(`(monitor) no ground-truth sample at the end deadline`);
      return;
    }
    for (const z of ZONES) {
      if (t.zones[z].setC !== 0 || t.zones[z].duty !== 0) out.push(`ground truth: ${z} heater at setpoint ${t.zones[z].setC} °C, duty ${t.zones[z].duty} % ${end.deadlineMs - end.atMs} ms after the session ended ${end.outcome}`);
    }
  }

  private checkAfterEstop(frames: WireFrame[], out: string[]): void {
    const sent = frames.find((f) => f.toBed && f.type === "ESTOP");
    const atMs = Math.min(this.estopAtMs ?? Infinity, sent?.atMs ?? Infinity);
    if (atMs === Infinity) return;
    for (const f of frames) {
      if (f.toBed && f.atMs > atMs && (DRIVING_TYPES.has(f.type) || f.type === "RESET")) out.push(`${f.type} ${JSON.stringify(f.body)} to the bed ${(f.atMs - atMs).toFixed(0)} ms after an emergency stop`);
    }
  }

  private checkAfterStop(frames: WireFrame[], out: string[]): void {
    const stopAt = this.stopAtMs;
    if (stopAt === undefined) return;
    const park = this.opts.parkMm;
    for (const f of frames) {
      if (!f.toBed || f.atMs <= stopAt) continue;
      const b = f.body as Record<string, number>;
      const away = (f.type === "MOVE" && Math.abs(b.positionMm! - park) > AWAY_TOLERANCE_MM) || (f.type === "LIFT" && b.level! > 0) || (f.type === "HOME" && park !== 0);
      if (away) out.push(`${f.type} ${JSON.stringify(f.body)} to the bed ${(f.atMs - stopAt).toFixed(0)} ms after the stop (park is at ${park} mm)`);
    }
    let closestMm = Infinity;
    for (const s of this.samples) {
      if (s.tMs < stopAt + STOP_SETTLE_MS) continue;
      const d = Math.abs(s.positionMm - park);
      if (d > closestMm + AWAY_TOLERANCE_MM) {
        out.push(`ground truth: the carriage moved away from park after the stop: ${closestMm.toFixed(1)} → ${d.toFixed(1)} mm from it at ${(s.tMs - stopAt).toFixed(0)} ms after the stop (bed ${s.state})`);
        return;
      }
      closestMm = Math.min(closestMm, d);
    }
  }

  private checkLimits(out: string[]): void {
    const over43Ms: Record<Zone, number> = { projector: 0, mat: 0 };
    const reported = new Set<string>();
    for (const s of this.samples) {
      for (const z of ZONES) {
        const zs = s.zones[z];
        if (zs.elementC > ELEMENT_CEILING_C[z] && !reported.has(`e${z}`)) {
          reported.add(`e${z}`);
          out.push(`ground truth: ${z} element ${zs.elementC.toFixed(1)} °C over its ${ELEMENT_CEILING_C[z]} °C ceiling at bed time ${s.tMs} ms`);
        }
        if (zs.skinC >= SKIN_MAX_C && !reported.has(`s${z}`)) {
          reported.add(`s${z}`);
          out.push(`ground truth: ${z} skin ${zs.skinC.toFixed(1)} °C at bed time ${s.tMs} ms`);
        }
        if (zs.skinC > 43) over43Ms[z] += SAMPLE_MS;
      }
    }
    for (const z of ZONES) if (over43Ms[z] > SKIN_OVER_43_MAX_MS) out.push(`ground truth: ${z} skin over 43 °C for ${over43Ms[z] / 1000} s`);
  }
}

/** A frame that heats or moves, or releases a stopped bed (RESET): zeroing (HEAT 0, LIFT 0) and HALT do neither. */
function drives(f: WireFrame): boolean {
  const b = f.body as Record<string, number>;
  if (f.type === "HEAT") return b.targetC! > 0;
  if (f.type === "LIFT") return b.level! > 0;
  return f.type === "MOVE" || f.type === "HOME" || f.type === "RESET";
}

/** Collects unhandled promise rejections while a run lasts (the process must stay alive and clean). */
export function watchUnhandledRejections(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown): void => void errors.push(reason);
  process.on("unhandledRejection", onRejection);
  return { errors, dispose: () => process.off("unhandledRejection", onRejection) };
}
