// Races at step boundaries: work ordered for a step must never undo a stop that came after it
// (a RESET from the next step's readiness check once cleared an emergency-stop latch).
import { describe, expect, it } from "vitest";
import { runOnSimulator } from "./harness.ts";

describe("ESTOP during a step transition", () => {
  for (const delayMs of [20, 3000]) {
    it(`spinal-walk: ESTOP ${delayMs} ms after step 3 begins leaves heaters off and the latch set`, async () => {
      let fired = false;
      const { result, truth } = await runOnSimulator({
        program: "spinal-walk",
        during: (session, clock) => {
          session.actor.subscribe((s) => {
            if (!fired && s.context.stepIndex === 2) {
              fired = true;
              clock.setTimeout(() => void session.estop().catch(() => {}), delayMs);
            }
          });
        },
      });
      expect(result.outcome).toBe("estopped");
      // The bed must still be latched in estop with its heaters off.
      expect(truth.end.state).toBe("estop");
      expect(truth.end.projectorSetC).toBe(0);
      expect(truth.end.matSetC).toBe(0);
    }, 120_000);
  }
});

import { parseFaultSpec } from "../../simulator/index.ts";

describe("a latched/safe bed is RESET by an in-flight makeReady after the session ended", () => {
  it("spinal-walk: brownout 1 s into step 3 → faulted, and the bed must stay safe with heaters at 0", async () => {
    let fired = false;
    const { result, truth } = await runOnSimulator({
      program: "spinal-walk",
      during: (session, clock, sim) => {
        session.actor.subscribe((s) => {
          if (!fired && s.context.stepIndex === 2) {
            fired = true;
            clock.setTimeout(() => sim.injectFault(parseFaultSpec("brownout")[0]!), 1000);
          }
        });
      },
    });
    expect(result.outcome).toBe("faulted");
    expect(truth.end.state).toBe("safe");
    expect(truth.end.projectorSetC).toBe(0);
  }, 120_000);

  it("deep-tissue: ESTOP 20 ms into the cool-down → the carriage must not drive to park afterwards", async () => {
    let fired = false;
    const { result, truth } = await runOnSimulator({
      program: "deep-tissue",
      during: (session, clock) => {
        session.actor.subscribe((s) => {
          if (!fired && s.value === "coolingDown") {
            fired = true;
            clock.setTimeout(() => void session.estop().catch(() => {}), 20);
          }
        });
      },
    });
    expect(result.outcome).toBe("estopped");
    expect(truth.end.state).toBe("estop");
    expect(Math.abs(truth.end.speedMmS)).toBeLessThan(0.5);
  }, 120_000);
});
