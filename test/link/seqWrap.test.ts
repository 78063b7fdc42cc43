// Host seq wrap-around 65535 → 0 in the middle of a burst, against the simulator: every LIFT/HEAT applied.
import { expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { createSimulatedConnection } from "../../src/device/simulated.ts";
import { settle } from "../helpers/virtualTime.ts";

it("commands across the 65535 → 0 wrap are applied, none stale", async () => {
  const clock = new VirtualClock();
  const { sim, transport } = createSimulatedConnection({ clock, seed: 5 });
  let n = 0;
  const random = () => (n++ === 8 ? 65530 / 65536 : 0.5); // 9th call picks the first host seq
  const bed = await settle(clock, BedDriver.connect({ transport, clock, reconnect: false, random }));
  await clock.advanceUntil(() => bed.latest?.state === "idle", 60_000);
  for (let i = 1; i <= 12; i++) {
    await settle(clock, Promise.all([bed.setLift((i % 6) + 1 > 6 ? 1 : (i % 6) + 1), bed.setHeat("mat", 30 + i)]));
  }
  await clock.advance(500);
  expect(bed.stats().staleReplies).toBe(0);
  expect(bed.latest?.lift).toBe((12 % 6) + 1);
  expect(bed.latest?.matSetC).toBe(42);
  await settle(clock, bed.close());
  sim.stop();
});
