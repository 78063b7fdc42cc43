// PROTOCOL.md §9: only host commands renew the lease; the host's ACKs of events do not, so a host
// that stopped its heartbeat but still ACKs events lets the bed go safe.
import { expect, it } from "vitest";
import { encodeFrame } from "../../protocols/codec.ts";
import { rig } from "../simulator/harness.ts";

it("host ACK frames alone do not keep the lease alive", async () => {
  const { clock, bed, host } = await rig();
  expect((await host.command("HEAT", { zone: "projector", targetC: 45 })).type).toBe("ACK");
  host.stopHeartbeat();
  // The host is silent apart from an ACK (as for an EVT) every 300 ms.
  const t = clock.setInterval(() => host.sendRaw(encodeFrame({ type: "ACK", seq: 12345, body: undefined })), 300);
  await clock.advance(3000);
  clock.clearInterval(t);
  console.log("state", host.lastTelemetry()?.state, "lease events", host.events("W_LEASE_EXPIRED").length);
  expect(host.events("W_LEASE_EXPIRED").length).toBeGreaterThan(0);
  expect(host.lastTelemetry()?.state).toBe("safe");
  bed.stop();
});
