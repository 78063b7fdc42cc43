// After the session has ended: the runner leaves the bed idle and stops watching it. Two ways a
// heater switch that fails short (heater-stuck-on: 0 % duty in telemetry while it heats) then burns
// the person still lying there, in the simulator's ground truth, with nothing on the wire to blame.
// KNOWN BUGS, found by the session-path replays (sessionPaths.test.ts with BEDLINK_AFTER_END_MS):
// written as the safe behaviour and marked `.fails`; remove `.fails` once fixed.
import { describe, expect, it } from "vitest";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { ELEMENT_CEILING_C } from "../../src/therapy/limits.ts";
import { runOnSimulator } from "./harness.ts";
import { SHORT_ROLLER } from "./pathPrograms.ts";

/** Someone may lie on a bed a quarter of an hour after the program ended. */
const AFTER_END_MS = 15 * 60_000;

describe("after the session has ended, nobody watches the heaters", () => {
  // The switch fails 30 s before the end, in the cool-down, while the element is still under the
  // 37 °C the stuck-switch watch starts at (limits.ts): the session completes, leaving the bed idle
  // with its power cuts closed, and the heater warms on unwatched until the 70 °C cut-out.
  it.fails("a heater stuck on in the last half-minute of the cool-down: the session completes, and the element and skin must stay under their limits afterwards", async () => {
    const { result, truth } = await runOnSimulator({ program: SHORT_ROLLER, seed: 1, faults: parseFaultSpec("heater-stuck-on:projector@150s"), settleMs: AFTER_END_MS });
    expect(result.outcome).toBe("completed");
    expect(truth.maxElementC.projector).toBeLessThanOrEqual(ELEMENT_CEILING_C.projector);
    expect(truth.maxSkinC).toBeLessThan(45);
  });

  // The stuck switch is caught (S_OFF_RISING), SAFE opens its power cut and the session ends
  // faulted with the bed in `safe`. A cable glitch afterwards: the link reconnects with a HELLO,
  // which takes the bed out of `safe` (PROTOCOL.md §9.1: "a fault still present trips the device
  // again at once" — but a shorted switch is no fault the firmware can see), closing the power cut.
  it.fails("a stuck heater caught and cut, then the cable glitches after the session: the reconnect must not switch the heater back on", async () => {
    const { result, truth } = await runOnSimulator({
      program: "deep-tissue",
      seed: 1,
      faults: parseFaultSpec("heater-stuck-on:projector@300s"),
      settleMs: AFTER_END_MS,
      during: (session, clock, sim) => {
        let unplugged = false;
        session.actor.subscribe((snap) => {
          if (unplugged || snap.status !== "done") return;
          unplugged = true;
          clock.setTimeout(() => sim.injectFault(parseOneFault("unplug:5s")), 2_000);
        });
      },
    });
    expect(result.outcome).toBe("faulted");
    expect(result.faults.map((f) => f.code)).toContain("S_OFF_RISING");
    expect(truth.end.state).toBe("safe");
    expect(truth.maxElementC.projector).toBeLessThanOrEqual(ELEMENT_CEILING_C.projector);
    expect(truth.maxSkinC).toBeLessThan(45);
  });
});
