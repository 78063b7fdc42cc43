// What every check shares: the bed, the clock, a recording of telemetry and events since the
// run began, progress reporting, and getting the bed out of a safe state before it is driven.
import type { Clock } from "../../protocols/clock.ts";
import type { DeviceState } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { BedDriver } from "../device/bed.ts";
import type { Logger } from "../log.ts";
import { HOMING_WAIT_MS, OCCUPIED_KG, RESET_SETTLE_MS } from "./constants.ts";
import type { CheckId, CheckResult, CheckStatus, DiagProgress, Measurement } from "./types.ts";
import { CHECK_TITLES } from "./types.ts";

export interface Sample {
  /** Clock ms since the run began. */
  atMs: number;
  t: Telemetry;
}

export interface SeenEvent {
  atMs: number;
  e: EventBody;
}

/** Telemetry and device events as they arrive, stamped with run time. */
export class Recorder {
  readonly samples: Sample[] = [];
  readonly events: SeenEvent[] = [];
  private readonly onTlm = (t: Telemetry): void => void this.samples.push({ atMs: this.clock.now() - this.t0, t });
  private readonly onEvt = (e: EventBody): void => void this.events.push({ atMs: this.clock.now() - this.t0, e });

  constructor(
    private readonly bed: BedDriver,
    private readonly clock: Clock,
    private readonly t0: number,
  ) {
    bed.on("telemetry", this.onTlm);
    bed.on("event", this.onEvt);
  }

  between(fromMs: number, toMs = Infinity): Sample[] {
    return this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  }

  eventsSince(fromMs: number): SeenEvent[] {
    return this.events.filter((x) => x.atMs >= fromMs);
  }

  stop(): void {
    this.bed.off("telemetry", this.onTlm);
    this.bed.off("event", this.onEvt);
  }
}

export class DiagContext {
  readonly t0: number;
  readonly recorder: Recorder;

  constructor(
    readonly bed: BedDriver,
    readonly clock: Clock,
    readonly log: Logger,
    private readonly progress: (p: DiagProgress) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.t0 = clock.now();
    this.recorder = new Recorder(bed, clock, this.t0);
  }

  /** The operator asked to stop (Ctrl-C, the panel's stop button): long tests end early and back off. */
  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Run time, ms. */
  now(): number {
    return this.clock.now() - this.t0;
  }

  step(id: CheckId, text: string, fraction?: number): void {
    this.progress({ kind: "check-step", id, text, ...(fraction === undefined ? {} : { fraction }) });
  }

  /** The next telemetry frame (a fresh look at the bed). */
  async fresh(timeoutMs = 2000): Promise<Telemetry> {
    return this.bed.waitForTelemetry(() => true, timeoutMs);
  }

  result(id: CheckId, startedAtMs: number, status: CheckStatus, message: string, measurements: Measurement[], notes: string[] = []): CheckResult {
    return { id, title: CHECK_TITLES[id], status, message, measurements, notes, startedAtMs, durationMs: this.now() - startedAtMs };
  }

  /** A human description of the latest device event worth naming (high/medium priority) since fromMs. */
  lastFaultSince(fromMs: number): EventBody | undefined {
    const seen = this.recorder.eventsSince(fromMs).filter((x) => x.e.priority !== "low");
    return seen.at(-1)?.e;
  }
}

/** `E_SENSOR_OPEN on the mat`, `E_LIMIT_SWITCH "end switch silent at the end"`. */
export function describeEvent(e: EventBody): string {
  return `${e.code}${e.zone ? ` on the ${e.zone}` : ""}${e.detail ? ` "${e.detail}"` : ""}`;
}

export const LATCHED_STATES: readonly DeviceState[] = ["safe", "estop", "cutout"];
export const isLatched = (state: DeviceState): boolean => LATCHED_STATES.includes(state);

export function isOccupied(t: Telemetry): boolean {
  return t.loadKg >= OCCUPIED_KG;
}

export type Readiness = { ok: true; notes: string[] } | { ok: false; reason: string; event?: EventBody };

/**
 * Before driving an actuator: wait out booting and homing, and bring the device out of its
 * safe state with one RESET (the fault that put it there is in the log and in this report).
 * An emergency stop or a cut-out stays latched: a person has to look at the bed first.
 */
export async function readyForActuators(ctx: DiagContext): Promise<Readiness> {
  const notes: string[] = [];
  const sinceMs = ctx.now();
  let t = await ctx.fresh();
  if (t.state === "boot") t = await ctx.bed.waitForTelemetry((x) => x.state !== "boot", 5000);
  if (t.state === "estop") return { ok: false, reason: "the emergency stop is latched: find out why it was pressed, then release it (technician page → Release the emergency stop)" };
  if (t.state === "cutout") return { ok: false, reason: "the thermal cut-out is latched: let the element cool, find the cause, then RESET" };
  if (t.state === "bootloader") return { ok: false, reason: "the bed is in its bootloader (a firmware update is in progress)" };
  if (t.state === "safe") {
    await ctx.bed.reset();
    notes.push("the bed was in its safe state; diagnostics sent RESET");
    await ctx.clock.sleep(RESET_SETTLE_MS);
    t = await ctx.fresh();
    if (isLatched(t.state)) {
      const e = ctx.lastFaultSince(sinceMs);
      return { ok: false, reason: `the bed went back to its safe state at once${e ? `: ${describeEvent(e)}` : ""}`, event: e };
    }
  }
  if (t.state === "homing") {
    t = await ctx.bed.waitForTelemetry((x) => x.state !== "homing", HOMING_WAIT_MS);
    if (isLatched(t.state)) {
      const e = ctx.lastFaultSince(sinceMs);
      return { ok: false, reason: `homing failed${e ? `: ${describeEvent(e)}` : ""}`, event: e };
    }
  }
  return { ok: true, notes };
}

export function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function stdDev(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
