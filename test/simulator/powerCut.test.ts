// The heater power cut (PROTOCOL.md §9.2): a second switch in series with each heater that the
// firmware opens on SAFE, ESTOP and every trip, so a heater MOSFET failed short still goes cold;
// a welded relay defeats it and only the 70 °C cut-out is left.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { rig } from "./harness.ts";

const CUT_BOTH = TLM_FLAGS.cutProjector | TLM_FLAGS.cutMat;
const cutFlags = (t: Telemetry | undefined) => (t?.flags ?? 0) & CUT_BOTH;

describe("heater power cut", () => {
  it("advertises heat.cut in the identity's caps", async () => {
    const { host, bed } = await rig({}, false);
    await host.waitFor(() => host.events("I_HOMED").length > 0, 30_000);
    const r = await host.hello();
    expect(r.type === "ACK" && (r.body as { caps: string[] }).caps).toContain("heat.cut");
    bed.stop();
  });

  it("heater switch stuck on, host sends SAFE → both cuts open, flags 7 and 8 set, the element cools", async () => {
    const { host, bed } = await rig({ person: null });
    bed.injectFault(parseOneFault("heater-stuck-on:projector"));
    await host.waitFor(() => false, 60_000);
    const warmC = bed.truth.zones.projector.elementC;
    expect(warmC).toBeGreaterThan(bed.truth.zones.mat.elementC + 3); // it was warming by itself
    expect(cutFlags(host.lastTelemetry())).toBe(0);
    expect((await host.command("SAFE", {})).type).toBe("ACK");
    await host.waitFor(() => false, 150);
    expect(cutFlags(host.lastTelemetry())).toBe(CUT_BOTH);
    expect(bed.truth.zones.projector.heaterPowerW).toBe(0);
    await host.waitFor(() => false, 60_000);
    // Stored heat lifts it a little at first; after a minute it is falling and below where it was.
    const t1 = bed.truth.zones.projector.elementC;
    await host.waitFor(() => false, 10_000);
    expect(bed.truth.zones.projector.elementC).toBeLessThan(t1);
    expect(t1).toBeLessThan(warmC + 1);
    expect(bed.truth.state).toBe("safe");
    bed.stop();
  });

  it("relay welded as well: after SAFE the zone keeps warming with its cut flag set, until the 70 °C cut-out opens the supply", async () => {
    const { host, bed } = await rig({ person: null, faults: parseFaultSpec("heater-stuck-on:projector,relay-welded:projector") });
    expect((await host.command("SAFE", {})).type).toBe("ACK");
    const startC = bed.truth.zones.projector.elementC;
    await host.waitFor(() => false, 60_000);
    const t = host.lastTelemetry()!;
    expect(t.state).toBe("safe");
    expect(t.flags & TLM_FLAGS.cutProjector).toBeTruthy(); // the firmware believes it is off
    expect(t.projectorDuty).toBe(0);
    expect(bed.truth.zones.projector.elementC).toBeGreaterThan(startC + 3);
    expect(bed.truth.zones.projector.heaterPowerW).toBeGreaterThan(0);
    await host.waitFor(() => bed.truth.state === "cutout", 3_600_000);
    expect(bed.truth.zones.projector.elementC).toBeGreaterThanOrEqual(70);
    expect(bed.truth.zones.projector.elementC).toBeLessThan(70.1);
    await host.waitFor(() => host.events("E_CUTOUT").length > 0, 500);
    expect(host.events("E_CUTOUT")[0]).toMatchObject({ zone: "projector" });
    await host.waitFor(() => false, 1000);
    expect(bed.truth.zones.projector.heaterPowerW).toBe(0);
    bed.stop();
  });

  it("a plain HEAT 0 leaves the cuts closed; RESET after SAFE closes them again", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "mat", targetC: 45 });
    await host.command("HEAT", { zone: "mat", targetC: 0 });
    await host.waitFor(() => false, 200);
    expect(cutFlags(host.lastTelemetry())).toBe(0);
    await host.command("SAFE", {});
    await host.waitFor(() => false, 200);
    expect(cutFlags(host.lastTelemetry())).toBe(CUT_BOTH);
    expect((await host.command("RESET", {})).type).toBe("ACK");
    await host.waitFor(() => false, 200);
    expect(host.lastTelemetry()!.state).toBe("idle");
    expect(cutFlags(host.lastTelemetry())).toBe(0);
    expect(bed.truth.zones.mat.powerCut).toBe(false);
    bed.stop();
  });

  it.each([
    ["ESTOP", "estop"],
    ["lease expiry", "safe"],
    ["sensor-open:mat", "safe"],
    ["brownout", "safe"],
    ["jam", "safe"],
  ] as const)("%s → state %s with both cuts open", async (cause, state) => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 45 });
    if (cause === "jam") await host.command("MOVE", { positionMm: 600, speedMmS: 30 });
    await host.waitFor(() => false, 500);
    if (cause === "ESTOP") await host.command("ESTOP", {});
    else if (cause === "lease expiry") host.stopHeartbeat();
    else bed.injectFault(parseOneFault(cause));
    await host.waitFor(() => bed.truth.state === state, 5000);
    await host.waitFor(() => false, 150);
    expect(host.lastTelemetry()!.state).toBe(state);
    expect(cutFlags(host.lastTelemetry())).toBe(CUT_BOTH);
    bed.stop();
  });

  it("a new host session after a lease expiry leaves the bed safe with its cuts open; only RESET closes them", async () => {
    const { host, bed } = await rig();
    host.stopHeartbeat();
    await host.waitFor(() => host.events("W_LEASE_EXPIRED").length > 0, 2000);
    expect(bed.truth.zones.projector.powerCut).toBe(true);
    await host.hello("12345678");
    host.startHeartbeat();
    await host.waitFor(() => false, 200);
    // A reconnect must not switch a heater caught stuck back on.
    expect(host.lastTelemetry()!.state).toBe("safe");
    expect(bed.truth.zones.projector.powerCut).toBe(true);
    await host.command("RESET", {});
    await host.waitFor(() => false, 200);
    expect(host.lastTelemetry()!.state).toBe("idle");
    expect(cutFlags(host.lastTelemetry())).toBe(0);
    bed.stop();
  });
});
