// The firmware's own safety, with no help from the host: the lease watchdog, the thermal
// cut-out, ESTOP ahead of queued commands, over-current, and the weight limit.
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocols/codec.ts";
import { rig } from "./harness.ts";

describe("lease watchdog", () => {
  it("host falls silent mid-program → heaters off, carriage stopped, lift 0 and W_LEASE_EXPIRED within the 1000 ms lease", async () => {
    const { clock, host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 60 });
    await host.command("LIFT", { level: 4 });
    await host.command("MOVE", { positionMm: 700, speedMmS: 20 });
    await host.waitFor(() => false, 3000);
    host.stopHeartbeat();
    const lastHostMs = host.lastSentMs;
    await host.waitFor(() => bed.truth.state === "safe", 5000);
    const t = bed.truth;
    expect(clock.now() - lastHostMs).toBeGreaterThanOrEqual(1000);
    expect(clock.now() - lastHostMs).toBeLessThanOrEqual(1001);
    expect(t.zones.projector.duty).toBe(0);
    expect(t.speedMmS).toBe(0);
    expect(t.lift).toBe(0);
    await host.waitFor(() => host.events("W_LEASE_EXPIRED").length > 0, 100);
    expect(host.events("W_LEASE_EXPIRED")).toHaveLength(1);
    await host.waitFor(() => false, 200);
    expect(host.lastTelemetry()!.state).toBe("safe");
    bed.stop();
  });

  it("in safe state NAKs actuator commands with E_SAFE_STATE until RESET", async () => {
    const { host, bed } = await rig();
    host.stopHeartbeat();
    await host.waitFor(() => bed.truth.state === "safe", 2000);
    host.startHeartbeat();
    expect((await host.command("HEAT", { zone: "mat", targetC: 40 })).body).toMatchObject({ code: "E_SAFE_STATE" });
    expect((await host.command("RESET", {})).type).toBe("ACK");
    expect((await host.command("HEAT", { zone: "mat", targetC: 40 })).type).toBe("ACK");
    bed.stop();
  });

  it("a host that keeps sending heartbeats keeps the bed running for an hour", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 45 });
    await host.waitFor(() => bed.truth.state !== "active", 3_600_000);
    expect(bed.truth.state).toBe("active");
    bed.stop();
  });
});

describe("thermal cut-out", () => {
  it("heater MOSFET stuck on → the 70 °C cut-out opens the heater supply, state cutout, E_CUTOUT; RESET refused until it cools", async () => {
    const { host, bed } = await rig({ person: null });
    bed.injectFault({ kind: "heater-stuck-on", zone: "projector" });
    await host.waitFor(() => bed.truth.state === "cutout", 3_600_000);
    const t = bed.truth;
    expect(t.zones.projector.elementC).toBeGreaterThanOrEqual(70);
    expect(t.zones.projector.elementC).toBeLessThan(70.1);
    await host.waitFor(() => host.events("E_CUTOUT").length > 0, 200);
    expect(host.events("E_CUTOUT")[0]).toMatchObject({ zone: "projector", priority: "high" });
    // The relay holds the element off even with the MOSFET still stuck.
    await host.waitFor(() => false, 120_000);
    expect(bed.truth.zones.projector.elementC).toBeLessThan(68);
    expect(bed.truth.zones.projector.heaterPowerW).toBe(0);
    expect((await host.command("RESET", {})).body).toMatchObject({ code: "E_CUTOUT_LATCHED" });
    expect((await host.command("HEAT", { zone: "projector", targetC: 40 })).body).toMatchObject({ code: "E_CUTOUT_LATCHED" });
    bed.clearFault("heater-stuck-on");
    await host.waitFor(() => bed.truth.zones.projector.elementC < 59, 3_600_000);
    expect((await host.command("RESET", {})).type).toBe("ACK");
    expect(bed.truth.state).toBe("idle");
    bed.stop();
  });
});

describe("emergency stop", () => {
  it("ESTOP behind three queued commands is acted on first; the queued ones are NAKed E_ESTOP_LATCHED", async () => {
    const { host, bed } = await rig();
    const lines = [
      encodeFrame({ type: "HEAT", seq: 500, body: { zone: "projector", targetC: 60 } }),
      encodeFrame({ type: "MOVE", seq: 501, body: { positionMm: 600, speedMmS: 40 } }),
      encodeFrame({ type: "LIFT", seq: 502, body: { level: 5 } }),
      encodeFrame({ type: "ESTOP", seq: 503, body: {} }),
    ];
    host.sendRaw(lines.join("")); // one write: all four arrive together
    const from = host.received.length;
    await host.reply(502);
    const replies = host.received.slice(from).filter((r) => r.frame.type === "ACK" || r.frame.type === "NAK");
    expect(replies.map((r) => [r.frame.type, r.frame.seq])).toEqual([["ACK", 503], ["NAK", 500], ["NAK", 501], ["NAK", 502]]);
    for (const r of replies.slice(1)) expect(r.frame.body).toMatchObject({ code: "E_ESTOP_LATCHED" });
    const t = bed.truth;
    expect(t.state).toBe("estop");
    expect([t.zones.projector.setC, t.speedMmS, t.lift]).toEqual([0, 0, 0]);
    expect(host.events("E_ESTOP")).toHaveLength(1);
    bed.stop();
  });

  it("stops a moving, heating bed within one physics step of the ESTOP arriving", async () => {
    const { clock, host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 60 });
    await host.command("MOVE", { positionMm: 700, speedMmS: 50 });
    await host.waitFor(() => false, 2000);
    const seq = host.send("ESTOP", {});
    const sentMs = clock.now();
    await host.waitFor(() => bed.truth.state === "estop", 100);
    expect(clock.now() - sentMs).toBeLessThanOrEqual(20);
    expect(bed.truth.speedMmS).toBe(0);
    expect(bed.truth.zones.projector.duty).toBe(0);
    await host.waitFor(() => false, 20);
    expect(bed.truth.zones.projector.heaterPowerW).toBe(0);
    expect((await host.reply(seq)).type).toBe("ACK");
    expect((await host.command("HELLO", { proto: [1, 1], host: "t", sid: "feedf00d" })).type).toBe("ACK");
    expect(bed.truth.state).toBe("estop"); // a new HELLO does not clear a latched ESTOP
    bed.stop();
  });
});

describe("carriage and load", () => {
  it("carriage jams mid-stroke → over-current above 3000 mA for 100 ms → halted, E_MOTOR_OVERCURRENT, safe", async () => {
    const { host, bed } = await rig();
    await host.command("MOVE", { positionMm: 700, speedMmS: 30 });
    await host.waitFor(() => bed.truth.firmwarePositionMm > 300, 30_000);
    bed.injectFault({ kind: "jam" });
    await host.waitFor(() => host.events("E_MOTOR_OVERCURRENT").length > 0, 1000);
    expect(host.telemetry().some((t) => t.motorMa > 3000)).toBe(true);
    expect(bed.truth.state).toBe("safe");
    expect(bed.truth.motorMa).toBeLessThan(3000);
    bed.stop();
  });

  it("a person over 136 kg: E_OVERWEIGHT, roller commands NAKed, heat still allowed", async () => {
    const { host, bed } = await rig({ person: { heightCm: 185, weightKg: 150 } });
    await host.waitFor(() => host.events("E_OVERWEIGHT").length > 0, 3000);
    expect((await host.command("MOVE", { positionMm: 300, speedMmS: 20 })).body).toMatchObject({ code: "E_OVERWEIGHT" });
    expect((await host.command("LIFT", { level: 2 })).body).toMatchObject({ code: "E_OVERWEIGHT" });
    expect((await host.command("HEAT", { zone: "mat", targetC: 40 })).type).toBe("ACK");
    bed.stop();
  });
});
