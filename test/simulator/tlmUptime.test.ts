// PROTOCOL.md §11: TLM `tMs` is device uptime and restarts at a reboot (the host's reboot detection
// watches for it going backwards).
import { expect, it } from "vitest";
import { rig } from "../simulator/harness.ts";

it("after a reboot TLM tMs restarts near 0", async () => {
  const { clock, bed, host } = await rig();
  await clock.advance(20_000);
  const before = host.lastTelemetry()!.tMs;
  const from = clock.now();
  bed.powerCycle();
  await clock.advance(1000);
  const after = host.telemetry(from).filter((t) => t.state === "boot" || t.state === "homing")[0]!;
  console.log("tMs before reboot", before, "first tMs after", after.tMs, after.state);
  expect(after.tMs).toBeLessThan(before - 1000);
  bed.stop();
});
