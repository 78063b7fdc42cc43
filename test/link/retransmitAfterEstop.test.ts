// A HEAT (or MOVE/LIFT) already on the wire when the emergency stop is pressed, whose ACK is
// lost, is retransmitted after the ESTOP: the gate (window.ts) is asked only when a command first
// goes out, and exchange.ts repeats the frame on every timeout without asking again. A bed that
// missed the first copy (line noise) applies the retransmission; one that ignores its ESTOP heats.
// Issue: "after ESTOP no HEAT/MOVE/LIFT/HOME frame reaches the wire until a technician releases it".
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { openBed } from "../../src/cli/connect.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { silentLogger } from "../../src/log.ts";
import { simNowMs, wireFrames } from "../helpers/wireMonitor.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

describe("a command in flight when the emergency stop is pressed", () => {
  it.each([
    ["HEAT", (b: BedDriver) => b.setHeat("projector", 60)],
    ["MOVE", (b: BedDriver) => b.moveTo(400, 30)],
    ["LIFT", (b: BedDriver) => b.setLift(5)],
  ] as const)("%s unanswered (its frame lost), ESTOP pressed and confirmed → that frame is not repeated after the ESTOP", async (type, command) => {
    const h = scriptedHarness({ bed: { telemetry: true } });
    const bed = await settle(h.clock, BedDriver.connect({ transport: h.transport, clock: h.clock, random: h.random }));
    await h.clock.advance(300);
    // The bed never hears this command's first copy (noise on the line): it is not answered.
    h.bed.hold.add(type);
    const pending = command(bed).catch((err: unknown) => err);
    await h.clock.advance(5);
    expect(h.bed.received.filter((f) => f.type === type)).toHaveLength(1);
    await settle(h.clock, bed.estop());
    expect(bed.latch?.kind).toBe("estop");
    const estopIndex = h.bed.received.findIndex((f) => f.type === "ESTOP");
    // Line clear again: whatever the host repeats now reaches the bed.
    h.bed.hold.delete(type);
    await h.clock.advance(5_000);
    await pending;
    const after = h.bed.received.slice(estopIndex + 1).filter((f) => f.type === type);
    expect(after.map((f) => `${f.type} seq ${f.seq} ${JSON.stringify(f.body)}`), `${type} frames written after the emergency stop`).toEqual([]);
    await settle(h.clock, bed.close());
  });
});

describe("a command in flight when the driver gives up on a bed that ignores its ESTOP", () => {
  it("HEAT 60 lost on a noisy line, ESTOP pressed, not acted on → gave up; the HEAT's retransmission must not reach (and heat) that bed", async () => {
    const clock = new VirtualClock();
    const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger: silentLogger(), seed: 3, person: { heightCm: 175, weightKg: 75 }, faults: parseFaultSpec("estop-ignored") });
    await clock.advance(20_000);
    let gaveUpSimMs: number | undefined;
    bed.on("gaveUp", () => (gaveUpSimMs = simNowMs(sim!)));
    // What the bed's firmware holds as the projector setpoint after the give-up (until its lease runs out).
    let maxSetAfterGiveUpC = 0;
    clock.setInterval(() => {
      if (gaveUpSimMs !== undefined) maxSetAfterGiveUpC = Math.max(maxSetAfterGiveUpC, sim!.truth.zones.projector.setC);
    }, 10);
    // 270 ms of a line that loses every frame to the bed: the first three copies of the HEAT and the first ESTOPs.
    sim!.injectFault(parseOneFault("drop-frame-rx:1+270ms"));
    const heat = bed.setHeat("projector", 60).catch((err: unknown) => err);
    await clock.advance(5);
    const stop = bed.estop().catch((err: unknown) => err);
    await clock.advance(3_000);
    await heat;
    await stop;
    expect(gaveUpSimMs, "the driver gave up on the bed").toBeDefined();
    const heatsAfter = wireFrames(sim!).filter((f) => f.toBed && f.type === "HEAT" && f.atMs > gaveUpSimMs!);
    expect({ heatFramesAfterGiveUp: heatsAfter.map((f) => `${f.atMs - gaveUpSimMs!} ms after: HEAT ${JSON.stringify(f.body)}`), projectorSetpointAfterGiveUpC: maxSetAfterGiveUpC }).toEqual({ heatFramesAfterGiveUp: [], projectorSetpointAfterGiveUpC: 0 });
    await settle(clock, bed.close()).catch(() => {});
    sim!.stop();
  });
});
