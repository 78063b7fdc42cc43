// The safety supervisor on synthetic telemetry: each rule trips on its own, with its code.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import { BURN_DOSE_S, DOSE_TRIP_FRACTION, SESSION_CAP_GRACE_MS, SESSION_CAP_MS } from "../../src/therapy/limits.ts";
import { SafetySupervisor } from "../../src/therapy/supervisor.ts";
import { SkinDoseTracker } from "../../src/therapy/skin.ts";
import { TEST_IDENTITY } from "../helpers/scriptedBed.ts";


function tlm(over: Partial<Telemetry>): Telemetry {
  return {
    tMs: 0,
    state: "active",
    projectorC: 40,
    matC: 38,
    projectorSetC: 40,
    matSetC: 38,
    projectorDuty: 20,
    matDuty: 20,
    positionMm: 300,
    targetMm: 300,
    speedMmS: 0,
    lift: 2,
    motorMa: 300,
    loadKg: 72,
    flags: TLM_FLAGS.homed,
    ...over,
  };
}

/** Feeds `frames` readings 100 ms apart (the load cells jitter under a breathing person); returns the first trip. */
function feed(sup: SafetySupervisor, frames: number, make: (i: number) => Partial<Telemetry>, startMs = 0) {
  for (let i = 0; i < frames; i++) {
    const trip = sup.onTelemetry(tlm({ loadKg: 72 + (i % 7) * 0.1, ...make(i) }), startMs + i * 100);
    if (trip) return trip;
  }
  return undefined;
}

describe("safety supervisor", () => {
  it("a calm session at sane temperatures never trips", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    expect(feed(sup, 6000, (i) => ({ positionMm: 100 + (i % 400) }))).toBeUndefined();
  });

  it("projector element above its 65 °C ceiling → S_ELEMENT_OVER, high, naming the zone", () => {
    // A jump (a runaway between two frames): the ceiling is checked before anything uses the reading.
    const trip = feed(new SafetySupervisor(TEST_IDENTITY, 0), 10, (i) => ({ projectorC: i < 5 ? 40 : 67, projectorSetC: 65 }));
    expect(trip).toMatchObject({ code: "S_ELEMENT_OVER", priority: "high", zone: "projector", limit: 65 });
  });

  it("a reading out of the sensor's range (open thermistor) → S_SENSOR_RANGE before anything uses it", () => {
    expect(feed(new SafetySupervisor(TEST_IDENTITY, 0), 3, () => ({ matC: -40 }))).toMatchObject({ code: "S_SENSOR_RANGE", zone: "mat" });
  });

  it("a reading that is not a number → S_SENSOR_RANGE, and the dose protection is not poisoned", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    expect(sup.onTelemetry(tlm({ projectorC: Number.NaN }), 0)).toMatchObject({ code: "S_SENSOR_RANGE", zone: "projector" });
  });

  it("a projector dwelling hot on one spot accumulates dose and trips at 10 % of the burn threshold", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    // 52 °C held still: skin estimate 47.5 °C, under the IEC 48 °C ceiling, so the dose decides.
    const trip = feed(sup, 60_000, () => ({ projectorC: 52, projectorSetC: 52, positionMm: 400 }));
    expect(trip?.code).toBe("S_BURN_DOSE");
    expect(sup.doses.projector.fraction).toBeGreaterThanOrEqual(DOSE_TRIP_FRACTION);
    expect(sup.doses.projector.fraction).toBeLessThan(DOSE_TRIP_FRACTION * 1.05);
  });

  it("Moritz–Henriques: 44 °C skin for one minute is one minute of burn dose; 43 °C doubles the time", () => {
    const t = new SkinDoseTracker();
    // k = 1 makes skin = element for the check.
    for (let ms = 0; ms <= 60_000; ms += 100) t.update(ms, 44, 1);
    expect(t.current.doseS).toBeCloseTo(60, 0);
    expect(t.current.fraction).toBeCloseTo(60 / BURN_DOSE_S, 5);
    const cooler = new SkinDoseTracker();
    for (let ms = 0; ms <= 60_000; ms += 100) cooler.update(ms, 43, 1);
    expect(cooler.current.doseS).toBeCloseTo(30, 0);
  });

  it("heater driven hard but not warming for 45 s → S_NO_RISE (heater dead or sensor off the element)", () => {
    const trip = feed(new SafetySupervisor(TEST_IDENTITY, 0), 600, () => ({ projectorC: 25, projectorSetC: 50, projectorDuty: 100 }));
    expect(trip).toMatchObject({ code: "S_NO_RISE", zone: "projector" });
    expect(trip!.atMs).toBeGreaterThanOrEqual(45_000);
    expect(trip!.atMs).toBeLessThanOrEqual(45_100);
  });

  it("heater off but the element keeps warming past body temperature → S_OFF_RISING (stuck switch)", () => {
    const trip = feed(new SafetySupervisor(TEST_IDENTITY, 0), 600, (i) => ({ matC: 38 + i * 0.05, matSetC: 0, matDuty: 0 }));
    expect(trip).toMatchObject({ code: "S_OFF_RISING", zone: "mat" });
  });

  it("a mat heater stuck on while holding its setpoint (+0.04 K/s, the simulator's rate) → S_OFF_RISING within 30 s of passing setpoint + 1 °C", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    // 45 °C setpoint; the element climbs from 45 at 0.04 K/s: it passes 46 °C after 25 s.
    const trip = feed(sup, 3000, (i) => ({ matC: 45 + i * 0.004, matSetC: 45, matDuty: 30 }));
    expect(trip).toMatchObject({ code: "S_OFF_RISING", zone: "mat", unit: "°C" });
    expect(trip!.atMs - 25_000).toBeLessThanOrEqual(30_000);
  });

  it("a healthy heater switched off at full power: its sensor catches up a few tenths, never a runaway", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    // Rising 0.1 K/s at full power, then off: a 2 s sensor lag adds ≈ 0.2 °C before the fall.
    const c = (i: number) => (i < 100 ? 40 + i * 0.01 : 41 + 0.2 * (1 - Math.exp(-(i - 100) / 20)) - (i - 100) * 0.003);
    expect(feed(sup, 1200, (i) => ({ projectorC: c(i), projectorSetC: i < 100 ? 48 : 0, projectorDuty: i < 100 ? 100 : 0 }))).toBeUndefined();
  });

  it("a zone that keeps warming after its power cut opened → S_HEATER_NOT_CUT, raised even after an earlier trip", () => {
    const sup = new SafetySupervisor({ ...TEST_IDENTITY, caps: [...TEST_IDENTITY.caps, "heat.cut"] }, 0);
    expect(feed(sup, 600, (i) => ({ matC: 46 + i * 0.01, matSetC: 0, matDuty: 0 }))?.code).toBe("S_OFF_RISING");
    const cut = TLM_FLAGS.homed | TLM_FLAGS.cutProjector | TLM_FLAGS.cutMat;
    expect(feed(sup, 600, (i) => ({ state: "safe", matC: 48 + i * 0.01, matSetC: 0, matDuty: 0, flags: cut }), 60_000)).toMatchObject({ code: "S_HEATER_NOT_CUT", zone: "mat" });
  });

  it("the power cut working: the zone cools after the cut, nothing more is raised", () => {
    const sup = new SafetySupervisor({ ...TEST_IDENTITY, caps: [...TEST_IDENTITY.caps, "heat.cut"] }, 0);
    feed(sup, 600, (i) => ({ matC: 46 + i * 0.01, matSetC: 0, matDuty: 0 }));
    const cut = TLM_FLAGS.homed | TLM_FLAGS.cutProjector | TLM_FLAGS.cutMat;
    expect(feed(sup, 3000, (i) => ({ state: "safe", matC: 52 - i * 0.003, matSetC: 0, matDuty: 0, flags: cut }), 60_000)).toBeUndefined();
  });

  it("IEC 60601-1 table 24: skin estimate over 43 °C for 10 minutes in all → S_SKIN_OVER_43; over 48 °C at all → S_SKIN_OVER_48", () => {
    // A still projector at 48 °C: estimate 34 + 0.75 × 14 = 44.5 °C, dose rate 2^0.5 (a 10-min hold stays under the dose trip).
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    const trip = feed(sup, 12_000, () => ({ projectorC: 48, projectorSetC: 48, positionMm: 400 }));
    expect(trip).toMatchObject({ code: "S_SKIN_OVER_43", zone: "projector", unit: "ms" });
    expect(trip!.atMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(trip!.atMs).toBeLessThan(10 * 60_000 + 60_000);
    const hot = feed(new SafetySupervisor(TEST_IDENTITY, 0), 600, () => ({ projectorC: 58, projectorSetC: 58, positionMm: 400 }));
    expect(hot).toMatchObject({ code: "S_SKIN_OVER_48", zone: "projector" });
  });

  it("readings that repeat exactly for 5 s with someone on the bed → S_TELEMETRY_FROZEN; an empty bed's steady readings do not", () => {
    const frozen = (load: number) => {
      const sup = new SafetySupervisor(TEST_IDENTITY, 0);
      for (let i = 0; i < 100; i++) {
        const trip = sup.onTelemetry(tlm({ loadKg: load, motorMa: 40 }), i * 100);
        if (trip) return trip;
      }
      return undefined;
    };
    expect(frozen(72)).toMatchObject({ code: "S_TELEMETRY_FROZEN" });
    expect(frozen(0)).toBeUndefined();
  });

  it("a cold element warmed by a person lying on it is not a runaway", () => {
    expect(feed(new SafetySupervisor(TEST_IDENTITY, 0), 3000, (i) => ({ projectorC: 22 + Math.min(12, i * 0.01), projectorSetC: 0, projectorDuty: 0 }))).toBeUndefined();
  });

  it("carriage commanded to move but not moving for 2 s → S_CARRIAGE_STALL", () => {
    const trip = feed(new SafetySupervisor(TEST_IDENTITY, 0), 50, () => ({ positionMm: 300, targetMm: 500, flags: TLM_FLAGS.homed | TLM_FLAGS.moving }));
    expect(trip?.code).toBe("S_CARRIAGE_STALL");
  });

  it("a short current peak at a reversal is not a stall; a sustained over-current is", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    expect(feed(sup, 1, () => ({ motorMa: 2900 }))).toBeUndefined();
    expect(feed(sup, 5, () => ({ motorMa: 300 }), 100)).toBeUndefined();
    expect(feed(sup, 5, () => ({ motorMa: 2900 }), 1000)?.code).toBe("S_CARRIAGE_STALL");
  });

  it("session longer than 60 min plus its cool-down allowance → S_SESSION_CAP", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    expect(sup.onTelemetry(tlm({}), SESSION_CAP_MS)).toBeUndefined();
    expect(sup.onTelemetry(tlm({ loadKg: 71 }), SESSION_CAP_MS + SESSION_CAP_GRACE_MS + 1)?.code).toBe("S_SESSION_CAP");
  });

  it("stale telemetry is reported as S_TELEMETRY_STALE (medium), and only the first trip counts", () => {
    const sup = new SafetySupervisor(TEST_IDENTITY, 0);
    expect(sup.staleTelemetry(1000, 600, 500)).toMatchObject({ code: "S_TELEMETRY_STALE", priority: "medium" });
    expect(sup.staleTelemetry(1100, 700, 500)).toBeUndefined();
    expect(sup.trip?.code).toBe("S_TELEMETRY_STALE");
  });
});
