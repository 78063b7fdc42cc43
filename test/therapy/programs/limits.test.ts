// The validation hold table is consistent with the brief's skin limits and the burn-dose budget.
import { describe, expect, it } from "vitest";
import * as L from "../../../src/therapy/programs/limits.ts";
import { stationaryMs } from "../../../src/therapy/programs/rules.ts";

describe("hold table for stationary contact", () => {
  it("each row stays inside IEC 60601-1 (43 °C >= 10 min, 48 °C 1–10 min) and 5 % of the burn dose", () => {
    for (const row of L.SKIN_HOLD_LIMITS) {
      expect(row.skinMaxC).toBeLessThanOrEqual(48);
      if (row.skinMaxC > 43) expect(row.maxHoldMs).toBeLessThanOrEqual(10 * 60_000);
      if (Number.isFinite(row.maxHoldMs)) expect(L.doseEquivalentMin(row.skinMaxC, row.maxHoldMs)).toBeLessThanOrEqual(L.HOLD_DOSE_BUDGET_MIN);
    }
    expect(L.HOLD_DOSE_BUDGET_MIN).toBeLessThan(0.1 * L.BURN_DOSE_MIN_AT_44C);
  });

  it("the projector held still (the supervisor's k 0.75): <= 46 °C any length, none above about 52.7 °C", () => {
    const k = L.PROJECTOR_CONTACT_FRACTION.stationary;
    expect(L.maxHoldMsForSkin(L.skinEstimateC(46, k))).toBe(Number.POSITIVE_INFINITY);
    expect(L.maxHoldMsForSkin(L.skinEstimateC(48, k))).toBe(10 * 60_000);
    expect(L.maxHoldMsForSkin(L.skinEstimateC(50, k))).toBe(4 * 60_000);
    expect(L.maxHoldMsForSkin(L.skinEstimateC(52, k))).toBe(60_000);
    expect(L.maxHoldMsForSkin(L.skinEstimateC(53, k))).toBe(0);
    expect(L.maxHoldMsForSkin(L.skinEstimateC(65, k))).toBe(0);
  });

  it("a creep or a sweep keeps a spot under the projector for the contact patch's length at its speed", () => {
    const step = { label: "c", durationMs: 600_000, lift: 2, heat: { projectorC: 46, matC: 0 }, motion: { kind: "creep" as const, from: { region: "lumbar" as const }, to: { region: "sacral" as const }, speedMmS: 2 } };
    expect(stationaryMs(step)).toBe((L.PROJECTOR_CONTACT_MM / 2) * 1000);
    expect(stationaryMs({ ...step, motion: { kind: "sweep", from: { region: "lumbar" }, to: { region: "sacral" }, speedMmS: 20 } })).toBe((L.PROJECTOR_CONTACT_MM / 20) * 1000);
  });
});
