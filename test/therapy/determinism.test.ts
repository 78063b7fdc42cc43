// CI must be able to replay a failure: the whole stack in virtual time, same seed → same run.
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { runOnSimulator } from "./harness.ts";

describe("whole-stack determinism", () => {
  it("the same program, faults and seed give a byte-identical wire log and the same summary", async () => {
    const run = () => runOnSimulator({ program: "sports-massage", seed: 7, faults: parseFaultSpec("dropbyte-rx:0.0005@120s,reorder-tx:0.05@200s") });
    const a = await run();
    const b = await run();
    expect(b.sim.wireLog.length).toBeGreaterThan(1000);
    expect(b.sim.wireLog).toEqual(a.sim.wireLog);
    expect(b.result).toEqual(a.result);
  });

  it("another seed gives another run", async () => {
    const a = await runOnSimulator({ program: "quick-10-relax", seed: 1 });
    const b = await runOnSimulator({ program: "quick-10-relax", seed: 2 });
    expect(b.sim.wireLog).not.toEqual(a.sim.wireLog);
  });
});
