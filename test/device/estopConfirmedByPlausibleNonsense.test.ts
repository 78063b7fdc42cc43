// An emergency stop counts as confirmed when one reading says state `estop`, setpoints and
// duties 0, speed < 0.5 mm/s and lift 0 (orders.ts complies). Nothing compares that reading with
// the ones around it: a firmware whose motion task kept going while its status fields were zeroed
// reports the carriage advancing 3 mm every 100 ms, and a heater-zeroed zone that keeps warming —
// and the panel answers "Emergency stop confirmed by the bed: heaters off, carriage stopped". After
// that, no session supervises the readings (the session ended `estopped`).
import { describe, expect, it } from "vitest";
import type { Telemetry } from "../../protocols/messages.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

describe("a bed whose stop readings contradict themselves", () => {
  it("state estop, speed 0 — but the position advancing 3 mm a frame → the stop is not reported as confirmed", async () => {
    const h = scriptedHarness({ bed: { telemetry: true } });
    const bed = await settle(h.clock, BedDriver.connect({ transport: h.transport, clock: h.clock, random: h.random }));
    let positionMm = 300;
    const honest = h.bed.telemetry.bind(h.bed);
    h.bed.telemetry = (): Telemetry => {
      positionMm += 3;
      // The carriage is really moving at 30 mm/s; after the ESTOP only the status fields say otherwise.
      return { ...honest(), positionMm, targetMm: 700, speedMmS: h.bed.state === "estop" ? 0 : 30 };
    };
    await h.clock.advance(1_000);
    const outcome = await settle(h.clock, bed.estop().then(() => "confirmed", (err: unknown) => err));
    const atStopMm = positionMm;
    await h.clock.advance(1_000);
    // The readings themselves say the carriage went on: 30 mm in the second after the "stop".
    expect(positionMm - atStopMm).toBeGreaterThan(20);
    expect(outcome, "a stop the readings contradict was reported as confirmed").not.toBe("confirmed");
    expect(isBedlinkError(outcome, ErrorCode.DeviceNotComplying)).toBe(true);
    await settle(h.clock, bed.close());
  });
});
