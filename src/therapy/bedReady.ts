// Getting the bed ready for the next thing a session asks, and parking it: plain steps on the
// driver that the session's work orders (homing, recovery after a reboot, the final park).
// Every step carries the signal of the order it belongs to.
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import type { BedDriver } from "../device/bed.ts";
import { STILL_MMS } from "../device/orders.ts";
import { SESSION_TELEMETRY_HZ } from "./scan.ts";

/** Carriage speed to the park position: brisk but inside the brief's 50 mm/s. */
export const PARK_SPEED_MMS = 30;
/** The firmware's homing (and parking-in-safe) speed is at most this (PROTOCOL.md §9.1). */
const HOME_PARK_SPEED_MMS = 50;
/** A carriage this close to its park position counts as parked. */
export const PARKED_TOLERANCE_MM = 2;
/** Homing the full 780 mm track at 50 mm/s takes ~16 s; a minute means something is wrong. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Waits out a boot or a homing run (the firmware homes by itself at power-up), and homes the
 * carriage when the step needs it and the bed lost its homing (a reboot). A safe state is
 * released only when `release` says the operator just asked for it (start, resume); otherwise a
 * bed found safe is an error: something stopped it and nobody said go on. An emergency stop is
 * never released here: the driver refuses (DeviceLatched) until a technician releases it.
 */
export async function makeReady(bed: BedDriver, needCarriage: boolean, release: boolean, signal: AbortSignal): Promise<void> {
  // A session supervises at its own rate, whatever a previous user left the bed at.
  if (bed.telemetryRateHz !== SESSION_TELEMETRY_HZ) await bed.setTelemetryRate(SESSION_TELEMETRY_HZ, { signal });
  const t = await settled(bed, signal);
  if (t.state === "safe" || t.state === "estop") {
    if (!release) throw new Error(`the bed is in its ${t.state} state and nobody released it`);
    await bed.reset({ signal });
  }
  if (needCarriage && (t.flags & TLM_FLAGS.homed) === 0) {
    await bed.home({ signal });
    await bed.waitForTelemetry((x) => (x.flags & TLM_FLAGS.homed) !== 0 && x.state !== "homing", SETTLE_TIMEOUT_MS, signal);
  }
}

/**
 * Carriage to its park position and arrived (lift already retracted by the caller); a carriage
 * already there, or one that was never homed (heat-only, overweight), is left alone.
 */
export async function parkCarriage(bed: BedDriver, parkMm: number, signal: AbortSignal): Promise<void> {
  const t = bed.latest;
  if (!t || (t.flags & TLM_FLAGS.homed) === 0) return;
  const from = t.positionMm;
  // A bed in its safe state (its lease ran out, say) moves only by HOME: park at home, still safe.
  if (t.state === "safe") {
    if (from <= PARKED_TOLERANCE_MM) return;
    await bed.home({ signal });
    await bed.waitForTelemetry((x) => x.positionMm <= PARKED_TOLERANCE_MM && Math.abs(x.speedMmS) < STILL_MMS && x.state !== "homing", (from / HOME_PARK_SPEED_MMS) * 1500 + 3_000, signal);
    return;
  }
  if (Math.abs(from - parkMm) <= PARKED_TOLERANCE_MM) return;
  await bed.moveTo(parkMm, PARK_SPEED_MMS, { signal });
  // Parked means arrived and still, not that the command was accepted.
  const travelMs = (Math.abs(from - parkMm) / PARK_SPEED_MMS) * 1000;
  await bed.waitForTelemetry((x) => Math.abs(x.positionMm - parkMm) <= PARKED_TOLERANCE_MM && Math.abs(x.speedMmS) < STILL_MMS, travelMs * 1.5 + 3_000, signal);
}

/** Waits for a fresh reading that is not a boot or a homing run (the bed drives home by itself then). */
export function settled(bed: BedDriver, signal: AbortSignal): Promise<Telemetry> {
  return bed.waitForTelemetry((x) => x.state !== "boot" && x.state !== "homing", SETTLE_TIMEOUT_MS, signal);
}
