// A person who gets off during the spine scan: the session must start paused, not run on an
// empty bed (the occupancy change arrives while scanning, where it is only recorded).
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { runOnSimulator } from "./harness.ts";

describe("occupancy lost during the scan", () => {
  it("deep-tissue: person gets off at scan position 600 mm → the session must not run heaters on an empty bed", async () => {
    let fired = false;
    let heatedEmptyMs = 0;
    const { result } = await runOnSimulator({
      program: "deep-tissue",
      during: (session, clock, sim) => {
        clock.setInterval(() => {
          if (!fired && session.state === "scanning" && sim.truth.positionMm >= 600) {
            fired = true;
            sim.injectFault(parseFaultSpec("person-off")[0]!);
          }
          if (fired && sim.truth.loadKg < 5 && sim.truth.zones.projector.setC > 0) heatedEmptyMs += 100;
        }, 100);
      },
    });
    expect(fired).toBe(true);
    expect(result.outcome).not.toBe("completed");
    // Brief: nobody on the bed → pause within a couple of seconds, heaters to idle.
    expect(heatedEmptyMs).toBeLessThan(5_000);
  }, 120_000);
});
