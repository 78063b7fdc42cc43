// A heater switch that welds shut mid-program (heater-stuck-on): the supervisor sees the zone warm
// while it is commanded off within 30 s, the session's SAFE opens that zone's power cut, the element
// never passes its ceiling, and the person's true skin is over 43 °C for at most a minute.
import { describe, expect, it } from "vitest";
import type { Zone } from "../../protocols/constants.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { runOnSimulator } from "./harness.ts";

/** Element ceilings (brief): projector 65 °C, mat 60 °C. */
const CEILING_C: Record<Zone, number> = { projector: 65, mat: 60 };
/** Warming-while-off must be seen this soon after the zone is commanded off (issue 9, after Marlin's watch). */
const DETECT_WITHIN_MS = 30_000;

const CASES: { program: string; zone: Zone; atS: number }[] = [
  { program: "swedish", zone: "projector", atS: 300 },
  { program: "swedish", zone: "mat", atS: 600 },
  { program: "deep-tissue", zone: "projector", atS: 600 },
  { program: "deep-tissue", zone: "mat", atS: 300 },
  { program: "myofascial-release", zone: "projector", atS: 420 },
  { program: "heat-only", zone: "mat", atS: 900 },
  { program: "heat-only", zone: "projector", atS: 120 },
];

describe("a stuck heater switch is cut before it can burn", () => {
  for (const c of CASES) {
    it(`${c.program}, ${c.zone} stuck at ${c.atS} s → S_OFF_RISING within ${DETECT_WITHIN_MS / 1000} s of being commanded off, power cut, element under ${CEILING_C[c.zone]} °C, skin over 43 °C ≤ 60 s`, async () => {
      let offSinceMs: number | undefined;
      let sessionStartMs = 0;
      const { result, truth, sim } = await runOnSimulator({
        program: c.program,
        faults: parseFaultSpec(`heater-stuck-on:${c.zone}@${c.atS}s`),
        settleMs: 2_000,
        during: (_session, clock, simBed) => {
          sessionStartMs = clock.now();
          // When the zone is first commanded off after the fault (setpoint 0, or the element above
          // its setpoint, where its loop is cutting back): the supervisor's clock starts there.
          const watch = clock.setInterval(() => {
            if (clock.now() < c.atS * 1000) return;
            const z = simBed.truth.zones[c.zone];
            if (z.setC === 0 || z.sensorC > z.setC + 1) {
              offSinceMs = clock.now();
              clock.clearInterval(watch);
            }
          }, 100);
        },
      });
      const trip = result.faults.find((f) => f.code === "S_OFF_RISING");
      expect(trip, JSON.stringify(result.faults)).toMatchObject({ zone: c.zone, priority: "high" });
      expect(trip!.text).toContain("Help the person off the bed");
      expect(offSinceMs).toBeDefined();
      expect(sessionStartMs + trip!.atMs - offSinceMs!).toBeLessThanOrEqual(DETECT_WITHIN_MS);
      expect(result.outcome).toBe("faulted");
      expect(truth.maxElementC[c.zone]).toBeLessThanOrEqual(CEILING_C[c.zone]);
      expect(truth.skinOver43Ms[c.zone]).toBeLessThanOrEqual(60_000);
      // The stuck switch is still stuck; only the open power cut keeps the element unpowered.
      expect(sim.truth.zones[c.zone].powerCut).toBe(true);
      expect(sim.truth.zones[c.zone].heaterPowerW).toBe(0);
    });
  }
});
