// The handshake checks the bed's lease against 500–5000 ms but takes its telemetry rate as
// it comes (protocols/messages.ts: `telemetryHz: int`, no range; handshake.ts checks only the
// lease). A bed reporting `telemetryHz: 0` (telemetry switched off in its configuration, a
// zeroed field) is accepted, and every confirmation window becomes 2 × max(1000 / 0, 100) + 50 =
// Infinity ms (orders.ts confirmWindowMs): on the virtual clock nothing is ever given up on; on
// the real clock Node turns the infinite timeout into 1 ms and every order "fails" at once.
import { describe, expect, it } from "vitest";
import { BedDriver } from "../../src/device/bed.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

describe("a bed that reports a telemetry rate outside the protocol's 1–50 Hz", () => {
  it("telemetryHz 0 in HELLO → the handshake refuses it, or the confirmation window stays finite", async () => {
    const h = scriptedHarness({ bed: { identity: { telemetryHz: 0 } } });
    const outcome = await settle(h.clock, BedDriver.connect({ transport: h.transport, clock: h.clock, random: h.random })).then(
      (bed) => ({ confirmWindowMs: bed.confirmWindowMs }),
      (err: unknown) => ({ refused: (err as Error).message }),
    );
    if ("confirmWindowMs" in outcome) expect(outcome.confirmWindowMs, "confirmation window").toBeLessThanOrEqual(2_050);
  });
});
