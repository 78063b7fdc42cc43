// The recent temperature curve for the panel's charts: one sample a second of device time (the
// telemetry's own tMs), 15 minutes kept, so a page opened mid-session draws the whole curve at once.
import type { Telemetry } from "../../protocols/messages.ts";

/** One point a second is smooth enough for minutes-long thermal curves. */
const SAMPLE_EVERY_MS = 1000;
/** 15 minutes: the longest warm-up plus margin. */
const KEEP_SAMPLES = 900;

export interface TemperatureSample {
  /** Device time (telemetry tMs), seconds. */
  tS: number;
  projectorC: number;
  matC: number;
  projectorSetC: number;
  matSetC: number;
}

export class TelemetryHistory {
  private readonly samples: TemperatureSample[] = [];
  private lastAtMs = -Infinity;

  add(t: Telemetry): void {
    // The device restarted (its clock went back): the old curve no longer lines up.
    if (t.tMs < this.lastAtMs) this.samples.length = 0;
    else if (t.tMs - this.lastAtMs < SAMPLE_EVERY_MS) return;
    this.lastAtMs = t.tMs;
    this.samples.push({ tS: Math.round(t.tMs / 100) / 10, projectorC: t.projectorC, matC: t.matC, projectorSetC: t.projectorSetC, matSetC: t.matSetC });
    if (this.samples.length > KEEP_SAMPLES) this.samples.splice(0, this.samples.length - KEEP_SAMPLES);
  }

  list(): TemperatureSample[] {
    return [...this.samples];
  }
}
