// Pause and resume while a step is still starting: only one motion player may drive the
// carriage, and nothing may move it after Stop.
import { describe, expect, it } from "vitest";
import { runOnSimulator } from "./harness.ts";

describe("orphaned motion player", () => {
  it("spinal-walk: pause at +1 s, resume at +2 s of step 3, stop 30 s later → no carriage/lift commands after stop, lift 0 at the end", async () => {
    let fired = false;
    let stoppedAt = 0;
    const afterStop: string[] = [];
    const { result, truth } = await runOnSimulator({
      program: "spinal-walk",
      during: (session, clock, sim) => {
        const bed = (session as unknown as { opts: { bed: { setLift(l: number): Promise<void> } } }).opts.bed;
        const orig = bed.setLift.bind(bed);
        bed.setLift = (l: number) => {
          if (stoppedAt && l > 0) afterStop.push(`${clock.now() - stoppedAt} ms: LIFT ${l} in ${session.state}`);
          return orig(l);
        };
        session.actor.subscribe((s) => {
          if (!fired && s.context.stepIndex === 2) {
            fired = true;
            clock.setTimeout(() => session.pause(), 1000);
            clock.setTimeout(() => session.resume(), 2000);
            clock.setTimeout(() => {
              stoppedAt = clock.now();
              session.stop();
            }, 30_000);
          }
          void sim;
        });
      },
    });
    expect(result.outcome).toBe("stopped");
    expect(afterStop).toEqual([]);
    expect(truth.end.lift).toBe(0);
  }, 120_000);
});
