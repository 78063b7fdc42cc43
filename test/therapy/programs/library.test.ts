// The built-in library: every program validates, the runner's week is covered, and the special programs exist.
import { describe, expect, it } from "vitest";
import { BUILT_IN_SOURCES, builtInPrograms, findProgram, programIds } from "../../../src/therapy/programs/library.ts";
import { validateProgram, sessionMs } from "../../../src/therapy/programs/validate.ts";
import { WEEKLY_SCHEDULE } from "../../../src/therapy/programs/suggest.ts";
import { TECHNIQUE_CAPS } from "../../../src/therapy/programs/techniques.ts";

describe("built-in program library", () => {
  it.each(BUILT_IN_SOURCES.map((p) => [p.id, p] as const))("%s passes validateProgram", (_id, source) => {
    const r = validateProgram(source);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it("has at least ten programs with unique ids", () => {
    expect(builtInPrograms().length).toBeGreaterThanOrEqual(10);
    expect(new Set(programIds()).size).toBe(programIds().length);
  });

  it("covers each day of the runner's week with a program of that day's technique and length", () => {
    for (const [day, plan] of Object.entries(WEEKLY_SCHEDULE)) {
      const p = findProgram(plan.programId);
      expect(p, `${day}: ${plan.programId}`).toBeDefined();
      const [minMin, maxMin] = TECHNIQUE_CAPS[p!.technique].minutesHint;
      const minutes = sessionMs(p!) / 60_000;
      expect(minutes, `${p!.id} length`).toBeGreaterThanOrEqual(minMin);
      expect(minutes, `${p!.id} length`).toBeLessThanOrEqual(maxMin);
    }
    const techniques = Object.values(WEEKLY_SCHEDULE).map((d) => findProgram(d.programId)!.technique);
    expect(new Set(techniques)).toEqual(
      new Set(["full-body-relaxation", "deep-tissue", "myofascial-release", "sports-massage", "swedish", "post-run-recovery", "trigger-point"]),
    );
  });

  it("has a heat-only program that never moves the carriage, for people over the roller limit", () => {
    const p = findProgram("heat-only")!;
    expect(p.requiresRoller).toBe(false);
    expect(p.maxWeightKg).toBeUndefined();
    expect(p.steps.every((s) => s.motion.kind === "park" && s.lift === 0)).toBe(true);
    expect(p.steps.some((s) => s.heat.projectorC > 0 || s.heat.matC > 0)).toBe(true);
  });

  it("has a spinal program that walks the spine segment by segment", () => {
    const p = findProgram("spinal-walk")!;
    expect(p.family).toBe("spinal");
    const walk = p.steps.find((s) => s.motion.kind === "segments");
    expect(walk?.motion).toMatchObject({ kind: "segments", from: { region: "cervical" }, to: { region: "sacral" } });
  });

  it("offers quick 10 and 20 minute options", () => {
    const lengths = builtInPrograms().map((p) => sessionMs(p) / 60_000);
    expect(lengths).toContain(10);
    expect(lengths).toContain(20);
    expect(findProgram("quick-10-relax")).toBeDefined();
    expect(findProgram("quick-20-back")).toBeDefined();
  });

  it("every roller program carries the 136 kg limit and every program ends with a cool-down of a minute or more", () => {
    for (const p of builtInPrograms()) {
      if (p.requiresRoller) expect(p.maxWeightKg, p.id).toBeLessThanOrEqual(136);
      expect(p.coolDown.durationMs, p.id).toBeGreaterThanOrEqual(60_000);
      expect(sessionMs(p), p.id).toBeLessThanOrEqual(60 * 60_000);
    }
  });

  it("an unknown id finds nothing", () => {
    expect(findProgram("no-such-program")).toBeUndefined();
  });
});
