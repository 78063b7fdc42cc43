// Carriage travel and limit switch test: home, run the full track to the end switch and back at
// a known speed, and judge travel time, motor current and both switches from the telemetry.
// One run, two verdicts: a jam fails "travel", a stuck switch fails "limit switches".
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import { isBedlinkError } from "../errors.ts";
import {
  ARRIVED_MM,
  CARRIAGE_TEST_SPEED_MMS,
  HOMING_WAIT_MS,
  MOTOR_RUNNING_MAX_MA,
  OCCUPIED_KG,
  SWITCH_WINDOW_MM,
  TRAVEL_TIME_TOLERANCE,
} from "./constants.ts";
import { describeEvent, isLatched, isOccupied, readyForActuators, round1, type DiagContext } from "./context.ts";
import type { CarriageTrace, CheckResult, Measurement } from "./types.ts";

const has = (t: Telemetry, flag: number): boolean => (t.flags & flag) !== 0;

/** Trapezoidal move time: cruise plus the time lost accelerating and braking. */
export function expectedTravelMs(distanceMm: number, speedMmS: number, accelMmS2: number): number {
  const d = Math.abs(distanceMm);
  if (d >= (speedMmS * speedMmS) / accelMmS2) return (d / speedMmS + speedMmS / accelMmS2) * 1000;
  return 2 * Math.sqrt(d / accelMmS2) * 1000;
}

interface Leg {
  toMm: number;
  fromMm: number;
  expectedMs: number;
  tookMs?: number;
  arrival?: Telemetry;
}

interface MotionRun {
  blockedBy?: string;
  blockEvent?: EventBody;
  /** Not driven: someone is on the bed. */
  refused?: string;
  /** The operator asked to stop; the carriage was halted where it was. */
  aborted?: boolean;
  legs: Leg[];
  /** Why the run stopped early (a trip, a refused command, a timeout). */
  stopped?: string;
  stopEvent?: EventBody;
  notes: string[];
}

const SWITCH_CODES = new Set(["E_LIMIT_SWITCH"]);

async function runMotion(ctx: DiagContext): Promise<MotionRun> {
  const run: MotionRun = { legs: [], notes: [] };
  const fromMs = ctx.now();
  // Looked at before and after getting the bed ready: someone may lie down while it resets or homes.
  const occupied = async (): Promise<string | undefined> => {
    const t = await ctx.fresh();
    return isOccupied(t) ? `someone is on the bed (load ${round1(t.loadKg)} kg ≥ ${OCCUPIED_KG} kg): the carriage test runs the full track and needs an empty bed` : undefined;
  };
  let refused = await occupied();
  if (refused) return { ...run, refused };
  const ready = await readyForActuators(ctx);
  if (!ready.ok) return { ...run, blockedBy: ready.reason, blockEvent: ready.event };
  run.notes.push(...ready.notes);
  refused = await occupied();
  if (refused) return { ...run, refused };
  const { trackMm, accelMmS2 } = ctx.bed.identity.limits;
  const tripped = (t: Telemetry): boolean => isLatched(t.state);
  const stopWith = (why: string): MotionRun => {
    const e = ctx.lastFaultSince(fromMs);
    return { ...run, stopped: e ? `${why}: ${describeEvent(e)}` : why, stopEvent: e };
  };
  const stopForOperator = async (): Promise<MotionRun> => {
    await ctx.bed.halt().catch((err: Error) => run.notes.push(`could not halt the carriage: ${err.message}`));
    // A leg cut short is not a measurement of the carriage.
    return { ...run, legs: run.legs.filter((l) => l.arrival), aborted: true, stopped: "stopped by the operator; carriage halted" };
  };
  try {
    await ctx.bed.setLift(0);
    ctx.step("carriage", "homing");
    if (ctx.aborted) return await stopForOperator();
    await ctx.bed.home();
    const homed = await ctx.bed.waitForTelemetry((t) => ctx.aborted || tripped(t) || (t.state !== "homing" && has(t, TLM_FLAGS.homed) && !has(t, TLM_FLAGS.moving)), HOMING_WAIT_MS);
    if (ctx.aborted) return await stopForOperator();
    if (tripped(homed)) return stopWith("homing failed");
    for (const toMm of [trackMm, 0]) {
      const fromPos = ctx.bed.latest?.positionMm ?? 0;
      const leg: Leg = { toMm, fromMm: fromPos, expectedMs: expectedTravelMs(toMm - fromPos, CARRIAGE_TEST_SPEED_MMS, accelMmS2) };
      run.legs.push(leg);
      ctx.step("carriage", `travelling to ${toMm} mm`);
      if (ctx.aborted) return await stopForOperator();
      const sentMs = ctx.now();
      await ctx.bed.moveTo(toMm, CARRIAGE_TEST_SPEED_MMS);
      const arrived = await ctx.bed.waitForTelemetry((t) => ctx.aborted || tripped(t) || (!has(t, TLM_FLAGS.moving) && Math.abs(t.positionMm - toMm) <= ARRIVED_MM), leg.expectedMs * 2 + 2000);
      if (ctx.aborted) return await stopForOperator();
      leg.arrival = arrived;
      if (Math.abs(arrived.positionMm - toMm) <= ARRIVED_MM) leg.tookMs = ctx.now() - sentMs;
      if (tripped(arrived)) return stopWith(`the bed tripped to ${arrived.state} ${leg.tookMs === undefined ? `at ${round1(arrived.positionMm)} mm` : `on arriving at ${toMm} mm`}`);
    }
  } catch (err) {
    if (!isBedlinkError(err) || ctx.bed.linkState !== "up") throw err;
    await ctx.bed.halt().catch(() => {});
    return stopWith(err.message);
  }
  return run;
}

export interface CarriageOutcome {
  travel: CheckResult;
  limits: CheckResult;
  trace: CarriageTrace;
  /** False when the carriage must not be driven again (jam, over-current): parking is skipped. */
  drivable: boolean;
}

export async function checkCarriage(ctx: DiagContext): Promise<CarriageOutcome> {
  const at = ctx.now();
  const run = await runMotion(ctx);
  const samples = ctx.recorder.between(at);
  const { trackMm, motorTripMa } = ctx.bed.identity.limits;
  const trace: CarriageTrace = {
    speedMmS: CARRIAGE_TEST_SPEED_MMS,
    trackMm,
    points: samples.map((s) => ({ tS: Math.round(s.atMs - at) / 1000, positionMm: round1(s.t.positionMm), motorMa: Math.round(s.t.motorMa), limitHome: has(s.t, TLM_FLAGS.limitHome), limitEnd: has(s.t, TLM_FLAGS.limitEnd) })),
    events: ctx.recorder.eventsSince(at).filter((x) => x.e.priority === "high").map((x) => ({
      tS: Math.round(x.atMs - at) / 1000,
      positionMm: round1(ctx.recorder.between(0, x.atMs).at(-1)?.t.positionMm ?? 0),
      code: x.e.code,
      ...(x.e.detail ? { detail: x.e.detail } : {}),
    })),
  };
  const faultEvent = run.blockEvent ?? run.stopEvent;
  const problem = run.refused ?? run.blockedBy ?? run.stopped;

  // ---- limit switches
  const lm: Measurement[] = [];
  const switchFindings: string[] = [];
  const homed = samples.filter((s) => has(s.t, TLM_FLAGS.homed) && s.t.state !== "homing");
  const homeAway = homed.find((s) => has(s.t, TLM_FLAGS.limitHome) && s.t.positionMm > SWITCH_WINDOW_MM);
  // Before homing the position is only the firmware's guess, but an end switch closed near home is wrong either way.
  const endAway = samples.find((s) => has(s.t, TLM_FLAGS.limitEnd) && s.t.positionMm < trackMm - SWITCH_WINDOW_MM);
  const atHome = homed.filter((s) => !has(s.t, TLM_FLAGS.moving) && Math.abs(s.t.positionMm) <= ARRIVED_MM);
  const atEnd = samples.filter((s) => !has(s.t, TLM_FLAGS.moving) && Math.abs(s.t.positionMm - trackMm) <= ARRIVED_MM);
  // Homing ran into the stop past home without the switch ever closing: a dead home switch, not a jam.
  const homeNeverClosed = faultEvent?.code === "E_HOMING_FAILED" && samples.length > 0 && samples.at(-1)!.t.positionMm <= SWITCH_WINDOW_MM && !samples.some((s) => has(s.t, TLM_FLAGS.limitHome));
  if (homeNeverClosed) switchFindings.push(`the home switch never closed: the carriage ran into the stop at ${round1(samples.at(-1)!.t.positionMm)} mm without it (broken or unplugged switch)`);
  if (atHome.length > 0) {
    const made = atHome.every((s) => has(s.t, TLM_FLAGS.limitHome));
    lm.push({ name: "home switch at home (0 mm)", value: made ? "closed" : "open", limit: "closed", ok: made });
    if (!made) switchFindings.push("the home switch is open with the carriage at home (broken or unplugged switch)");
  } else lm.push({ name: "home switch at home (0 mm)", value: homeNeverClosed ? "open" : "not reached", limit: "closed", ...(homeNeverClosed ? { ok: false } : {}) });
  if (atEnd.length > 0) {
    const made = atEnd.every((s) => has(s.t, TLM_FLAGS.limitEnd));
    lm.push({ name: `end switch at the end (${trackMm} mm)`, value: made ? "closed" : "open", limit: "closed", ok: made });
    if (!made) switchFindings.push(`the end switch stayed open with the carriage at the end (${trackMm} mm): broken or unplugged switch`);
  } else lm.push({ name: `end switch at the end (${trackMm} mm)`, value: "not reached", limit: "closed" });
  lm.push({ name: "home switch away from home", value: homeAway ? `closed at ${round1(homeAway.t.positionMm)} mm` : homed.length ? "open" : "not seen", limit: `open beyond ${SWITCH_WINDOW_MM} mm`, ...(homed.length ? { ok: !homeAway } : {}) });
  lm.push({ name: "end switch away from the end", value: endAway ? `closed at ${round1(endAway.t.positionMm)} mm` : homed.length ? "open" : "not seen", limit: `open below ${trackMm - SWITCH_WINDOW_MM} mm`, ...(homed.length ? { ok: !endAway } : {}) });
  if (homeAway) switchFindings.push(`the home switch is still closed at ${round1(homeAway.t.positionMm)} mm: stuck (welded) switch`);
  if (endAway) switchFindings.push(`the end switch is closed at ${round1(endAway.t.positionMm)} mm, away from the end: stuck (welded) switch`);
  const switchEvent = faultEvent && SWITCH_CODES.has(faultEvent.code) ? faultEvent : undefined;
  if (switchEvent?.detail?.includes("both") && switchFindings.length === 0) switchFindings.push("both limit switches read closed at once: one of them is stuck closed (welded)");
  if (switchEvent && switchFindings.length === 0) switchFindings.push(`the bed reported ${describeEvent(switchEvent)}`);
  const switchFault = switchFindings.length > 0;

  // ---- travel
  const tm: Measurement[] = [];
  const findings: string[] = [];
  for (const leg of run.legs) {
    const name = `travel ${Math.round(leg.fromMm)} → ${leg.toMm} mm at ${CARRIAGE_TEST_SPEED_MMS} mm/s`;
    const limit = `${((leg.expectedMs * (1 - TRAVEL_TIME_TOLERANCE)) / 1000).toFixed(1)}–${((leg.expectedMs * (1 + TRAVEL_TIME_TOLERANCE)) / 1000).toFixed(1)} s`;
    if (leg.tookMs === undefined) {
      tm.push({ name, value: "did not arrive", limit, ok: false });
      continue;
    }
    const ok = Math.abs(leg.tookMs - leg.expectedMs) <= leg.expectedMs * TRAVEL_TIME_TOLERANCE;
    tm.push({ name, value: round1(leg.tookMs / 1000), unit: "s", limit, ok });
    if (!ok) findings.push(`${leg.fromMm.toFixed(0)} → ${leg.toMm} mm took ${(leg.tookMs / 1000).toFixed(1)} s, expected ${(leg.expectedMs / 1000).toFixed(1)} s (a dragging belt or a weak motor)`);
  }
  const moving = samples.filter((s) => has(s.t, TLM_FLAGS.moving) || s.t.speedMmS !== 0);
  const peakMa = Math.max(0, ...samples.map((s) => s.t.motorMa));
  const runningMa = Math.max(0, ...moving.map((s) => s.t.motorMa));
  tm.push({ name: "peak motor current while moving", value: Math.round(runningMa), unit: "mA", limit: `≤ ${MOTOR_RUNNING_MAX_MA} mA`, ...(moving.length ? { ok: runningMa <= MOTOR_RUNNING_MAX_MA } : {}) });
  tm.push({ name: "peak motor current", value: Math.round(peakMa), unit: "mA", limit: `< ${motorTripMa} mA (trip)`, ok: peakMa < motorTripMa });
  const stall = faultEvent !== undefined && (faultEvent.code === "E_MOTOR_OVERCURRENT" || faultEvent.code === "E_HOMING_FAILED") && !homeNeverClosed;
  const whereMm = round1(samples.at(-1)?.t.positionMm ?? NaN);
  if (stall && faultEvent.code === "E_MOTOR_OVERCURRENT") findings.unshift(`motor over-current ${Math.round(peakMa)} mA (trip ${motorTripMa} mA): the carriage stalled at ${whereMm} mm, a jam in the track — ${describeEvent(faultEvent)}`);
  else if (stall) findings.unshift(`homing stalled at ${whereMm} mm before reaching the home switch (motor ${Math.round(peakMa)} mA): a jam in the track — ${describeEvent(faultEvent)}`);
  else if (homeNeverClosed) findings.unshift(`homing drove into the stop past home (${Math.round(peakMa)} mA) because the home switch never closed (see Limit switches)`);
  else if (peakMa >= motorTripMa) findings.unshift(`motor current reached ${Math.round(peakMa)} mA (trip ${motorTripMa} mA): over-current, a jam or a pinch`);
  else if (runningMa > MOTOR_RUNNING_MAX_MA) findings.push(`running current ${Math.round(runningMa)} mA above ${MOTOR_RUNNING_MAX_MA} mA: the track drags`);

  let travelStatus: CheckResult["status"] = "pass";
  let travelMessage = `home → ${trackMm} mm → home at ${CARRIAGE_TEST_SPEED_MMS} mm/s in ${run.legs.map((l) => `${((l.tookMs ?? 0) / 1000).toFixed(1)} s`).join(" and ")}, peak ${Math.round(runningMa)} mA`;
  if (run.refused || run.aborted) {
    // Nothing was judged: a refusal or the operator's stop is never a pass, nor the carriage's fault.
    travelStatus = run.refused ? "refused" : "skipped";
    travelMessage = run.refused ?? `${run.stopped}${Number.isFinite(whereMm) ? ` at ${whereMm} mm` : ""}`;
  } else if (findings.length > 0) {
    travelStatus = "fail";
    travelMessage = findings.join("; ");
  } else if (problem && switchFault) {
    travelStatus = "skipped";
    travelMessage = `${run.blockedBy ? "not run" : "incomplete"}: the firmware stops the carriage for a limit switch fault (see Limit switches)`;
  } else if (run.blockedBy) {
    travelStatus = "skipped";
    travelMessage = `not run: ${run.blockedBy}`;
  } else if (run.stopped) {
    // Stopped by another fault (a sensor, the lease) is not the carriage's; stopped without one (no arrival, a refusal) is.
    travelStatus = run.stopEvent ? "skipped" : "fail";
    travelMessage = `${run.stopEvent ? "interrupted" : "stopped"}: ${run.stopped}`;
  }

  let limitStatus: CheckResult["status"];
  let limitMessage: string;
  if (run.refused) {
    limitStatus = "refused";
    limitMessage = run.refused;
  } else if (switchFault) {
    limitStatus = "fail";
    limitMessage = switchFindings.join("; ") + (switchEvent && !switchFindings.some((f) => f.includes(switchEvent.code)) ? ` — ${describeEvent(switchEvent)}` : "");
  } else if (atHome.length && atEnd.length && !run.aborted) {
    limitStatus = "pass";
    limitMessage = "home switch closed only at home, end switch only at the end";
  } else {
    limitStatus = "skipped";
    limitMessage = `not fully tested: the carriage did not reach both ends${problem ? ` (${problem})` : ""}`;
  }
  const travel = ctx.result("carriage", at, travelStatus, travelMessage, tm, run.notes);
  const limits = ctx.result("limitSwitches", at, limitStatus, limitMessage, lm);
  return { travel, limits, trace, drivable: !stall && peakMa < motorTripMa };
}

