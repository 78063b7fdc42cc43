// PROTOCOL.md §9/§10: ESTOP frames do not renew the lease. A host that no longer trusts the bed
// repeats only ESTOP; if the bed ACKs and ignores them, its own watchdog must still run out.
import { expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import { parseOneFault } from "../../simulator/index.ts";
import { rig } from "./harness.ts";

const ESTOP_REPEAT_MS = 50; // PROTOCOL.md §10: the host repeats ESTOP every 50 ms

it("bed ACKs ESTOP and ignores it, host repeats only ESTOP → bed stays active, then safe with W_LEASE_EXPIRED a lease after the last other command", async () => {
  const { clock, host, bed } = await rig();
  await host.command("HEAT", { zone: "projector", targetC: 50 });
  await host.command("MOVE", { positionMm: 600, speedMmS: 20 });
  bed.injectFault(parseOneFault("estop-ignored"));
  host.stopHeartbeat();
  const lastOtherMs = host.lastSentMs;
  const seq = host.send("ESTOP", {});
  const repeat = clock.setInterval(() => host.send("ESTOP", {}, seq), ESTOP_REPEAT_MS);
  await host.waitFor(() => bed.truth.state !== "active", 5000);
  clock.clearInterval(repeat);
  expect(bed.truth.state).toBe("safe");
  const elapsedMs = clock.now() - lastOtherMs;
  expect(elapsedMs).toBeGreaterThanOrEqual(1000);
  expect(elapsedMs).toBeLessThanOrEqual(1100);
  const acks = host.received.filter((r) => r.frame.type === "ACK" && r.frame.seq === seq);
  expect(acks.length).toBeGreaterThan(15); // every repeat was answered
  expect(host.telemetry(lastOtherMs).filter((t) => t.atMs < lastOtherMs + 1000).every((t) => t.state === "active")).toBe(true);
  await host.waitFor(() => host.events("W_LEASE_EXPIRED").length > 0, 200);
  expect(host.events("E_ESTOP")).toHaveLength(0);
  bed.stop();
});

it("after a real ESTOP, repeats alone let the lease run out: leaseActive clears a lease after the last other command", async () => {
  const { clock, host, bed } = await rig();
  await host.waitFor(() => false, 300);
  expect(host.lastTelemetry()!.flags & TLM_FLAGS.leaseActive).toBeTruthy();
  host.stopHeartbeat();
  const lastOtherMs = host.lastSentMs;
  const seq = host.send("ESTOP", {});
  const repeat = clock.setInterval(() => host.send("ESTOP", {}, seq), ESTOP_REPEAT_MS);
  await host.waitFor(() => (host.lastTelemetry()!.flags & TLM_FLAGS.leaseActive) === 0, 3000);
  clock.clearInterval(repeat);
  expect(clock.now() - lastOtherMs).toBeGreaterThanOrEqual(1000);
  expect(clock.now() - lastOtherMs).toBeLessThanOrEqual(1200);
  expect(bed.truth.state).toBe("estop");
  bed.stop();
});
