// HOME in the safe state (PROTOCOL.md §9.1): after a fault the host can still park the roller at
// the head end, while the bed stays safe, heaters off and power cuts open.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import { parseOneFault } from "../../simulator/index.ts";
import { rig } from "./harness.ts";

const CUT_BOTH = TLM_FLAGS.cutProjector | TLM_FLAGS.cutMat;

/** A bed heating and rolling at about 400 mm with lift 3, then sent SAFE. */
async function safeMidStroke() {
  const r = await rig();
  const { host, bed } = r;
  await host.command("HEAT", { zone: "projector", targetC: 50 });
  await host.command("LIFT", { level: 3 });
  await host.command("MOVE", { positionMm: 700, speedMmS: 30 });
  await host.waitFor(() => bed.truth.firmwarePositionMm > 400, 30_000);
  expect((await host.command("SAFE", {})).type).toBe("ACK");
  return r;
}

describe("parking in the safe state", () => {
  it("SAFE mid-stroke, then HOME → ACKed, carriage driven to the home switch and re-zeroed, I_HOMED, state safe all along", async () => {
    const { host, bed, clock } = await safeMidStroke();
    const from = clock.now();
    expect((await host.command("HOME", {})).type).toBe("ACK");
    await host.waitFor(() => host.events("I_HOMED").length > 1, 30_000);
    await host.waitFor(() => false, 200);
    const frames = host.telemetry(from);
    expect(new Set(frames.map((t) => t.state))).toEqual(new Set(["safe"]));
    expect(frames.every((t) => t.projectorDuty === 0 && t.matDuty === 0 && (t.flags & CUT_BOTH) === CUT_BOTH)).toBe(true);
    expect(frames.some((t) => t.speedMmS < 0)).toBe(true); // it did travel towards home
    const t = host.lastTelemetry()!;
    expect(t.positionMm).toBeCloseTo(0, 0);
    expect([t.speedMmS, t.lift]).toEqual([0, 0]);
    expect(t.flags & TLM_FLAGS.homed).toBeTruthy();
    expect(t.flags & TLM_FLAGS.limitHome).toBeTruthy();
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });

  it("while parking, MOVE, LIFT > 0 and HEAT are still NAKed E_SAFE_STATE; HALT and LIFT 0 are accepted", async () => {
    const { host, bed } = await safeMidStroke();
    await host.command("HOME", {});
    for (const r of [
      await host.command("MOVE", { positionMm: 100, speedMmS: 20 }),
      await host.command("LIFT", { level: 2 }),
      await host.command("HEAT", { zone: "mat", targetC: 40 }),
      await host.command("HEAT", { zone: "mat", targetC: 0 }),
    ]) expect(r.body).toMatchObject({ code: "E_SAFE_STATE" });
    expect((await host.command("LIFT", { level: 0 })).type).toBe("ACK");
    expect(bed.truth.speedMmS).toBeLessThan(0);
    expect((await host.command("HALT", {})).type).toBe("ACK");
    await host.waitFor(() => false, 500);
    expect(bed.truth.speedMmS).toBe(0); // HALT stops a park: the host asked for it, the host may end it
    expect(bed.truth.homed).toBe(false);
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });

  it("a jam while parking → over-current, carriage halted, E_HOMING_FAILED, still safe", async () => {
    const { host, bed } = await safeMidStroke();
    await host.command("HOME", {});
    await host.waitFor(() => bed.truth.firmwarePositionMm < 300, 30_000);
    bed.injectFault(parseOneFault("jam"));
    await host.waitFor(() => host.events("E_HOMING_FAILED").length > 0, 1000);
    expect(host.events("E_HOMING_FAILED")[0]!.detail).toBe("stall before the home switch");
    await host.waitFor(() => false, 200);
    expect(bed.truth.speedMmS).toBe(0);
    expect(host.lastTelemetry()!.state).toBe("safe");
    expect(host.events("I_HOMED")).toHaveLength(1); // only the power-up one
    bed.stop();
  });

  it("HOME stays refused in estop and in cutout", async () => {
    const { host, bed } = await rig({ person: null });
    await host.command("ESTOP", {});
    expect((await host.command("HOME", {})).body).toMatchObject({ code: "E_ESTOP_LATCHED" });
    await host.command("RESET", {});
    bed.injectFault(parseOneFault("heater-stuck-on:projector"));
    await host.waitFor(() => bed.truth.state === "cutout", 3_600_000);
    expect((await host.command("HOME", {})).body).toMatchObject({ code: "E_CUTOUT_LATCHED" });
    bed.stop();
  });

  it("a host that falls silent while the bed parks: the carriage stops where it is, W_LEASE_EXPIRED", async () => {
    const { host, bed } = await safeMidStroke();
    await host.command("HOME", {});
    host.stopHeartbeat();
    await host.waitFor(() => host.events("W_LEASE_EXPIRED").length > 0, 2000);
    await host.waitFor(() => false, 300);
    expect(bed.truth.speedMmS).toBe(0);
    expect(bed.truth.firmwarePositionMm).toBeGreaterThan(200);
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });
});
