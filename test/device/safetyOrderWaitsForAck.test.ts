// SAFE and "heaters off" start their telemetry confirmation only once the command's ACK
// arrived (bed.ts safe(): `await this.link.send("SAFE")`, idle(): `await Promise.all(sends)`), so a
// bed that neither answers nor obeys (a hung command task, a lost reply) keeps heating through the
// whole retransmission cycle (4 attempts) before the controller escalates. Issue: every safety order
// is confirmed from telemetry within two telemetry periods, else ESTOP. The ACK is not the
// confirmation, and its absence must not delay the escalation either (applied() already watches
// from the moment the frame is written: onSent).
import { describe, expect, it } from "vitest";
import { BedDriver } from "../../src/device/bed.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

async function connected() {
  const h = scriptedHarness({ bed: { telemetry: true } });
  const bed = await settle(h.clock, BedDriver.connect({ transport: h.transport, clock: h.clock, random: h.random }));
  // A few seconds of heartbeats: the link has its round-trip estimate, as mid-session.
  await h.clock.advance(3_000);
  return { h, bed };
}

/** Clock time each frame of `type` reached the bed, recorded from the bed's side. */
function watchArrivals(h: ReturnType<typeof scriptedHarness>, types: string[]): Record<string, number | undefined> {
  const seen: Record<string, number | undefined> = {};
  const start = h.bed.received.length;
  const timer = h.clock.setInterval(() => {
    for (const f of h.bed.received.slice(start)) if (types.includes(f.type)) seen[f.type] ??= h.clock.now();
  }, 1);
  void timer;
  return seen;
}

describe("a bed that neither answers nor obeys a safety order", () => {
  it("SAFE unanswered and not acted on → ESTOP on the wire within the confirmation window (2 periods + slack) of the SAFE", async () => {
    const { h, bed } = await connected();
    h.bed.hold.add("SAFE");
    const seen = watchArrivals(h, ["SAFE", "ESTOP"]);
    const held = settle(h.clock, bed.safe(), 10_000).catch((err: unknown) => err);
    await held;
    expect(seen.SAFE).toBeDefined();
    expect(seen.ESTOP, "ESTOP never sent").toBeDefined();
    expect(seen.ESTOP! - seen.SAFE!, `ESTOP ${seen.ESTOP! - seen.SAFE!} ms after SAFE; window ${bed.confirmWindowMs} ms`).toBeLessThanOrEqual(bed.confirmWindowMs + 10);
    await settle(h.clock, bed.close());
  });

  it("heaters off (HEAT 0) unanswered and not acted on → SAFE on the wire within the confirmation window of the HEAT 0", async () => {
    const { h, bed } = await connected();
    await settle(h.clock, bed.setHeat("projector", 50));
    h.bed.hold.add("HEAT");
    const seen = watchArrivals(h, ["HEAT", "SAFE"]);
    await settle(h.clock, bed.idle(), 10_000).catch((err: unknown) => err);
    expect(seen.HEAT).toBeDefined();
    expect(seen.SAFE, "SAFE never sent").toBeDefined();
    expect(seen.SAFE! - seen.HEAT!, `SAFE ${seen.SAFE! - seen.HEAT!} ms after HEAT 0; window ${bed.confirmWindowMs} ms`).toBeLessThanOrEqual(bed.confirmWindowMs + 10);
    await settle(h.clock, bed.close());
  });
});
