import { describe, expect, it } from "vitest";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { Link } from "../../src/link/link.ts";
import { versionMismatchText } from "../../src/link/handshake.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { TEST_IDENTITY } from "../helpers/scriptedBed.ts";
import { settle, settleError } from "../helpers/virtualTime.ts";

describe("handshake", () => {
  it("technician plugs in a bed → link comes up with its model, serial, firmware and limits table", async () => {
    const h = scriptedHarness();
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    const identity = await settle(h.clock, link.open());
    expect(identity).toEqual(TEST_IDENTITY);
    expect(link.state).toBe("up");
    expect(h.bed.sid).toMatch(/^[0-9a-f]{8}$/);
    expect(link.stats()).toMatchObject({ handshakes: 1, commandsSent: 1, state: "up" });
    await link.close();
    expect(link.state).toBe("closed");
  });

  it("firmware speaks protocol 2 → ProtocolVersionMismatch telling the technician to update the controller, no hang", async () => {
    const h = scriptedHarness({ bed: { proto: 2 } });
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    const started = h.clock.now();
    const err = await settleError(h.clock, link.open(), 10_000);
    expect(isBedlinkError(err, ErrorCode.ProtocolVersionMismatch)).toBe(true);
    expect(err.message).toBe("firmware speaks protocol 2, this controller speaks 1–1; update the controller");
    // One round trip, not a timeout.
    expect(h.clock.now() - started).toBeLessThan(100);
    expect(link.state).toBe("closed");
  });

  it("firmware reports a 0 ms lease → HandshakeFailed naming the accepted range, no heartbeat storm", async () => {
    const h = scriptedHarness({ bed: { identity: { limits: { ...TEST_IDENTITY.limits, leaseMs: 0 } } } });
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    const err = await settleError(h.clock, link.open(), 10_000);
    expect(isBedlinkError(err, ErrorCode.HandshakeFailed)).toBe(true);
    expect(err.message).toBe("device reports a lease of 0 ms; this controller works with 500–5000 ms (check the firmware's limits table)");
  });

  it("firmware speaks protocol 0 → the text says to update the firmware", async () => {
    const h = scriptedHarness({ bed: { proto: 0 } });
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    const err = await settleError(h.clock, link.open());
    expect(isBedlinkError(err, ErrorCode.ProtocolVersionMismatch)).toBe(true);
    expect(err.message).toBe(versionMismatchText(0));
    expect(err.message).toBe("firmware speaks protocol 0, this controller speaks 1–1; update the firmware");
  });

  it("nothing answers on the port → HandshakeFailed after bounded retries (4 HELLOs), not a hang", async () => {
    const h = scriptedHarness();
    h.bed.deaf = true;
    const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
    const err = await settleError(h.clock, link.open(), 10_000);
    expect(isBedlinkError(err, ErrorCode.HandshakeFailed)).toBe(true);
    expect(link.stats().timeouts.handshake).toBe(1);
    expect(link.stats().retransmits).toBe(3);
    expect(h.clock.now()).toBeLessThanOrEqual(250 + 500 + 1000 + 2000);
  });

  it("port cannot be opened → TransportOpenFailed naming the cause", async () => {
    const h = scriptedHarness();
    h.unavailable = true;
    const link = new Link({ transport: h.transport, clock: h.clock });
    const err = await settleError(h.clock, link.open());
    expect(isBedlinkError(err, ErrorCode.TransportOpenFailed)).toBe(true);
    expect(err.message).toMatch(/ENOENT/);
  });
});
