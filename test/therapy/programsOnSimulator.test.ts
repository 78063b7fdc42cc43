// Every built-in program, on the simulator, for a short, an average and a tall person.
import { describe, expect, it } from "vitest";
import { builtInPrograms } from "../../src/therapy/programs/library.ts";
import { runOnSimulator } from "./harness.ts";

const PEOPLE = [
  { name: "short", heightCm: 155, weightKg: 52 },
  { name: "average", heightCm: 175, weightKg: 75 },
  { name: "tall", heightCm: 195, weightKg: 98 },
];

describe("built-in programs on the simulator", () => {
  for (const program of builtInPrograms()) {
    for (const person of PEOPLE) {
      it(`${program.id} for a ${person.name} person (${person.heightCm} cm) → completed, steps on plan, heaters off and carriage parked`, async () => {
        const { result, truth } = await runOnSimulator({ program, person });
        expect(result.outcome, JSON.stringify(result.faults)).toBe("completed");
        expect(result.violations).toEqual([]);
        expect(result.steps.every((s) => s.actualStartMs !== undefined)).toBe(true);
        for (const s of result.steps) expect(Math.abs(s.actualStartMs! - s.plannedStartMs), s.label).toBeLessThanOrEqual(100);
        // The bed itself (ground truth): limits never crossed, and left safe.
        expect(truth.maxElementC.projector).toBeLessThanOrEqual(65);
        expect(truth.maxElementC.mat).toBeLessThanOrEqual(60);
        expect(truth.maxSkinC).toBeLessThan(45);
        // The controller's skin estimate is conservative: never below what the skin really reached.
        expect(result.maxSkinC).toBeGreaterThanOrEqual(truth.maxSkinC);
        expect(truth.end.projectorSetC).toBe(0);
        expect(truth.end.matSetC).toBe(0);
        expect(truth.end.lift).toBe(0);
        expect(Math.abs(truth.end.speedMmS)).toBeLessThan(0.5);
        expect(truth.end.positionMm).toBeLessThan(5);
      });
    }
  }
});
