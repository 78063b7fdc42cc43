// The spine scan: one slow sweep of the track while logging motor current, then the
// regions are found from the trace (the bed is never told where the spine is).
import type { Telemetry } from "../../protocols/messages.ts";
import { findSpine, type ScanSample } from "../../protocols/spine.ts";
import type { SpineMap } from "./programs/landmarks.ts";

export interface ScanPort {
  moveTo(positionMm: number, speedMmS: number): Promise<void>;
  setLift(level: number): Promise<void>;
  setTelemetryRate(hz: number): Promise<void>;
  waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number): Promise<Telemetry>;
  on(event: "telemetry", listener: (t: Telemetry) => void): unknown;
  off(event: "telemetry", listener: (t: Telemetry) => void): unknown;
}

/** Scan sweep speed: slow enough for ~1 mm samples at the scan telemetry rate (patent US 10588683 logs current on a sweep). */
export const SCAN_SPEED_MMS = 30;
/** Telemetry rate during the scan; back to the session rate after. */
export const SCAN_TELEMETRY_HZ = 50;
export const SESSION_TELEMETRY_HZ = 10;
/** Light contact so the current trace follows the back's shape without pressing. */
export const SCAN_LIFT = 2;

export async function scanSpine(bed: ScanPort, trackMm: number): Promise<SpineMap> {
  await bed.setLift(0);
  await bed.moveTo(0, 40);
  await bed.waitForTelemetry((t) => t.positionMm <= 1.5, (trackMm / 40) * 1500 + 3000);
  await bed.setTelemetryRate(SCAN_TELEMETRY_HZ);
  await bed.setLift(SCAN_LIFT);
  const samples: ScanSample[] = [];
  const record = (t: Telemetry): void => {
    if (t.speedMmS > 0) samples.push({ positionMm: t.positionMm, motorMa: t.motorMa });
  };
  bed.on("telemetry", record);
  try {
    await bed.moveTo(trackMm, SCAN_SPEED_MMS);
    await bed.waitForTelemetry((t) => t.positionMm >= trackMm - 1.5, (trackMm / SCAN_SPEED_MMS) * 1500 + 5000);
  } finally {
    bed.off("telemetry", record);
  }
  await bed.setLift(0);
  await bed.setTelemetryRate(SESSION_TELEMETRY_HZ);
  const found = findSpine(samples);
  if (!found.ok) throw new Error(`${found.reason} (${samples.length}-sample current trace)`);
  return found.spine;
}
