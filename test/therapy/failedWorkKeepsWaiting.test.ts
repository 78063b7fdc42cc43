// XState aborts an invoked actor's AbortSignal only when the actor is *stopped* — not when
// its promise rejects (xstate fromPromise: on reject the controller is dropped, never aborted). So
// when a piece of work fails (here: a command the bed ACKs but does not apply → CommandNotApplied),
// whatever else it had started on that signal lives on: the failed command's telemetry watch
// (bed.ts applied(): timeout = window + 5 s) is still registered after the session has ended
// `faulted`, and its timer still runs. "No work outlives the order that started it."
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { runOnSimulator } from "../therapy/harness.ts";

/** The driver's pending telemetry waits (private: the count is what matters here). */
const waitsOf = (bed: BedDriver): number => (bed as unknown as { telemetryWaiters: { size: number } }).telemetryWaiters.size;

describe("work that failed", () => {
  it("commands-ignored → session faulted S_NOT_APPLIED; once it has ended nothing of it is still waiting on the bed", async () => {
    let waitingAtEnd: number | undefined;
    const { result } = await runOnSimulator({
      program: "deep-tissue",
      faults: parseFaultSpec("commands-ignored@300s"),
      during: (session, _clock, _sim, bed) => {
        void session.done.then(() => (waitingAtEnd = waitsOf(bed)));
      },
    });
    expect(result.reason?.code).toBe("S_NOT_APPLIED");
    expect(waitingAtEnd, "telemetry waits still registered after the session ended").toBe(0);
  }, 60_000);
});
