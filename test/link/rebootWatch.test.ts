// Reboot detection from telemetry alone: a boot state after running, or uptime jumping backwards.
import { describe, expect, it } from "vitest";
import type { Telemetry } from "../../protocols/messages.ts";
import { RebootWatch } from "../../src/link/rebootWatch.ts";

const tlm = (state: Telemetry["state"], tMs: number): Telemetry => ({
  tMs, state, projectorC: 22, matC: 22, projectorSetC: 0, matSetC: 0, projectorDuty: 0, matDuty: 0,
  positionMm: 0, targetMm: 0, speedMmS: 0, lift: 0, motorMa: 0, loadKg: 0, flags: 1,
});

describe("reboot watch", () => {
  it("the bed still booting when we connect is not a reboot; boot after it ran is", () => {
    const w = new RebootWatch();
    expect(w.check(tlm("boot", 100), true)).toBeUndefined();
    expect(w.check(tlm("idle", 400), true)).toBeUndefined();
    expect(w.check(tlm("boot", 50), true)).toBe("telemetry state boot");
  });

  it("uptime more than a second behind the highest seen is a reboot; a reordered frame is not", () => {
    const w = new RebootWatch();
    expect(w.check(tlm("active", 60_000), true)).toBeUndefined();
    expect(w.check(tlm("active", 59_800), true)).toBeUndefined();
    expect(w.check(tlm("homing", 700), true)).toBe("device uptime went backwards");
  });

  it("a new session starts from nothing", () => {
    const w = new RebootWatch();
    w.check(tlm("active", 60_000), true);
    w.reset();
    expect(w.check(tlm("idle", 300), true)).toBeUndefined();
    expect(w.check(tlm("boot", 10), true)).toBe("telemetry state boot");
  });
});
