// A bed whose telemetry rate was left low (a technician's `RATE 1` for a long capture, a
// firmware whose default is 1–2 Hz: both inside the protocol's 1–50 Hz) can never run a program.
// The session judges staleness against a fixed 10 Hz period (session.ts, SESSION_TELEMETRY_HZ) but
// never sets that rate itself (only the scan does, and only roller programs scan): every heat-only
// session on such a bed faults at once with S_TELEMETRY_STALE, although every reading is on time.
import { describe, expect, it } from "vitest";
import { runOnSimulator } from "../therapy/harness.ts";

describe("a bed left at a low telemetry rate", () => {
  it.each([1])("%i Hz, heat-only on a healthy bed → the program completes (no stale-telemetry trip on readings that arrive on time)", async (hz) => {
    const { result } = await runOnSimulator({
      program: "heat-only",
      before: async (bed) => {
        await bed.setTelemetryRate(hz);
      },
    });
    expect(result.faults.map((f) => `${f.code} at ${(f.atMs / 1000).toFixed(1)} s: ${f.text}`)).toEqual([]);
    expect(result.outcome).toBe("completed");
  }, 60_000);
});
