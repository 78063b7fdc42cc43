// Someone lies down while the self-test runs: the load is looked at again right before a heater is
// switched on and before every lift level, so nobody is heated or pressed by a technician test;
// the carriage test, like the lift test, refuses to run the track under a person.
import { describe, expect, it } from "vitest";
import type { SimulatedBed } from "../../simulator/index.ts";
import type { BedDriver } from "../../src/device/bed.ts";
import { runDiagOnSim } from "./harness.ts";

/** A driver that notes the bed's true load whenever `method` is called with a value above 0. */
function recordLoadOn(method: "setHeat" | "setLift", seen: { value: number; loadKg: number }[]) {
  return (bed: BedDriver, sim: SimulatedBed): BedDriver =>
    Object.create(bed, {
      [method]: {
        value: async (...args: [never, number] | [number]) => {
          const value = args.at(-1) as number;
          if (value > 0) seen.push({ value, loadKg: sim.truth.loadKg });
          return (bed[method] as (...a: unknown[]) => Promise<unknown>).apply(bed, args);
        },
      },
    });
}

describe("someone gets on the bed during the heater test", () => {
  it("lies down as the mat heater test begins (empty at its first look) → refused before the mat heater is switched on", async () => {
    const heatOn: { value: number; loadKg: number }[] = [];
    const run = await runDiagOnSim({
      onProgress: (p, sim) => {
        if (p.kind === "check-start" && p.ids.includes("heater.mat")) sim.personGetsOn({ heightCm: 175, weightKg: 80 });
      },
      wrapBed: recordLoadOn("setHeat", heatOn),
    });
    expect(heatOn.filter((x) => x.loadKg >= 20)).toEqual([]);
    expect(run.maxSetC.mat).toBe(0);
    expect(run.check("heater.mat").status).toBe("refused");
    expect(run.check("heater.mat").message).toMatch(/someone is on the bed \(load \d+(\.\d)? kg ≥ 20 kg\): the heater test needs an empty bed/);
  }, 60_000);
});

describe("someone gets on the bed during the lift test", () => {
  it("lies down as level 1 is set → no level is pressed with 20 kg or more on the bed, the lift is retracted, the check is refused", async () => {
    const pressed: { value: number; loadKg: number }[] = [];
    const run = await runDiagOnSim({
      onProgress: (p, sim) => {
        if (p.kind === "check-step" && p.id === "lift" && p.text === "level 1") sim.personGetsOn({ heightCm: 175, weightKg: 80 });
      },
      wrapBed: recordLoadOn("setLift", pressed),
    });
    expect(pressed.filter((x) => x.loadKg >= 20).map((x) => x.value)).toEqual([]);
    expect(pressed.map((x) => x.value)).not.toContain(6);
    expect(run.check("lift").status).toBe("refused");
    expect(run.check("lift").message).toMatch(/^stopped before level \d: someone got on the bed \(load \d+(\.\d)? kg ≥ 20 kg\); lift retracted$/);
    expect(run.end.lift).toBe(0);
  }, 60_000);
});

describe("someone on the bed from the start", () => {
  it("carriage test refused like the lift test: no homing or travel is commanded under them", async () => {
    const driven: string[] = [];
    let inCarriageCheck = false;
    const run = await runDiagOnSim({
      person: { heightCm: 178, weightKg: 80 },
      onProgress: (p) => {
        if (p.kind === "check-start") inCarriageCheck = p.ids.includes("carriage");
      },
      wrapBed: (bed) =>
        Object.create(bed, {
          home: { value: () => (inCarriageCheck && driven.push("home"), bed.home()) },
          moveTo: { value: (mm: number, speedMmS: number) => (inCarriageCheck && driven.push(`moveTo ${mm}`), bed.moveTo(mm, speedMmS)) },
        }),
    });
    expect(driven).toEqual([]);
    expect(run.check("carriage")).toMatchObject({ status: "refused" });
    expect(run.check("carriage").message).toMatch(/someone is on the bed \(load \d+(\.\d)? kg ≥ 20 kg\): the carriage test runs the full track and needs an empty bed/);
    expect(run.check("limitSwitches").status).toBe("refused");
  }, 60_000);
});
