// The "heater on but not warming" watch (runaway.ts NoRiseWatch) re-arms every time the
// averaged reading has risen 1 °C, whatever the time it took beyond that (≤ 45 s). A thermistor
// that has slipped half out of its pocket reads a fraction of the element's rise: at full duty it
// climbs 1.1 °C every 45 s (0.025 K/s), while a healthy projector at ≥ 60 % duty warms at
// ≥ 0.08 K/s and a healthy mat at ≥ 0.055 K/s on every program and person on the simulator. The
// watch never trips; the true element runs away (the firmware's cut-out reads the same sensor),
// and the skin estimate follows the low reading.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import { SafetySupervisor } from "../../src/therapy/supervisor.ts";
import { TEST_IDENTITY } from "../helpers/scriptedBed.ts";

function tlm(over: Partial<Telemetry>): Telemetry {
  return {
    tMs: 0,
    state: "active",
    projectorC: 25,
    matC: 38,
    projectorSetC: 48,
    matSetC: 38,
    projectorDuty: 100,
    matDuty: 20,
    positionMm: 300,
    targetMm: 300,
    speedMmS: 0,
    lift: 0,
    motorMa: 300,
    loadKg: 72,
    flags: TLM_FLAGS.homed,
    ...over,
  };
}

describe("a projector sensor half out of its pocket", () => {
  it("full duty for minutes, the reading rising a third as fast as a healthy heater → S_NO_RISE within 3 min", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    let trip;
    let i = 0;
    for (; i < 10 * 60 * 10 && !trip; i++) {
      const readC = 25 + 0.0025 * i + ((i * 7919) % 11) * 0.01;
      trip = sup.onTelemetry(tlm({ projectorC: readC, loadKg: 72 + (i % 7) * 0.1 }), i * 100);
    }
    expect(trip?.code ?? `no trip in ${i / 10} s of full duty (reading ${(25 + 0.0025 * i).toFixed(1)} °C)`).toBe("S_NO_RISE");
    expect(trip!.atMs).toBeLessThanOrEqual(180_000);
  });
});
