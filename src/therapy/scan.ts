// The spine scan: one slow sweep of the track while logging motor current, then the
// regions are found from the trace (the bed is never told where the spine is). Every command
// and wait carries the scan's signal: a stop during the scan ends it at once.
import type { Telemetry } from "../../protocols/messages.ts";
import type { CommandOptions } from "../device/bed.ts";
import { findSpine, type ScanSample } from "../../protocols/spine.ts";
import type { SpineMap } from "./programs/landmarks.ts";

export interface ScanPort {
  moveTo(positionMm: number, speedMmS: number, opts?: CommandOptions): Promise<void>;
  setLift(level: number, opts?: CommandOptions): Promise<void>;
  setTelemetryRate(hz: number, opts?: CommandOptions): Promise<void>;
  waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<Telemetry>;
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

export async function scanSpine(bed: ScanPort, trackMm: number, signal: AbortSignal): Promise<SpineMap> {
  const opts = { signal };
  await bed.setLift(0, opts);
  await bed.moveTo(0, 40, opts);
  await bed.waitForTelemetry((t) => t.positionMm <= 1.5, (trackMm / 40) * 1500 + 3000, signal);
  await bed.setTelemetryRate(SCAN_TELEMETRY_HZ, opts);
  await bed.setLift(SCAN_LIFT, opts);
  const samples: ScanSample[] = [];
  const record = (t: Telemetry): void => {
    if (t.speedMmS > 0) samples.push({ positionMm: t.positionMm, motorMa: t.motorMa });
  };
  bed.on("telemetry", record);
  try {
    await bed.moveTo(trackMm, SCAN_SPEED_MMS, opts);
    await bed.waitForTelemetry((t) => t.positionMm >= trackMm - 1.5, (trackMm / SCAN_SPEED_MMS) * 1500 + 5000, signal);
  } finally {
    bed.off("telemetry", record);
  }
  await bed.setLift(0, opts);
  await bed.setTelemetryRate(SESSION_TELEMETRY_HZ, opts);
  const found = findSpine(samples);
  if (!found.ok) throw new Error(`${found.reason} (${samples.length}-sample current trace)`);
  return found.spine;
}
