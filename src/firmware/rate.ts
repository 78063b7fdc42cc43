// Transfer rate and time left, for the progress bar: bytes the bed accepted per second of
// transfer, resumed bytes excluded (they were not sent this time), over the injected clock.
import type { Clock } from "../../protocols/clock.ts";

/** Below this much transfer time a rate is noise (one window of chunks). */
const MIN_SAMPLE_MS = 200;

export class RateMeter {
  /** Bytes and time of the runs before the current one (a resume starts a new run). */
  private doneBytes = 0;
  private doneMs = 0;
  private runStartMs: number | undefined;
  private runFrom = 0;
  private runAt = 0;

  constructor(private readonly clock: Clock) {}

  /** A (re)started transfer at `offset`; the time between runs (reconnecting) is not transfer time. */
  restart(offset: number): void {
    this.closeRun();
    this.runStartMs = this.clock.now();
    this.runFrom = offset;
    this.runAt = offset;
  }

  record(offset: number): void {
    this.runAt = Math.max(this.runAt, offset);
  }

  /** Bytes per second over everything sent so far, or undefined while less than minMs is measured. */
  overall(minMs = MIN_SAMPLE_MS): number | undefined {
    const bytes = this.doneBytes + (this.runAt - this.runFrom);
    const ms = this.doneMs + (this.runStartMs === undefined ? 0 : this.clock.now() - this.runStartMs);
    return ms <= 0 || ms < minMs || bytes <= 0 ? undefined : Math.round((bytes * 1000) / ms);
  }

  estimate(remainingBytes: number): { bytesPerS: number | undefined; etaMs: number | undefined } {
    const bytesPerS = this.overall();
    return { bytesPerS, etaMs: bytesPerS ? Math.round((remainingBytes * 1000) / bytesPerS) : undefined };
  }

  private closeRun(): void {
    if (this.runStartMs === undefined) return;
    this.doneBytes += this.runAt - this.runFrom;
    this.doneMs += this.clock.now() - this.runStartMs;
    this.runStartMs = undefined;
  }
}
