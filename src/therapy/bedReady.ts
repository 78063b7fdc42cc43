// Getting the bed ready for the next thing a session asks, and parking it: plain steps on the
// driver that the session runner orders (homing, recovery after a reboot, the final park).
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import type { BedDriver } from "../device/bed.ts";

/** Carriage speed to the park position: brisk but inside the brief's 50 mm/s. */
export const PARK_SPEED_MMS = 30;
/** A carriage this close to its park position counts as parked. */
export const PARKED_TOLERANCE_MM = 2;
/** Homing the full 780 mm track at 60 mm/s takes ~13 s; a minute means something is wrong. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Waits out a boot or a homing run (the firmware homes by itself at power-up), and homes the
 * carriage when the step needs it and the bed lost its homing (a reboot). A safe or latched
 * stop is released only when `release` says the operator just asked for it (start, resume);
 * otherwise a bed found safe is an error: something stopped it and nobody said go on.
 */
export async function makeReady(bed: BedDriver, needCarriage: boolean, release: boolean): Promise<void> {
  const t = await settled(bed);
  if (t.state === "safe" || t.state === "estop") {
    if (!release) throw new Error(`the bed is in its ${t.state} state and nobody released it`);
    await bed.reset();
  }
  if (needCarriage && (t.flags & TLM_FLAGS.homed) === 0) {
    await bed.home();
    await bed.waitForTelemetry((x) => (x.flags & TLM_FLAGS.homed) !== 0 && x.state !== "homing", SETTLE_TIMEOUT_MS);
  }
}

/** Carriage to its park position; a carriage already there is left alone (heat-only, overweight). */
export async function parkCarriage(bed: BedDriver, parkMm: number, waitForArrival: boolean): Promise<void> {
  const from = bed.latest?.positionMm ?? parkMm;
  if (Math.abs(from - parkMm) <= PARKED_TOLERANCE_MM) return;
  await bed.moveTo(parkMm, PARK_SPEED_MMS);
  if (!waitForArrival) return;
  // Parked means arrived and still, not that the command was accepted.
  const travelMs = (Math.abs(from - parkMm) / PARK_SPEED_MMS) * 1000;
  await bed.waitForTelemetry((t) => Math.abs(t.positionMm - parkMm) <= 1.5 && Math.abs(t.speedMmS) < 0.5, travelMs * 1.5 + 3_000);
}

/** Waits for a fresh reading that is not a boot or a homing run (the bed drives home by itself then). */
export function settled(bed: BedDriver): Promise<Telemetry> {
  return bed.waitForTelemetry((x) => x.state !== "boot" && x.state !== "homing", SETTLE_TIMEOUT_MS);
}
