// Heater rise test, one zone at a time: a minute at full power from rest, the rise compared with
// what the heater's power and the zone's heat capacity give, then the heater off again and watched:
// a shorted heater switch keeps heating with duty 0. Refused with someone on the bed.
import type { Zone } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import {
  ASSUMED_ROOM_C,
  HEATER_BASELINE_MS,
  HEATER_DUTY_MIN_PERCENT,
  HEATER_HEADROOM_MIN_C,
  HEATER_MODELS,
  HEATER_OFF_RISE_MAX_K,
  HEATER_OFF_RISE_WINDOW_MS,
  HEATER_OFF_WATCH_MS,
  HEATER_OVERSHOOT_ABORT_C,
  HEATER_RISE_MS,
  HEATER_RISE_TOLERANCE,
  HEATER_SETPOINT_ABOVE_START_C,
  OCCUPIED_KG,
} from "./constants.ts";
import { describeEvent, isLatched, isOccupied, mean, readyForActuators, round1, type DiagContext } from "./context.ts";
import type { CheckId, CheckResult, HeaterCurve, Measurement } from "./types.ts";

const tempOf = (zone: Zone, t: Telemetry): number => (zone === "projector" ? t.projectorC : t.matC);
const dutyOf = (zone: Zone, t: Telemetry): number => (zone === "projector" ? t.projectorDuty : t.matDuty);

/** Expected sensor rise over the test from startC at full power: heating minus the room loss, less the sensor's lag. */
export function expectedRiseK(zone: Zone, startC: number, durationMs = HEATER_RISE_MS): number {
  const m = HEATER_MODELS[zone];
  const rateKs = (m.heaterW - m.lossWK * (startC - ASSUMED_ROOM_C)) / m.capacityJK;
  return rateKs * Math.max(0, durationMs / 1000 - m.sensorLagS);
}

/** How often the test looks at the bed while heating (abort on occupancy, runaway, a trip). */
const WATCH_MS = 1000;
/** Telemetry older than this many periods is stale (DESIGN-NOTES: 3 periods). */
const STALE_TELEMETRY_PERIODS = 3;
/** Progress runs over the rise and the watch after switch-off together. */
const TOTAL_MS = HEATER_RISE_MS + HEATER_OFF_WATCH_MS;

type Stop = { status: "fail" | "refused" | "skipped"; message: string };

const occupiedRefusal = (loadKg: number): string => `someone is on the bed (load ${round1(loadKg)} kg ≥ ${OCCUPIED_KG} kg): the heater test needs an empty bed`;

/** The link is down or telemetry stale: the bed may be doing anything. */
function lostSight(ctx: DiagContext): Stop | undefined {
  const ageMs = ctx.clock.now() - (ctx.bed.latestAtMs ?? -Infinity);
  if (ctx.bed.linkState === "up" && ageMs <= STALE_TELEMETRY_PERIODS * (1000 / ctx.bed.identity.telemetryHz)) return undefined;
  return { status: "fail", message: `lost sight of the bed during the test (link ${ctx.bed.linkState}, last telemetry ${Math.round(ageMs)} ms ago); the bed's lease switches its heaters off within ${ctx.bed.identity.limits.leaseMs} ms` };
}

/**
 * The bed restarted since sinceMs (reset, power blip, watchdog) and forgot the test's setpoint. Boot
 * and homing at home last well under the 1 s watch step, so the recording is searched, not the latest frame.
 */
function restarted(ctx: DiagContext, sinceMs: number): Stop | undefined {
  const seen = ctx.recorder.between(sinceMs).find((s) => s.t.state === "boot" || s.t.state === "homing")?.t.state;
  const booted = ctx.recorder.eventsSince(sinceMs).some((x) => x.e.code === "I_BOOT");
  if (!seen && !booted) return undefined;
  return { status: "fail", message: `the bed restarted during the test (${booted ? "I_BOOT" : `state ${seen}`}): a reset, power blip or watchdog; test abandoned, heater switched off` };
}

/** Least-squares slope, K/s: over a 10 s window the sensor noise averages out, two end points would not. */
function slopeKs(points: [number, number][]): number {
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx > 0 ? (points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx) * 1000 : NaN;
}

/**
 * After switch-off: the sensor catches up with its element for a few seconds (stored heat), then a
 * healthy zone cools. Still rising at the end means something still powers the heater.
 */
async function watchAfterOff(ctx: DiagContext, zone: Zone, id: CheckId): Promise<{ stop?: Stop; riseK: number; dutyPct: number }> {
  const offMs = ctx.now();
  while (ctx.now() - offMs < HEATER_OFF_WATCH_MS) {
    await ctx.clock.sleep(Math.min(WATCH_MS, HEATER_OFF_WATCH_MS - (ctx.now() - offMs)));
    const leftS = Math.ceil((HEATER_OFF_WATCH_MS - (ctx.now() - offMs)) / 1000);
    ctx.step(id, `heater off: watching the ${zone} stop rising, ${leftS} s left`, (HEATER_RISE_MS + ctx.now() - offMs) / TOTAL_MS);
    const stop = ctx.aborted ? { status: "skipped" as const, message: "stopped by the operator before the heater was seen to stay off; heater switched off" } : (lostSight(ctx) ?? restarted(ctx, offMs));
    if (stop) return { stop, riseK: NaN, dutyPct: NaN };
  }
  const tail = ctx.recorder.between(ctx.now() - HEATER_OFF_RISE_WINDOW_MS);
  const riseK = (slopeKs(tail.map((s) => [s.atMs, tempOf(zone, s.t)])) * HEATER_OFF_RISE_WINDOW_MS) / 1000;
  return { riseK, dutyPct: mean(tail.map((s) => dutyOf(zone, s.t))) };
}

export async function checkHeater(ctx: DiagContext, zone: Zone): Promise<{ result: CheckResult; curve?: HeaterCurve }> {
  const id = zone === "projector" ? "heater.projector" : "heater.mat";
  const at = ctx.now();
  const maxC = zone === "projector" ? ctx.bed.identity.limits.projectorMaxC : ctx.bed.identity.limits.matMaxC;

  const refuse = (loadKg: number, notes: string[] = []) => ({ result: ctx.result(id, at, "refused", occupiedRefusal(loadKg), [{ name: "load", value: round1(loadKg), unit: "kg", limit: `< ${OCCUPIED_KG} kg`, ok: false }], notes) });
  let t = await ctx.fresh();
  if (isOccupied(t)) return refuse(t.loadKg);
  const ready = await readyForActuators(ctx);
  if (!ready.ok) return { result: ctx.result(id, at, "skipped", `not run: ${ready.reason}`, []) };
  const notes = [...ready.notes];

  const baselineFromMs = ctx.now();
  await ctx.clock.sleep(HEATER_BASELINE_MS);
  const baselineSamples = ctx.recorder.between(baselineFromMs);
  // Look again just before switching on: someone may have lain down while the bed was reset, homed or watched.
  const heaviestKg = Math.max(ctx.bed.latest?.loadKg ?? 0, ...baselineSamples.map((s) => s.t.loadKg));
  if (heaviestKg >= OCCUPIED_KG) return refuse(heaviestKg, notes);
  const baseline = baselineSamples.map((s) => tempOf(zone, s.t));
  const startC = mean(baseline);
  if (!Number.isFinite(startC)) return { result: ctx.result(id, at, "fail", "no telemetry from the bed before heating", [], notes) };
  if (startC > maxC - HEATER_HEADROOM_MIN_C) {
    return { result: ctx.result(id, at, "skipped", `not run: the ${zone} is at ${round1(startC)} °C, too warm for a full-power minute (let it cool below ${maxC - HEATER_HEADROOM_MIN_C} °C)`, [], notes) };
  }
  const setpointC = Math.min(maxC, Math.round(startC + HEATER_SETPOINT_ABOVE_START_C));
  const expectedK = expectedRiseK(zone, startC);
  const toleranceK = expectedK * HEATER_RISE_TOLERANCE;

  let abort: Stop | undefined;
  let heatOnMs = ctx.now();
  try {
    await ctx.bed.setHeat(zone, setpointC);
    heatOnMs = ctx.now();
    while (ctx.now() - heatOnMs < HEATER_RISE_MS) {
      await ctx.clock.sleep(Math.min(WATCH_MS, HEATER_RISE_MS - (ctx.now() - heatOnMs)));
      t = ctx.bed.latest ?? t;
      const elapsedMs = ctx.now() - heatOnMs;
      ctx.step(id, `${zone} ${tempOf(zone, t).toFixed(1)} °C (+${(tempOf(zone, t) - startC).toFixed(1)} K), ${Math.ceil((HEATER_RISE_MS - elapsedMs) / 1000)} s left`, elapsedMs / TOTAL_MS);
      if (ctx.aborted) {
        abort = { status: "skipped", message: "stopped by the operator; heater switched off" };
        break;
      }
      abort = lostSight(ctx) ?? restarted(ctx, heatOnMs);
      if (abort) break;
      if (t.loadKg >= OCCUPIED_KG) {
        abort = { status: "refused", message: `stopped: someone got on the bed (load ${round1(t.loadKg)} kg); heater switched off` };
        break;
      }
      if (isLatched(t.state)) {
        const e = ctx.lastFaultSince(heatOnMs);
        abort = { status: "fail", message: `the bed tripped to ${t.state} during the test${e ? `: ${describeEvent(e)}` : ""}` };
        break;
      }
      if (tempOf(zone, t) > setpointC + HEATER_OVERSHOOT_ABORT_C) {
        abort = { status: "fail", message: `${zone} reached ${round1(tempOf(zone, t))} °C, past its ${setpointC} °C setpoint: runaway (stuck heater switch?); heater switched off` };
        break;
      }
    }
  } finally {
    // Back off whatever happened; if this fails too, the run's final clean-up sends SAFE.
    await ctx.bed.setHeat(zone, 0).catch((err: Error) => {
      notes.push(`could not switch the ${zone} heater off: ${err.message}`);
      abort ??= { status: "fail", message: `could not switch the ${zone} heater off: ${err.message}` };
    });
  }
  const endMs = ctx.now();
  const off = abort ? undefined : await watchAfterOff(ctx, zone, id);
  abort ??= off?.stop;

  const during = ctx.recorder.between(heatOnMs, endMs);
  const tail = ctx.recorder.between(endMs - HEATER_BASELINE_MS, endMs).map((s) => tempOf(zone, s.t));
  const endC = mean(tail);
  const riseK = endC - startC;
  // Skip the first couple of seconds: the firmware's PI loop is still ramping from its first tick.
  const dutyPct = mean(during.filter((s) => s.atMs - heatOnMs > 2000).map((s) => dutyOf(zone, s.t)));
  const curve: HeaterCurve = {
    zone,
    setpointC,
    startC: round1(startC),
    expectedRiseK: round1(expectedK),
    toleranceK: round1(toleranceK),
    durationMs: HEATER_RISE_MS,
    points: ctx.recorder.between(baselineFromMs, endMs).map((s) => ({ tS: Math.round(s.atMs - heatOnMs) / 1000, c: Math.round(tempOf(zone, s.t) * 100) / 100, duty: Math.round(dutyOf(zone, s.t)) })),
  };
  const riseOk = riseK >= expectedK - toleranceK && riseK <= expectedK + toleranceK;
  const ms: Measurement[] = [
    { name: "start", value: round1(startC), unit: "°C" },
    { name: "setpoint", value: setpointC, unit: "°C" },
    { name: `rise in ${HEATER_RISE_MS / 1000} s`, value: round1(riseK), unit: "K", limit: `${round1(expectedK - toleranceK)}–${round1(expectedK + toleranceK)} K (expected ${round1(expectedK)} K ± ${HEATER_RISE_TOLERANCE * 100} %)`, ...(abort ? {} : { ok: riseOk }) },
    { name: "mean heater duty", value: Number.isFinite(dutyPct) ? Math.round(dutyPct) : null, unit: "%", limit: `≥ ${HEATER_DUTY_MIN_PERCENT} %`, ...(abort || !Number.isFinite(dutyPct) ? {} : { ok: dutyPct >= HEATER_DUTY_MIN_PERCENT }) },
  ];
  if (abort || !off) return { result: ctx.result(id, at, abort?.status ?? "fail", abort?.message ?? "heater-off watch did not run", ms, notes), curve };
  const offOk = off.riseK <= HEATER_OFF_RISE_MAX_K;
  const offName = `rise over the last ${HEATER_OFF_RISE_WINDOW_MS / 1000} s of ${HEATER_OFF_WATCH_MS / 1000} s off`;
  ms.push({ name: offName, value: Number.isFinite(off.riseK) ? Math.round(off.riseK * 100) / 100 : null, unit: "K", limit: `≤ ${HEATER_OFF_RISE_MAX_K} K`, ok: offOk });
  if (!offOk) {
    const cause = off.dutyPct < 1 ? "stuck heater switch (or welded relay)" : `the firmware still drives it at ${Math.round(off.dutyPct)} % after being set to 0`;
    return { result: ctx.result(id, at, "fail", `${zone} heater warms while off: ${Number.isFinite(off.riseK) ? `+${round1(off.riseK)} K` : "no readings"} over the last ${HEATER_OFF_RISE_WINDOW_MS / 1000} s with duty ${Math.round(off.dutyPct)} %: ${cause}`, ms, notes), curve };
  }

  let message = `rose ${round1(riseK)} K in ${HEATER_RISE_MS / 1000} s (expected ${round1(expectedK)} K ± ${HEATER_RISE_TOLERANCE * 100} %), then switched off and stopped rising`;
  let status: "pass" | "fail" = "pass";
  if (!riseOk || dutyPct < HEATER_DUTY_MIN_PERCENT) {
    status = "fail";
    if (riseK < expectedK - toleranceK && dutyPct >= HEATER_DUTY_MIN_PERCENT) {
      message = `${zone} heater on at ${Math.round(dutyPct)} % duty but the ${zone} rose only ${round1(riseK)} K in ${HEATER_RISE_MS / 1000} s (expected ${round1(expectedK)} K ± ${HEATER_RISE_TOLERANCE * 100} %): heater open circuit or blown thermal fuse, or the sensor is off its element`;
    } else if (riseK > expectedK + toleranceK) {
      message = `${zone} rose ${round1(riseK)} K in ${HEATER_RISE_MS / 1000} s, faster than its heater can (expected ${round1(expectedK)} K ± ${HEATER_RISE_TOLERANCE * 100} %): the sensor reads wrong or the wrong heater is fitted`;
    } else if (dutyPct < HEATER_DUTY_MIN_PERCENT) {
      message = `the firmware drove the ${zone} heater at ${Math.round(dutyPct)} % instead of full power (rise ${round1(riseK)} K)`;
    } else {
      message = `${zone} rose ${round1(riseK)} K in ${HEATER_RISE_MS / 1000} s, outside ${round1(expectedK - toleranceK)}–${round1(expectedK + toleranceK)} K`;
    }
  }
  return { result: ctx.result(id, at, status, message, ms, notes), curve };
}
