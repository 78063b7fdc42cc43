// Stop or emergency stop while the spine scan is in its first phase (the carriage travelling to the
// head end): the scan used to carry on after the stop (lift back up, a sweep to the far end). Now
// leaving the scanning state aborts its work, so nothing of the scan reaches the wire afterwards.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { drivingFramesAfter, simNowMs, wireFrames } from "../helpers/wireMonitor.ts";
import { runOnSimulator } from "./harness.ts";

/** Acts once the scan is on its way to the head end (carriage moving towards 0, well away from it). */
function duringScanFirstPhase(act: (s: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[0]) => void, seen: { atSimMs?: number; positionMm?: number }) {
  return (session: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[0], clock: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[1], sim: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[2]) => {
    const watch = clock.setInterval(() => {
      const t = sim.truth;
      if (session.state === "scanning" && t.speedMmS < -5 && t.firmwarePositionMm > 150) {
        clock.clearInterval(watch);
        seen.atSimMs = simNowMs(sim);
        seen.positionMm = t.firmwarePositionMm;
        act(session);
      }
    }, 50);
  };
}

/** A previous session left the carriage mid-track, homed: the scan starts by travelling to the head end. */
async function leaveCarriageMidTrack(bed: BedDriver): Promise<void> {
  await bed.waitForTelemetry((t) => t.state === "idle" && (t.flags & TLM_FLAGS.homed) !== 0, 30_000);
  await bed.moveTo(300, 40);
  await bed.waitForTelemetry((t) => Math.abs(t.positionMm - 300) < 1 && Math.abs(t.speedMmS) < 0.5, 30_000);
}

describe("stop during the spine scan's first phase", () => {
  it("stop → no lift, no move away from home; the carriage parks at home and the session ends stopped", async () => {
    const seen: { atSimMs?: number; positionMm?: number } = {};
    const { result, truth, sim } = await runOnSimulator({ program: "deep-tissue", before: leaveCarriageMidTrack, during: duringScanFirstPhase((s) => s.stop(), seen), settleMs: 2_000 });
    expect(seen.atSimMs, "the scan's first phase was reached").toBeDefined();
    expect(result.outcome).toBe("stopped");
    const after = wireFrames(sim).filter((f) => f.toBed && f.atMs > seen.atSimMs!);
    expect(after.filter((f) => f.type === "LIFT" && (f.body.level as number) > 0)).toEqual([]);
    expect(after.filter((f) => f.type === "MOVE" && (f.body.positionMm as number) > 2)).toEqual([]);
    expect(after.filter((f) => f.type === "RATE" && f.body.hz === 50)).toEqual([]);
    expect(truth.end.lift).toBe(0);
    expect(truth.end.positionMm).toBeLessThan(2);
  });

  it("emergency stop → estopped at once, nothing heats or moves afterwards, the session does not hang", async () => {
    const seen: { atSimMs?: number; positionMm?: number } = {};
    let endedAfterMs: number | undefined;
    const { result, sim } = await runOnSimulator({
      program: "deep-tissue",
      before: leaveCarriageMidTrack,
      during: (session, clock, simBed) =>
        duringScanFirstPhase((s) => {
          const pressed = clock.now();
          s.estop().catch(() => {});
          void s.done.then(() => (endedAfterMs = clock.now() - pressed));
        }, seen)(session, clock, simBed),
    });
    expect(result.outcome).toBe("estopped");
    expect(endedAfterMs!).toBeLessThan(1_000);
    expect(drivingFramesAfter(sim, seen.atSimMs!)).toEqual([]);
    expect(sim.truth.state).toBe("estop");
    expect(Math.abs(sim.truth.speedMmS)).toBeLessThan(0.5);
  });
});
