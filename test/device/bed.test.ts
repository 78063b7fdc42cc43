import { describe, expect, it } from "vitest";
import { BedDriver, type LinkState } from "../../src/device/bed.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { TEST_IDENTITY } from "../helpers/scriptedBed.ts";
import { settle, settleError } from "../helpers/virtualTime.ts";

async function connected() {
  const h = scriptedHarness({ bed: { telemetry: true } });
  const bed = await settle(h.clock, BedDriver.connect({ transport: h.transport, clock: h.clock, random: h.random }));
  return { h, bed };
}

describe("bed driver", () => {
  it("connects → identity of this bed, link up, telemetry flowing with its arrival time", async () => {
    const { h, bed } = await connected();
    expect(bed.identity.serial).toBe(TEST_IDENTITY.serial);
    expect(bed.linkState).toBe("up");
    await h.clock.advance(250);
    expect(bed.latest?.state).toBe("idle");
    expect(bed.latestAtMs).toBeGreaterThan(0);
    const t = await settle(h.clock, bed.waitForTelemetry((x) => x.tMs > 500, 1000));
    expect(t.tMs).toBeGreaterThan(500);
    await settle(h.clock, bed.close());
  });

  it("typed commands reach the bed with the right bodies", async () => {
    const { h, bed } = await connected();
    await settle(h.clock, bed.setHeat("projector", 45));
    await settle(h.clock, bed.moveTo(312.5, 20));
    await settle(h.clock, bed.setLift(3));
    await settle(h.clock, bed.setTelemetryRate(20));
    await settle(h.clock, bed.session("start"));
    await settle(h.clock, bed.halt());
    await settle(h.clock, bed.home());
    expect(h.bed.applied.map((a) => [a.type, a.body])).toEqual([
      ["HEAT", { zone: "projector", targetC: 45 }],
      ["MOVE", { positionMm: 312.5, speedMmS: 20 }],
      ["LIFT", { level: 3 }],
      ["RATE", { hz: 20 }],
      ["SESSION", { state: "start" }],
      ["HALT", {}],
      ["HOME", {}],
    ]);
    const info = await settle(h.clock, bed.info());
    expect(info.counters.boots).toBe(5);
    const log = await settle(h.clock, bed.readLog({ clear: true }));
    expect(log.entries[0]?.code).toBe("I_BOOT");
    await settle(h.clock, bed.close());
  });

  it.each([
    ["projector above its 65 °C limit", (b: BedDriver) => b.setHeat("projector", 66), "targetC", 0, 65],
    ["mat above its 60 °C limit", (b: BedDriver) => b.setHeat("mat", 61), "targetC", 0, 60],
    ["a negative setpoint", (b: BedDriver) => b.setHeat("mat", -1), "targetC", 0, 60],
    ["past the end of the 780 mm track", (b: BedDriver) => b.moveTo(800, 20), "positionMm", 0, 780],
    ["faster than 60 mm/s", (b: BedDriver) => b.moveTo(100, 90), "speedMmS", 1, 60],
    ["lift level 7", (b: BedDriver) => b.setLift(7), "level", 0, 6],
    ["lift level 2.5", (b: BedDriver) => b.setLift(2.5), "level", 0, 6],
    ["telemetry at 100 Hz", (b: BedDriver) => b.setTelemetryRate(100), "hz", 1, 50],
    ["NaN position", (b: BedDriver) => b.moveTo(Number.NaN, 20), "positionMm", 0, 780],
  ])("%s → InvalidArgument naming the field and range; nothing sent", async (_name, call, field, min, max) => {
    const { h, bed } = await connected();
    const before = h.bed.received.length;
    const err = await settleError(h.clock, call(bed));
    expect(isBedlinkError(err, ErrorCode.InvalidArgument)).toBe(true);
    expect((err as { context?: unknown }).context).toMatchObject({ field, min, max });
    expect(err.message).toContain(field);
    expect(h.bed.received.length).toBe(before);
    await settle(h.clock, bed.close());
  });

  it("unknown zone → InvalidArgument listing the zones", async () => {
    const { h, bed } = await connected();
    const err = await settleError(h.clock, bed.setHeat("feet" as never, 40));
    expect(isBedlinkError(err, ErrorCode.InvalidArgument)).toBe(true);
    expect(err.message).toContain("projector, mat");
    await settle(h.clock, bed.close());
  });

  it("request() escape hatch checks the body schema before sending", async () => {
    const { h, bed } = await connected();
    const err = await settleError(h.clock, bed.request("RATE", { hz: "fast" }));
    expect(isBedlinkError(err, ErrorCode.InvalidArgument)).toBe(true);
    expect(await settle(h.clock, bed.request("RATE", { hz: 5 }))).toBeUndefined();
    await settle(h.clock, bed.close());
  });

  it("waiting for telemetry that never comes → DeviceNotReady after the timeout", async () => {
    const { h, bed } = await connected();
    const err = await settleError(h.clock, bed.waitForTelemetry((t) => t.projectorC > 60, 500));
    expect(isBedlinkError(err, ErrorCode.DeviceNotReady)).toBe(true);
    await settle(h.clock, bed.close());
  });

  it("close → SAFE sent first, link closed, no reconnect afterwards", async () => {
    const { h, bed } = await connected();
    const states: LinkState[] = [];
    bed.on("link", (s) => states.push(s));
    await settle(h.clock, bed.close());
    expect(h.bed.applied.at(-1)?.type).toBe("SAFE");
    expect(states).toEqual(["closed"]);
    await h.clock.advance(10_000);
    expect(h.opens()).toBe(1);
  });

  it("unplug and replug → link events down…up and a fresh identity event", async () => {
    const { h, bed } = await connected();
    const states: LinkState[] = [];
    const identities: string[] = [];
    bed.on("link", (s) => states.push(s));
    bed.on("identity", (id) => identities.push(id.serial));
    await h.unplug();
    await h.clock.advanceUntil(() => bed.linkState === "up", 5000);
    expect(states).toEqual(["down", "connecting", "handshaking", "up"]);
    expect(identities).toEqual([TEST_IDENTITY.serial]);
    await settle(h.clock, bed.setHeat("mat", 40));
    await settle(h.clock, bed.close());
  });
});
