// The work the session machine orders on the bed, one async function per invoked actor. Each
// takes the actor's AbortSignal and hands it to every command and wait, so leaving the state
// that ordered the work ends it: the driver's gate refuses anything of it still queued.
import type { Clock } from "../../protocols/clock.ts";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { BedDriver } from "../device/bed.ts";
import { STILL_MMS } from "../device/orders.ts";
import type { Zone } from "../../protocols/constants.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import { makeReady, parkCarriage, settled } from "./bedReady.ts";
import { CUT_WATCH_MS, RUNAWAY_OFF_RISING_C } from "./limits.ts";
import { ZoneFilter } from "./runaway.ts";
import { playMotion } from "./motion.ts";
import type { SpineMap } from "./programs/landmarks.ts";
import { resolveMotion } from "./programs/landmarks.ts";
import type { ProgramDefinition } from "./programs/schema.ts";
import { scanSpine, SESSION_TELEMETRY_HZ } from "./scan.ts";
import type { FaultInput, PrepareInput, StepInput } from "./sessionMachine.ts";

export interface WorkContext {
  bed: BedDriver;
  clock: Clock;
  logger: Logger;
  program: ProgramDefinition;
}

/**
 * After a fault the carriage goes home only when it was homed, the bed is in its safe state (HOME
 * there retracts the lift and keeps the heaters cut) and the fault is none of these: a fault of the
 * carriage itself, a bed that does not do what it is told, or readings we cannot trust.
 */
export const NO_PARK_AFTER: ReadonlySet<string> = new Set([
  "S_CARRIAGE_STALL",
  "E_MOTOR_OVERCURRENT",
  "E_LIMIT_SWITCH",
  "E_HOMING_FAILED",
  "S_HOMING_TIMEOUT",
  "E_OVERWEIGHT",
  "S_NOT_APPLIED",
  "S_BED_NOT_STOPPED",
  "S_TELEMETRY_FROZEN",
  "S_TELEMETRY_STALE",
  "S_SENSOR_RANGE",
  "E_SENSOR_OPEN",
  "E_SENSOR_SHORT",
  "W_LEASE_EXPIRED",
  "S_LINK_LOST",
]);
/** Going home at the firmware's homing speed over the whole track, with margin. */
const HOME_PARK_TIMEOUT_MS = 30_000;

/**
 * Runs one piece of work under its own signal, aborted when the actor's signal aborts and also
 * when the work settles: a failed branch must not leave its siblings (a second setpoint, a
 * telemetry watch) running after the machine has moved on.
 */
export async function scoped<T>(parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const own = new AbortController();
  const onAbort = (): void => own.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener("abort", onAbort, { once: true });
  try {
    return await work(own.signal);
  } finally {
    parent.removeEventListener("abort", onAbort);
    own.abort(new Error("the work ended"));
  }
}

export function parksAfterFault(code: string): boolean {
  return !NO_PARK_AFTER.has(code);
}

/** Homing (and recovery after a reboot) before the scan. */
export async function prepare(w: WorkContext, input: PrepareInput, signal: AbortSignal): Promise<void> {
  await makeReady(w.bed, input.needCarriage, input.release, signal);
}

export async function scan(w: WorkContext, signal: AbortSignal): Promise<{ spine: SpineMap; atMs: number }> {
  const spine = await scanSpine(w.bed, w.bed.identity.limits.trackMm, signal);
  w.logger.info({ spine }, "spine scanned");
  return { spine, atMs: w.clock.now() };
}

/** One step: ready, setpoints, then its carriage pattern until the step's state is left. */
export async function step(w: WorkContext, input: StepInput, signal: AbortSignal): Promise<void> {
  const { bed, clock, program } = w;
  const s = program.steps[input.index]!;
  await makeReady(bed, program.requiresRoller, input.release, signal);
  await Promise.all([bed.setHeat("projector", s.heat.projectorC, { signal }), bed.setHeat("mat", s.heat.matC, { signal })]);
  const parkMm = program.coolDown.parkPositionMm ?? 0;
  if (s.motion.kind !== "park" && !input.spine) throw new BedlinkError(ErrorCode.InvalidProgram, `step ${input.index} moves the carriage but there is no spine scan`);
  await playMotion(bed, clock, resolveMotion(s.motion, input.spine ?? { startMm: 0, endMm: 0, lengthMm: 0, regions: [] as never }, parkMm), s.lift, signal);
}

/** Heaters off, carriage to its park position; the cool-down timer is the machine's. */
export async function coolDown(w: WorkContext, signal: AbortSignal): Promise<void> {
  await idleConfirmed(w, signal);
  await restoreRate(w, signal);
  await parkCarriage(w.bed, w.program.coolDown.parkPositionMm ?? 0, signal);
}

/** The session is over: heaters off (confirmed), then the carriage parked and still. */
export async function park(w: WorkContext, signal: AbortSignal): Promise<void> {
  await idleConfirmed(w, signal);
  await restoreRate(w, signal);
  await settled(w.bed, signal);
  await parkCarriage(w.bed, w.program.coolDown.parkPositionMm ?? 0, signal);
}

/** Pause: heaters idle, carriage still, lift retracted, confirmed from telemetry. */
export async function pauseOutputs(w: WorkContext, signal: AbortSignal): Promise<void> {
  await idleConfirmed(w, signal);
}

/** After a link loss the bed went safe on its own; this confirms it, without failing the offer. */
export async function quietOutputs(w: WorkContext, signal: AbortSignal): Promise<void> {
  try {
    await w.bed.idle({ signal });
  } catch (err) {
    if (err instanceof BedlinkError && (err.code === ErrorCode.DeviceNotComplying || err.code === ErrorCode.DeviceLatched)) throw err;
    w.logger.warn({ err: (err as Error).message }, "idling after the link came back failed (the bed went safe on its own)");
  }
}

/** A fault: SAFE (escalating to an emergency stop if the bed does not confirm it), then home if the policy allows. */
export async function faultSafe(w: WorkContext, input: FaultInput, signal: AbortSignal): Promise<void> {
  const { bed, logger } = w;
  const held = await bed.safe();
  // A stuck switch: stay until the zone is seen cooling with its power cut. If it warms on
  // instead, the supervisor raises S_HEATER_NOT_CUT meanwhile and the machine leaves this state.
  if (input.code === "S_OFF_RISING" && input.zone) await watchCooling(w, input.zone, signal);
  if (held !== "safe" || !parksAfterFault(input.code)) return;
  const t = bed.latest;
  if (!t || t.state !== "safe" || (t.flags & TLM_FLAGS.homed) === 0 || t.positionMm <= 1.5) return;
  try {
    await restoreRate(w, signal);
    await bed.home({ signal });
    await bed.waitForTelemetry((x) => x.positionMm <= 1.5 && Math.abs(x.speedMmS) < STILL_MMS, HOME_PARK_TIMEOUT_MS, signal);
  } catch (err) {
    // Parking after a fault is a courtesy: the bed is safe whether or not it happened.
    if (!signal.aborted) logger.warn({ err: (err as Error).message, code: input.code }, "carriage not parked after the fault");
  }
}

/** Resolves once the zone has cooled RUNAWAY_OFF_RISING_C below its warmest since the cut, or after CUT_WATCH_MS. */
async function watchCooling(w: WorkContext, zone: Zone, signal: AbortSignal): Promise<void> {
  const filter = new ZoneFilter();
  let peakC = -Infinity;
  const cooled = (t: { projectorC: number; matC: number }): boolean => {
    const c = filter.update(w.clock.now(), zone === "projector" ? t.projectorC : t.matC);
    peakC = Math.max(peakC, c);
    return c <= peakC - RUNAWAY_OFF_RISING_C;
  };
  await w.bed.waitForTelemetry(cooled, CUT_WATCH_MS, signal).catch((err: unknown) => {
    if (signal.aborted) throw err;
    w.logger.warn({ zone }, "the zone did not cool within the watch after its power cut");
  });
}

export async function emergencyStop(w: WorkContext): Promise<void> {
  await w.bed.estop();
}

/** Heaters off confirmed; a bed that needed SAFE or an emergency stop for it did not obey. */
async function idleConfirmed(w: WorkContext, signal: AbortSignal): Promise<void> {
  const held = await w.bed.idle({ signal });
  if (held !== "idle") throw new BedlinkError(ErrorCode.CommandNotApplied, `heaters off was not carried out: the bed had to be put in its ${held} state`);
}

/** The scan runs telemetry fast; an interrupted one leaves it so. */
async function restoreRate(w: WorkContext, signal: AbortSignal): Promise<void> {
  if (w.bed.telemetryRateHz !== SESSION_TELEMETRY_HZ) await w.bed.setTelemetryRate(SESSION_TELEMETRY_HZ, { signal });
}
