// Device, sensor, actuator and person faults, each seen on the wire the way FAULTS.md says,
// and faults armed for a time or a condition.
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import { parseFaultSpec, parseOneFault, SimulatedBed } from "../../simulator/index.ts";
import { createLoopback } from "../../simulator/loopback.ts";
import { rig, WireHost } from "./harness.ts";

describe("device faults", () => {
  it("reboot mid-program: I_BOOT, telemetry in state boot with seq from 0, commands NAKed E_NO_HANDSHAKE", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 50 });
    const from = host.received.length;
    bed.injectFault(parseOneFault("reboot"));
    await host.waitFor(() => host.received.slice(from).some((r) => r.frame.type === "TLM" && r.frame.body.state === "boot"), 1000);
    const after = host.received.slice(from);
    expect(after.find((r) => r.frame.type === "EVT")!.frame).toMatchObject({ seq: 0, body: { code: "I_BOOT" } });
    expect((await host.command("HEAT", { zone: "projector", targetC: 50 })).body).toMatchObject({ code: "E_NO_HANDSHAKE" });
    expect(bed.truth.zones.projector.setC).toBe(0);
    bed.stop();
  });

  it("unplug and replug: the host's port closes; after replug the bed, left without a host, reports state safe", async () => {
    const clock = new VirtualClock();
    const [hostEnd, bedEnd] = createLoopback(clock);
    let replugged: WireHost | undefined;
    const bed = new SimulatedBed({
      clock,
      seed: 3,
      replug: () => {
        const [h, b] = createLoopback(clock);
        replugged = new WireHost(clock, h);
        return b;
      },
    });
    const host = new WireHost(clock, hostEnd);
    let closed = false;
    hostEnd.onClose(() => (closed = true));
    bed.attach(bedEnd);
    await clock.advanceUntil(() => bed.truth.state === "idle", 30_000);
    await host.hello();
    host.startHeartbeat();
    await host.command("HEAT", { zone: "mat", targetC: 45 });
    bed.injectFault(parseOneFault("unplug:3s"));
    await clock.advance(10);
    expect(closed).toBe(true);
    host.stopHeartbeat();
    await clock.advanceUntil(() => (replugged?.telemetry().length ?? 0) > 0, 5000);
    expect(replugged!.lastTelemetry()!.state).toBe("safe");
    expect(bed.wireLog.some((l) => l.includes("! fault unplug"))).toBe(true);
    bed.stop();
  });

  it("brownout: W_BROWNOUT, heaters and carriage reset, state safe", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 55 });
    await host.command("MOVE", { positionMm: 600, speedMmS: 30 });
    await host.waitFor(() => false, 1000);
    bed.injectFault(parseOneFault("brownout"));
    await host.waitFor(() => host.events("W_BROWNOUT").length > 0, 500);
    await host.waitFor(() => false, 150);
    const t = host.lastTelemetry()!;
    expect([t.state, t.projectorDuty, t.speedMmS, t.lift]).toEqual(["safe", 0, 0, 0]);
    bed.stop();
  });

  it("proto-version:2: HELLO is NAKed E_PROTO_VERSION with the device's version", async () => {
    const { host, bed } = await rig({ faults: parseFaultSpec("proto-version:2") }, false);
    expect((await host.hello()).body).toMatchObject({ code: "E_PROTO_VERSION", proto: 2 });
    bed.clearFault("proto-version");
    expect((await host.hello()).type).toBe("ACK");
    bed.stop();
  });
});

describe("sensor and heater faults", () => {
  it.each([
    ["sensor-open:projector", "projectorC", -55, "E_SENSOR_OPEN", "projector"],
    ["sensor-short:mat", "matC", 250, "E_SENSOR_SHORT", "mat"],
  ] as const)("%s: telemetry reads %s = %d, event %s for the zone, heaters off, safe", async (spec, field, value, code, zone) => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone, targetC: 45 });
    bed.injectFault(parseOneFault(spec));
    await host.waitFor(() => host.events(code).length > 0, 500);
    expect(host.events(code)[0]).toMatchObject({ zone, priority: "high" });
    await host.waitFor(() => false, 200);
    const t = host.lastTelemetry()!;
    expect(t[field]).toBe(value);
    expect(t.state).toBe("safe");
    expect(t.projectorDuty + t.matDuty).toBe(0);
    // A new session does not paper over it: a HELLO never leaves safe; RESET with the sensor still bad trips again.
    await host.hello("99999999");
    await host.waitFor(() => false, 100);
    expect(bed.truth.state).toBe("safe");
    await host.command("RESET", {});
    await host.waitFor(() => false, 100);
    expect(bed.truth.state).toBe("safe");
    expect(host.events(code)).toHaveLength(2);
    bed.stop();
  });

  it("heater-stuck-on: telemetry shows 0 % duty while the temperature climbs", async () => {
    const { host, bed } = await rig({ person: null });
    bed.injectFault(parseOneFault("heater-stuck-on:mat"));
    const t0 = host.lastTelemetry()!;
    await host.waitFor(() => false, 120_000);
    const t1 = host.lastTelemetry()!;
    expect(t1.matDuty).toBe(0);
    expect(t1.matC - t0.matC).toBeGreaterThan(3);
    bed.stop();
  });

  it("heater-dead: telemetry shows full duty while the temperature stays flat", async () => {
    const { host, bed } = await rig({ person: null });
    bed.injectFault(parseOneFault("heater-dead:projector"));
    await host.command("HEAT", { zone: "projector", targetC: 60 });
    const t0 = host.lastTelemetry()!;
    await host.waitFor(() => false, 120_000);
    const t1 = host.lastTelemetry()!;
    expect(t1.projectorDuty).toBe(100);
    expect(Math.abs(t1.projectorC - t0.projectorC)).toBeLessThan(1);
    bed.stop();
  });
});

describe("carriage faults", () => {
  it("jam: motor current above 3000 mA in telemetry, then E_MOTOR_OVERCURRENT", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("jam@positionMm>200")); // armed once homed: homing starts further out
    await host.command("MOVE", { positionMm: 600, speedMmS: 30 });
    await host.waitFor(() => host.events("E_MOTOR_OVERCURRENT").length > 0, 30_000);
    expect(bed.truth.firmwarePositionMm).toBeGreaterThan(199);
    expect(bed.truth.firmwarePositionMm).toBeLessThan(205);
    expect(host.telemetry().some((t) => t.motorMa > 3000)).toBe(true);
    bed.stop();
  });

  it.each([
    ["home-closed", 300, "home switch active away from home"],
    ["end-closed", 300, "end switch active away from the end"],
    ["end-open", 780, "end switch silent at the end"],
  ] as const)("limit-stuck:%s → E_LIMIT_SWITCH once the carriage moves to %d mm", async (which, target, detail) => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault(`limit-stuck:${which}`));
    await host.command("MOVE", { positionMm: target, speedMmS: 60 });
    await host.waitFor(() => host.events("E_LIMIT_SWITCH").length > 0, 30_000);
    expect(host.events("E_LIMIT_SWITCH")[0]!.detail).toBe(detail);
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });

  it("limit-stuck:home-open at power-up: homing drives into the end stop and reports E_HOMING_FAILED", async () => {
    const { host, bed } = await rig({ faults: parseFaultSpec("limit-stuck:home-open") }, false);
    await host.waitFor(() => host.events("E_HOMING_FAILED").length > 0, 30_000);
    expect(host.lastTelemetry()!.flags & TLM_FLAGS.homed).toBe(0);
    await host.hello();
    expect((await host.command("MOVE", { positionMm: 100, speedMmS: 20 })).body).toMatchObject({ code: "E_SAFE_STATE" });
    bed.stop();
  });
});

describe("person faults", () => {
  it("person-off mid-program: load falls to ~0, occupied flag clears, I_OCCUPANCY off", async () => {
    const { host, bed } = await rig({ faults: parseFaultSpec("person-off@20s") });
    await host.waitFor(() => host.events("I_OCCUPANCY").some((e) => e.detail === "off"), 30_000);
    expect(bed.truth.tMs).toBeGreaterThanOrEqual(20_000);
    await host.waitFor(() => false, 2000);
    const t = host.lastTelemetry()!;
    expect(Math.abs(t.loadKg)).toBeLessThan(2);
    expect(t.flags & TLM_FLAGS.occupied).toBe(0);
    bed.stop();
  });

  it("overweight:180: the load reads 180 kg, E_OVERWEIGHT, the moving carriage stops and MOVE is NAKed", async () => {
    const { host, bed } = await rig();
    await host.command("MOVE", { positionMm: 700, speedMmS: 20 });
    bed.injectFault(parseOneFault("overweight:180"));
    await host.waitFor(() => host.events("E_OVERWEIGHT").length > 0, 3000);
    await host.waitFor(() => false, 2000); // getting on takes ~1.5 s on the load cells
    expect(host.lastTelemetry()!.loadKg).toBeGreaterThan(178);
    expect(host.lastTelemetry()!.speedMmS).toBe(0);
    expect((await host.command("MOVE", { positionMm: 100, speedMmS: 20 })).body).toMatchObject({ code: "E_OVERWEIGHT" });
    bed.stop();
  });
});

describe("triggers", () => {
  it("heater-dead:projector@120s starts at 120 s and +30s ends it", async () => {
    const { bed } = await rig({ faults: parseFaultSpec("heater-dead:projector@120s+30s") });
    const clock = (bed as unknown as { clock: VirtualClock }).clock;
    await clock.advanceUntil(() => bed.truth.activeFaults.length > 0, 200_000);
    expect(bed.truth.tMs).toBe(120_000);
    await clock.advanceUntil(() => bed.truth.activeFaults.length === 0, 200_000);
    expect(bed.truth.tMs).toBe(150_000);
    bed.stop();
  });
});
