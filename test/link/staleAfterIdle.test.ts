// A link that stays up for hours: heartbeats carry the host seq more than half the number space
// past the last LIFT; the next LIFT must still be applied (the stale rule only covers small reorderings).
import { expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { createSimulatedConnection } from "../../src/device/simulated.ts";
import { settle } from "../helpers/virtualTime.ts";

it("a LIFT after ~2.3 h without lift commands is applied", async () => {
  const clock = new VirtualClock();
  const { sim, transport } = createSimulatedConnection({ clock, seed: 3 });
  let r = 0.25;
  const bed = await settle(clock, BedDriver.connect({ transport, clock, reconnect: false, random: () => ((r = (r * 9301 + 0.49297) % 1), r) }));
  await clock.advanceUntil(() => bed.latest?.state === "idle" || bed.latest?.state === "active", 60_000);
  await settle(clock, bed.setLift(2));
  await clock.advanceUntil(() => bed.latest?.lift === 2, 2000);
  expect(bed.latest?.lift).toBe(2);
  // Heartbeats only, for 2.4 h of virtual time (≈ 34,600 host seqs).
  await clock.advance(2.4 * 3600_000);
  expect(bed.linkState).toBe("up");
  await settle(clock, bed.setLift(4)); // resolves without error
  await clock.advance(1000);
  const stats = bed.stats();
  console.log("staleReplies", stats.staleReplies, "lift", bed.latest?.lift);
  expect(stats.staleReplies).toBe(0);
  expect(bed.latest?.lift).toBe(4);
  await settle(clock, bed.close());
  sim.stop();
}, 300_000);
