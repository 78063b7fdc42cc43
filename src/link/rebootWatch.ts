// Telling from telemetry that the device restarted under a live link: a `boot` state after it was
// seen running, or its uptime jumping backwards. (I_BOOT is not used: the announcement of the boot
// we connected to is retransmitted until ACKed and can arrive after our handshake.)
import type { Telemetry } from "../../protocols/messages.ts";
import { UPTIME_BACKWARDS_MS } from "./constants.ts";

export class RebootWatch {
  /** Seen a non-boot TLM since the handshake: a later `boot` state means the device restarted. */
  private sawRunning = false;
  /** Highest device uptime (TLM tMs) seen this session. */
  private highestUptimeMs: number | undefined;

  /** A new session (handshake): nothing seen yet. */
  reset(): void {
    this.sawRunning = false;
    this.highestUptimeMs = undefined;
  }

  /** Returns why the device must have rebooted, or undefined. `linkUp`: the session is established. */
  check(t: Telemetry, linkUp: boolean): string | undefined {
    if (t.state === "boot") return this.sawRunning ? "telemetry state boot" : undefined;
    if (!linkUp) return undefined;
    // Uptime only goes forward; a reordered frame is at most a few periods behind.
    const backwards = this.highestUptimeMs !== undefined && t.tMs + UPTIME_BACKWARDS_MS < this.highestUptimeMs;
    this.highestUptimeMs = Math.max(this.highestUptimeMs ?? 0, t.tMs);
    if (backwards) return "device uptime went backwards";
    this.sawRunning = true;
    return undefined;
  }
}
