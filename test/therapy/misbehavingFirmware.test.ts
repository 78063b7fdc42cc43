// A bed whose firmware lies or falls silent (simulator/FAULTS.md "misbehaving firmware"): each
// scenario ends in the safest outcome the controller can reach, with the alarm staff must act on,
// checked on the wire and against the simulator's ground truth.
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { drivingFramesAfter, simNowMs, wireFrames } from "../helpers/wireMonitor.ts";
import { runOnSimulator } from "./harness.ts";

const FIVE_MIN = 5 * 60_000;

/** Presses the emergency stop at `atMs` of bed time; records when, and how the driver answered. */
function pressEstopAt(atMs: number) {
  const seen: { pressedSimMs?: number; settledAfterMs?: number; error?: unknown } = {};
  return {
    seen,
    during: (session: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[0], clock: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[1], sim: Parameters<NonNullable<Parameters<typeof runOnSimulator>[0]["during"]>>[2]) => {
      clock.setTimeout(() => {
        seen.pressedSimMs = simNowMs(sim);
        const pressed = clock.now();
        session.estop().then(
          () => (seen.settledAfterMs = clock.now() - pressed),
          (err: unknown) => {
            seen.settledAfterMs = clock.now() - pressed;
            seen.error = err;
          },
        );
      }, atMs);
    },
  };
}

describe("a bed that does not act on its emergency stop", () => {
  for (const kind of ["estop-ignored", "estop-unanswered"]) {
    it(`${kind}: the stop is not reported as confirmed; within 300 ms heartbeats stop, the operator is told to help the person off, nothing heats or moves after; the bed's own lease makes it safe`, async () => {
      const press = pressEstopAt(FIVE_MIN);
      const { result, sim } = await runOnSimulator({ program: "swedish", faults: parseFaultSpec(kind), during: press.during, settleMs: 3_000 });
      const pressedMs = press.seen.pressedSimMs!;
      expect(isBedlinkError(press.seen.error, ErrorCode.DeviceNotComplying)).toBe(true);
      expect(press.seen.settledAfterMs!).toBeLessThan(300);
      expect(result.outcome).toBe("faulted");
      expect(result.reason).toMatchObject({ code: "S_BED_NOT_STOPPED", priority: "high" });
      expect(result.reason!.text).toContain("switch it off at the mains switch");
      const frames = wireFrames(sim);
      const lastHb = frames.filter((f) => f.toBed && f.type === "HB").at(-1)!;
      expect(lastHb.atMs).toBeLessThanOrEqual(pressedMs + 1);
      expect(drivingFramesAfter(sim, pressedMs)).toEqual([]);
      // Nothing but ESTOP renews no lease: the bed goes safe by itself a lease after the last other frame.
      const lastOther = frames.filter((f) => f.toBed && f.type !== "ESTOP" && f.type !== "ACK").at(-1)!;
      const expiry = frames.find((f) => !f.toBed && f.type === "EVT" && f.body.code === "W_LEASE_EXPIRED" && f.atMs > pressedMs);
      expect(expiry, "W_LEASE_EXPIRED after the stop").toBeDefined();
      expect(expiry!.atMs - lastOther.atMs).toBeLessThanOrEqual(1000 + 100);
      expect(expiry!.atMs - pressedMs).toBeLessThanOrEqual(1000 + 100);
      expect(sim.truth.state).toBe("safe");
      expect(sim.truth.zones.projector.setC + sim.truth.zones.mat.setC).toBe(0);
    });
  }
});

describe("a bed that acknowledges and does nothing", () => {
  it("safe-ignored: a supervisor trip's SAFE is not confirmed → emergency stop instead; the bed ends stopped, heaters off", async () => {
    const { result, sim, bed } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec("safe-ignored,heater-dead:projector@60s") });
    expect(result.outcome).toBe("faulted");
    expect(result.faults.map((f) => f.code)).toContain("S_NO_RISE");
    expect(sim.truth.state).toBe("estop");
    expect(sim.truth.zones.projector.setC + sim.truth.zones.mat.setC).toBe(0);
    expect(Math.abs(sim.truth.speedMmS)).toBeLessThan(0.5);
    expect(bed.latch?.kind).toBe("estop");
  });

  it("commands-ignored: the first command telemetry does not show applied → S_NOT_APPLIED; the bed is made safe", async () => {
    const { result, sim } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec("commands-ignored@300s") });
    expect(result.outcome).toBe("faulted");
    expect(result.reason).toMatchObject({ code: "S_NOT_APPLIED", priority: "high" });
    expect(sim.truth.state).toBe("safe");
    expect(sim.truth.zones.projector.duty + sim.truth.zones.mat.duty).toBe(0);
  });

  it.each([
    ["heat-only", ["S_TELEMETRY_FROZEN"]],
    // A carriage that "moves" without its position changing is a stall first.
    ["swedish", ["S_TELEMETRY_FROZEN", "S_CARRIAGE_STALL"]],
  ])("telemetry-frozen in %s: readings that stop changing trip within 6 s; nothing can confirm safety, so the controller gives up on the bed and its lease makes it safe", async (program, codes) => {
    const { result, sim } = await runOnSimulator({ program, faults: parseFaultSpec("telemetry-frozen@300s"), settleMs: 3_000 });
    const frozen = result.faults[0];
    expect(codes, JSON.stringify(result.faults)).toContain(frozen?.code);
    expect(frozen!.atMs).toBeLessThanOrEqual(300_000 + 6_000);
    expect(result.reason?.code).toBe("S_BED_NOT_STOPPED");
    expect(drivingFramesAfter(sim, frozen!.atMs + 1)).toEqual([]);
    expect(["safe", "estop"]).toContain(sim.truth.state);
    expect(sim.truth.zones.projector.duty + sim.truth.zones.mat.duty).toBe(0);
  });
});

describe("a heater that cannot be switched off", () => {
  it("relay-welded + heater-stuck-on: the cut does not help → S_HEATER_NOT_CUT, emergency stop, and staff are told to help the person off and switch off at the mains", async () => {
    const { result, sim } = await runOnSimulator({ program: "swedish", faults: parseFaultSpec("relay-welded:mat,heater-stuck-on:mat@300s") });
    expect(result.outcome).toBe("faulted");
    expect(result.faults.map((f) => f.code)).toEqual(expect.arrayContaining(["S_OFF_RISING", "S_HEATER_NOT_CUT"]));
    expect(result.reason).toMatchObject({ code: "S_HEATER_NOT_CUT", priority: "high" });
    expect(result.reason!.text).toMatch(/Help the person off the bed.*mains switch/);
    expect(sim.truth.state).toBe("estop");
    // The firmware believes the cut is open; only the mains switch (or its 70 °C cut-out) can end it.
    expect(sim.truth.zones.mat.powerCut).toBe(true);
    expect(sim.truth.zones.mat.heaterPowerW).toBeGreaterThan(0);
  });
});
