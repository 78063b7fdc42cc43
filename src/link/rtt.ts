// Round-trip time estimation per RFC 6298 (SRTT, RTTVAR, RTO) plus a ring of recent
// samples, so a technician sees the median and the tail, not only the smoothed value.
import { RTO_INITIAL_MS, RTO_MAX_MS, RTO_MIN_MS, RTT_ALPHA, RTT_BETA, RTT_K, RTT_RING_SIZE } from "./constants.ts";

export interface RttStats {
  srttMs: number | undefined;
  rttvarMs: number | undefined;
  rtoMs: number;
  lastMs: number | undefined;
  medianMs: number | undefined;
  p99Ms: number | undefined;
  samples: number;
}

export class RttEstimator {
  private srtt: number | undefined;
  private rttvar: number | undefined;
  private rto = RTO_INITIAL_MS;
  private last: number | undefined;
  private readonly ring = new Float64Array(RTT_RING_SIZE);
  private ringCount = 0;
  private ringNext = 0;
  private total = 0;

  /** The timeout for a first transmission. */
  get rtoMs(): number {
    return this.rto;
  }

  /** Timeout for attempt n (1-based): the RTO doubled per retry, clamped (RFC 6298 §5.5). */
  timeoutForAttempt(attempt: number): number {
    return Math.min(RTO_MAX_MS, this.rto * 2 ** (attempt - 1));
  }

  /** A sample from a command answered on its first attempt (Karn: never from a retransmission). */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === undefined || this.rttvar === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = (1 - RTT_BETA) * this.rttvar + RTT_BETA * Math.abs(this.srtt - r);
      this.srtt = (1 - RTT_ALPHA) * this.srtt + RTT_ALPHA * r;
    }
    this.rto = clamp(this.srtt + RTT_K * this.rttvar);
    this.last = r;
    this.ring[this.ringNext] = r;
    this.ringNext = (this.ringNext + 1) % RTT_RING_SIZE;
    this.ringCount = Math.min(RTT_RING_SIZE, this.ringCount + 1);
    this.total++;
  }

  /** A new connection may be a different cable or bridge: forget the smoothed state, keep the history. */
  resetEstimate(): void {
    this.srtt = undefined;
    this.rttvar = undefined;
    this.rto = RTO_INITIAL_MS;
  }

  stats(): RttStats {
    const sorted = Array.from(this.ring.subarray(0, this.ringCount)).sort((a, b) => a - b);
    return {
      srttMs: round(this.srtt),
      rttvarMs: round(this.rttvar),
      rtoMs: round(this.rto)!,
      lastMs: round(this.last),
      medianMs: round(percentile(sorted, 0.5)),
      p99Ms: round(percentile(sorted, 0.99)),
      samples: this.total,
    };
  }
}

function clamp(rtoMs: number): number {
  return Math.min(RTO_MAX_MS, Math.max(RTO_MIN_MS, rtoMs));
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function round(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v * 100) / 100;
}
