// Misbehaving firmware: a bed that ACKs and does not act, stays silent, or reports stale
// values. Each kind shows on the wire exactly as its FAULTS.md row says.
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocols/codec.ts";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import { parseOneFault } from "../../simulator/index.ts";
import { rig } from "./harness.ts";

const CUT_BOTH = TLM_FLAGS.cutProjector | TLM_FLAGS.cutMat;

/** A bed heating the projector, rolling towards 700 mm at lift 3; then the fault, if one is named. */
async function busyBed(fault?: string) {
  const r = await rig();
  await r.host.command("HEAT", { zone: "projector", targetC: 50 });
  await r.host.command("LIFT", { level: 3 });
  await r.host.command("MOVE", { positionMm: 700, speedMmS: 20 });
  await r.host.waitFor(() => false, 1000);
  if (fault) r.bed.injectFault(parseOneFault(fault));
  return r;
}

const actuators = (t: Telemetry) => ({ state: t.state, projectorSetC: t.projectorSetC, lift: t.lift, targetMm: t.targetMm, cuts: t.flags & CUT_BOTH });

describe("misbehaving firmware", () => {
  it("estop-ignored: ESTOP ACKed (a repeat gets the same reply) and nothing changes: still active, heating, rolling, no E_ESTOP, cuts closed", async () => {
    const { host, bed } = await busyBed("estop-ignored");
    const seq = host.send("ESTOP", {});
    expect((await host.reply(seq)).type).toBe("ACK");
    const from = host.received.length;
    host.send("ESTOP", {}, seq);
    expect((await host.reply(seq, 2000, from)).type).toBe("ACK");
    await host.waitFor(() => false, 300);
    const t = host.lastTelemetry()!;
    expect(actuators(t)).toEqual({ state: "active", projectorSetC: 50, lift: 3, targetMm: 700, cuts: 0 });
    expect(t.speedMmS).toBeGreaterThan(0);
    expect(t.projectorDuty).toBeGreaterThan(0);
    expect(host.events("E_ESTOP")).toHaveLength(0);
    expect(bed.truth.state).toBe("active");
    bed.stop();
  });

  it("estop-ignored: a command queued behind the ESTOP is applied as usual, not refused", async () => {
    const { host, bed } = await busyBed("estop-ignored");
    const heat = host.seq;
    host.seq += 2;
    host.sendRaw(encodeFrame({ type: "HEAT", seq: heat, body: { zone: "mat", targetC: 40 } }) + encodeFrame({ type: "ESTOP", seq: heat + 1, body: {} }));
    expect((await host.reply(heat)).type).toBe("ACK");
    expect(bed.truth.zones.mat.setC).toBe(40);
    bed.stop();
  });

  it("estop-unanswered: ESTOP gets no reply and nothing changes; HEAT and SAFE still work", async () => {
    const { host, bed } = await busyBed("estop-unanswered");
    const seq = host.send("ESTOP", {});
    await expect(host.reply(seq, 500)).rejects.toThrow();
    expect(actuators(host.lastTelemetry()!)).toEqual({ state: "active", projectorSetC: 50, lift: 3, targetMm: 700, cuts: 0 });
    expect(host.events("E_ESTOP")).toHaveLength(0);
    expect((await host.command("HEAT", { zone: "mat", targetC: 40 })).type).toBe("ACK");
    expect(bed.truth.zones.mat.setC).toBe(40);
    expect((await host.command("SAFE", {})).type).toBe("ACK");
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });

  it("safe-ignored: SAFE ACKed and nothing changes; ESTOP still stops the bed", async () => {
    const { host, bed } = await busyBed("safe-ignored");
    expect((await host.command("SAFE", {})).type).toBe("ACK");
    await host.waitFor(() => false, 300);
    expect(actuators(host.lastTelemetry()!)).toEqual({ state: "active", projectorSetC: 50, lift: 3, targetMm: 700, cuts: 0 });
    expect((await host.command("ESTOP", {})).type).toBe("ACK");
    await host.waitFor(() => false, 150);
    expect(actuators(host.lastTelemetry()!)).toMatchObject({ state: "estop", projectorSetC: 0, lift: 0, cuts: CUT_BOTH });
    bed.stop();
  });

  it("safe-ignored: the lease still works — host falls silent → W_LEASE_EXPIRED, safe, cuts open", async () => {
    const { host, bed } = await busyBed("safe-ignored");
    await host.command("SAFE", {});
    host.stopHeartbeat();
    await host.waitFor(() => host.events("W_LEASE_EXPIRED").length > 0, 1500);
    await host.waitFor(() => false, 150);
    expect(actuators(host.lastTelemetry()!)).toMatchObject({ state: "safe", projectorSetC: 0, lift: 0, cuts: CUT_BOTH });
    bed.stop();
  });

  it("commands-ignored: HEAT, MOVE, LIFT, HALT, HOME ACKed and not applied; SAFE and ESTOP still work", async () => {
    const { host, bed } = await busyBed("commands-ignored");
    for (const r of [
      await host.command("HEAT", { zone: "projector", targetC: 30 }),
      await host.command("HEAT", { zone: "mat", targetC: 45 }),
      await host.command("MOVE", { positionMm: 100, speedMmS: 40 }),
      await host.command("LIFT", { level: 1 }),
      await host.command("HALT", {}),
      await host.command("HOME", {}),
    ]) expect([r.type, r.body]).toEqual(["ACK", undefined]);
    await host.waitFor(() => false, 300);
    const t = host.lastTelemetry()!;
    expect({ ...actuators(t), matSetC: t.matSetC }).toEqual({ state: "active", projectorSetC: 50, lift: 3, targetMm: 700, cuts: 0, matSetC: 0 });
    expect(t.speedMmS).toBeGreaterThan(0);
    expect((await host.command("SAFE", {})).type).toBe("ACK");
    expect(bed.truth.state).toBe("safe");
    expect((await host.command("ESTOP", {})).type).toBe("ACK");
    expect(bed.truth.state).toBe("estop");
    bed.stop();
  });

  it("commands-ignored: range and state checks still answer as usual", async () => {
    const { host, bed } = await busyBed("commands-ignored");
    expect((await host.command("HEAT", { zone: "projector", targetC: 80 })).body).toMatchObject({ code: "E_RANGE", field: "targetC" });
    await host.command("SAFE", {});
    expect((await host.command("HEAT", { zone: "projector", targetC: 40 })).body).toMatchObject({ code: "E_SAFE_STATE" });
    bed.stop();
  });

  it("telemetry-frozen: TLM keeps its rate with fresh seq and tMs, every other field repeats the last frame before the fault", async () => {
    const { host, bed, clock } = await busyBed();
    const before = host.telemetry().at(-1)!;
    bed.injectFault(parseOneFault("telemetry-frozen"));
    const from = clock.now();
    await host.waitFor(() => false, 5000);
    const frames = host.telemetry(from + 1);
    expect(frames.length).toBeGreaterThanOrEqual(49);
    expect(frames.length).toBeLessThanOrEqual(51);
    const { tMs: _t, seq: _s, atMs: _a, ...still } = before;
    for (const [i, f] of frames.entries()) {
      const { tMs, seq: _s, atMs: _a, ...rest } = f;
      expect(rest).toEqual(still);
      expect(tMs).toBeGreaterThan(i === 0 ? before.tMs : frames[i - 1]!.tMs);
      if (i > 0) expect(f.seq).toBe((frames[i - 1]!.seq + 1) % 65536);
    }
    // Meanwhile the bed itself moved on.
    expect(bed.truth.firmwarePositionMm - before.positionMm).toBeGreaterThan(50);
    bed.clearFault("telemetry-frozen");
    await host.waitFor(() => false, 200);
    expect(host.lastTelemetry()!.positionMm).toBeCloseTo(bed.truth.firmwarePositionMm, -1);
    bed.stop();
  });

  it("relay-welded: nothing shows while the heater switch works; opening the cut leaves the zone powered in the ground truth only", async () => {
    const { host, bed } = await rig({ person: null });
    bed.injectFault(parseOneFault("relay-welded:mat"));
    const startC = host.lastTelemetry()!.matC;
    await host.command("HEAT", { zone: "mat", targetC: 45 });
    await host.waitFor(() => false, 60_000);
    expect(host.lastTelemetry()!.matC).toBeGreaterThan(startC + 2);
    await host.command("SAFE", {});
    await host.waitFor(() => false, 200);
    const t = host.lastTelemetry()!;
    expect([t.matDuty, t.flags & TLM_FLAGS.cutMat]).toEqual([0, TLM_FLAGS.cutMat]);
    expect(bed.truth.zones.mat).toMatchObject({ powerCut: true, cutWelded: true, heaterPowerW: 0 });
    expect(bed.truth.zones.projector.cutWelded).toBe(false);
    bed.clearFault("relay-welded");
    expect(bed.truth.zones.mat.cutWelded).toBe(false);
    bed.stop();
  });
});
