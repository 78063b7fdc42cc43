// The safety monitor itself: a monitor that passes everything proves nothing, so each check is
// shown catching a bed that was driven where it must not be (orders sent straight to the driver,
// no session, on the simulator in virtual time).
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { openBed } from "../../src/cli/connect.ts";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import { silentLogger } from "../../src/log.ts";
import { SafetyMonitor } from "./safetyMonitor.ts";
import { settle } from "./virtualTime.ts";

async function bedWithMonitor(faults?: string) {
  const clock = new VirtualClock();
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger: silentLogger(), seed: 5, person: { heightCm: 175, weightKg: 75 }, faults: faults ? parseFaultSpec(faults) : undefined });
  const monitor = new SafetyMonitor(sim!, clock, { parkMm: 0, leaseMs: bed.identity.limits.leaseMs });
  // The bed homes by itself at power-up; wait until it stands ready.
  await settle(clock, bed.waitForTelemetry((t) => t.state === "idle" && (t.flags & TLM_FLAGS.homed) !== 0, 30_000), 30_000);
  return { clock, bed, sim: sim!, monitor };
}

describe("safety monitor", () => {
  it("a run that does nothing wrong has no violations", async () => {
    const { clock, monitor } = await bedWithMonitor();
    monitor.sessionState("stopped", true);
    await clock.advance(2_000);
    expect(monitor.violations()).toEqual([]);
  });

  it("heat ordered after the session ended: the frame, the telemetry and the ground truth are all reported", async () => {
    const { clock, bed, monitor } = await bedWithMonitor();
    monitor.sessionState("completed", true);
    await clock.advance(20);
    await settle(clock, bed.setHeat("projector", 40));
    await clock.advance(500);
    const v = monitor.violations();
    expect(v.some((x) => x.startsWith('HEAT {"zone":"projector","targetC":40} to the bed'))).toBe(true);
    expect(v.some((x) => x.startsWith("telemetry shows heaters on"))).toBe(true);
    expect(v.some((x) => x.startsWith("ground truth: projector heater at setpoint 40"))).toBe(true);
  });

  it("anything that heats or moves after an emergency stop is reported, even a zero setpoint", async () => {
    const { clock, bed, monitor } = await bedWithMonitor();
    monitor.estopped();
    await settle(clock, bed.estop());
    // A technician's release, then orders: the frames reach the bed after the stop.
    await settle(clock, bed.releaseLatch());
    await settle(clock, bed.setHeat("mat", 0));
    const v = monitor.violations();
    expect(v.some((x) => x.startsWith('HEAT {"zone":"mat","targetC":0} to the bed') && x.endsWith("after an emergency stop"))).toBe(true);
  });

  it("the carriage sent away from park after a stop: the MOVE and the ground truth are reported", async () => {
    const { clock, bed, monitor } = await bedWithMonitor();
    monitor.stopped();
    await clock.advance(500);
    await settle(clock, bed.moveTo(200, 40));
    await clock.advance(3_000);
    const v = monitor.violations();
    expect(v.some((x) => x.startsWith('MOVE {"positionMm":200,"speedMmS":40} to the bed'))).toBe(true);
    expect(v.some((x) => x.startsWith("ground truth: the carriage moved away from park after the stop"))).toBe(true);
  });

  it("a heater that cannot be switched off: the element over its ceiling in the ground truth is reported", async () => {
    const { clock, sim, monitor } = await bedWithMonitor("heater-stuck-on:projector,relay-welded:projector");
    await clock.advanceUntil(() => sim.truth.zones.projector.elementC > 66, 40 * 60_000);
    const v = monitor.violations();
    expect(v.some((x) => x.startsWith("ground truth: projector element") && x.includes("over its 65 °C ceiling"))).toBe(true);
  });
});
