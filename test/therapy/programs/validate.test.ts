// A technician hands in a program file that breaks one rule: it is rejected, naming the field and the allowed range.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateProgram } from "../../../src/therapy/programs/validate.ts";
import type { ProgramSource } from "../../../src/therapy/programs/schema.ts";
import { expectError, validProgram } from "./fixtures.ts";

type Edit = (p: ProgramSource) => void;
const broken = (edit: Edit) => {
  const p = validProgram();
  edit(p);
  return validateProgram(p);
};
const step0 = (p: ProgramSource) => p.steps[0]!;

describe("a program definition that breaks a rule is rejected with its field and range", () => {
  it("the fixture itself is valid, and parsing fills every step's setpoints from the zone defaults", () => {
    const r = validateProgram(validProgram());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.program.steps[0]!.heat).toEqual({ projectorC: 48, matC: 44 });
  });

  it("projector setpoint above the 65 °C element ceiling", () => {
    expectError(broken((p) => (step0(p).heat = { projectorC: 70 })), "steps[0].heat.projectorC", /0–65 °C/, /got 70/);
  });

  it("mat setpoint above the 60 °C element ceiling", () => {
    expectError(broken((p) => (p.zones = { mat: { setpointC: 61 } })), "zones.mat.setpointC", /0–60 °C/);
    expectError(broken((p) => (step0(p).heat = { matC: 61 })), "steps[0].heat.matC", /0–60 °C/);
  });

  it("a dwell held too long for its temperature names the hold table", () => {
    const r = broken((p) => {
      p.technique = "myofascial-release";
      p.steps = [{ label: "Hot hold", durationMs: 10 * 60_000, lift: 2, heat: { projectorC: 56, matC: 0 }, motion: { kind: "dwell", at: "thoracolumbar", holdMs: 110_000 } }];
    });
    expectError(r, "steps[0].heat.projectorC", /hold too long for its temperature/, /10 min/, /<= 46 °C any length/, /above 52\.7 °C no hold/);
  });

  it("two back-to-back dwells on the same point count as one hold", () => {
    const hold = { label: "Hold", durationMs: 6 * 60_000, lift: 2, heat: { projectorC: 50, matC: 0 }, motion: { kind: "dwell" as const, at: "lumbar@0.5" as const, holdMs: 100_000 } };
    const r = broken((p) => {
      p.technique = "myofascial-release";
      p.steps = [hold, { ...hold }];
    });
    expectError(r, "steps[1].heat.projectorC", /hold too long/, /12 min \(steps 0–1\)/);
  });

  it("the leg mat left hot for the whole session is a hold too long for its temperature", () => {
    expectError(broken((p) => (p.zones = { mat: { setpointC: 60 } })), "steps[1].heat.matC", /hold too long/, /25 min/);
  });

  it("myofascial release: element capped so the skin stays <= 43 °C", () => {
    const r = broken((p) => {
      p.technique = "myofascial-release";
      p.steps = [{ label: "Hold", durationMs: 2 * 60_000, lift: 2, heat: { projectorC: 48 }, motion: { kind: "dwell", at: "sacral", holdMs: 100_000 } }];
    });
    expectError(r, "steps[0].heat.projectorC", /0–46 °C for a dwell in myofascial-release/, /skin-side cap 43 °C/);
  });

  it("a sweep hotter than relaxation's 42 °C skin cap allows", () => {
    expectError(broken((p) => (step0(p).heat = { projectorC: 60 })), "steps[0].heat.projectorC", /0–50 °C for a sweep/, /cap 42 °C/);
  });

  it("creep faster than 2 mm/s", () => {
    const r = broken((p) => {
      p.technique = "myofascial-release";
      step0(p).motion = { kind: "creep", from: "thoracolumbar", to: "lumbar", speedMmS: 3 };
    });
    expectError(r, "steps[0].motion.speedMmS", /1–2 mm\/s/, /creep/);
  });

  it("lift 0 while the carriage sweeps, and lift above 0 while parked", () => {
    expectError(broken((p) => (step0(p).lift = 0)), "steps[0].lift", /1–6 while the carriage works/);
    expectError(broken((p) => (step0(p).motion = { kind: "park" })), "steps[0].lift", /must be 0 while parked/);
    expectError(broken((p) => (step0(p).lift = 7)), "steps[0].lift", /0–6/);
  });

  it("pressure above the technique's table range", () => {
    expectError(broken((p) => (step0(p).lift = 3)), "steps[0].lift", /at most 2 for full-body-relaxation/, /0–2/);
  });

  it("speed outside 1–50 mm/s, and deep pressure faster than 10 mm/s", () => {
    expectError(broken((p) => (step0(p).motion = { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 60 })), "steps[0].motion.speedMmS", /1–50 mm\/s/);
    expectError(broken((p) => (step0(p).motion = { kind: "sweep", from: "cervical", to: "sacral", speedMmS: 0.5 })), "steps[0].motion.speedMmS", /1–50 mm\/s/);
    const r = broken((p) => {
      p.technique = "deep-tissue";
      p.family = "deep-tissue";
      step0(p).lift = 5;
    });
    expectError(r, "steps[0].motion.speedMmS", /1–10 mm\/s at lift 4–6/, /got 15/);
  });

  it("a region that does not exist", () => {
    const r = broken((p) => (step0(p).motion = { kind: "sweep", from: "lumbr" as "lumbar", to: "sacral", speedMmS: 15 }));
    expectError(r, "steps[0].motion.from.region", /region does not exist: "lumbr"/, /cervical, thoracic, lumbar, sacral, spine/);
    const part = broken((p) => (step0(p).motion = { kind: "sweep", from: "thoracic:bottom" as "thoracic", to: "sacral", speedMmS: 15 }));
    expectError(part, "steps[0].motion.from.part", /upper-third, middle-third, lower-third/);
    const frac = broken((p) => (step0(p).motion = { kind: "sweep", from: "lumbar@1.5", to: "sacral", speedMmS: 15 }));
    expectError(frac, "steps[0].motion.from.fraction", /0–1/);
  });

  it("zero or negative durations", () => {
    expectError(broken((p) => (step0(p).durationMs = 0)), "steps[0].durationMs", /> 0 and <= 3600000 ms/, /got 0/);
    expectError(broken((p) => (step0(p).durationMs = -5000)), "steps[0].durationMs", /> 0/, /got -5000/);
  });

  it("a session over 60 minutes, counting the cool-down", () => {
    expect(broken((p) => (step0(p).durationMs = 38 * 60_000)).ok, "exactly 60 min is allowed").toBe(true);
    const over = broken((p) => (step0(p).durationMs = 39 * 60_000));
    expectError(over, "steps", /steps 59 min \+ cool-down 2 min = 61 min/, /at most 60 min/);
  });

  it("a cool-down shorter than a minute, with heat, or missing", () => {
    expectError(broken((p) => (p.coolDown = { durationMs: 30_000 })), "coolDown.durationMs", /60000–600000 ms/);
    const heated = broken((p) => Object.assign(p.coolDown, { heat: { projectorC: 40 } }));
    expectError(heated, "coolDown.heat", /unknown field/, /heaters off/);
    expectError(broken((p) => delete (p as Partial<ProgramSource>).coolDown), "coolDown", /is required/, /cool-down/);
  });

  it("a roller program without, or over, the 136 kg weight limit", () => {
    expectError(broken((p) => delete p.maxWeightKg), "maxWeightKg", /<= 136 kg/);
    expectError(broken((p) => (p.maxWeightKg = 150)), "maxWeightKg", /<= 136 kg/, /got 150/);
  });

  it("a heat-only program that moves the carriage", () => {
    const r = broken((p) => {
      p.requiresRoller = false;
      p.technique = "heat-therapy";
    });
    expectError(r, "steps[0].motion.kind", /must be "park"/);
  });

  it("holds in a technique without them, too many trigger-point repeats, wrong pause", () => {
    expectError(broken((p) => (step0(p).motion = { kind: "dwell", at: "lumbar", holdMs: 3000 })), "steps[0].motion.kind", /has no holds/);
    const trig = (m: object) =>
      broken((p) => {
        p.technique = "trigger-point";
        p.family = "deep-tissue";
        p.steps[0] = { label: "Point", durationMs: 5 * 60_000, lift: 4, heat: { projectorC: 45 }, motion: { kind: "dwell", at: "lumbar@0.5", holdMs: 45_000, ...m } };
      });
    expectError(trig({ repeats: 4, offMs: 15_000 }), "steps[0].motion.repeats", /1–3 for trigger-point/);
    expectError(trig({ repeats: 3, offMs: 5_000 }), "steps[0].motion.offMs", /10000–20000 ms/);
    expectError(trig({ holdMs: 90_000 }), "steps[0].motion.holdMs", /1–60000 ms/);
  });

  it("a dwell pattern that can't fit in its step", () => {
    const r = broken((p) => {
      p.technique = "trigger-point";
      p.steps[0] = { label: "Point", durationMs: 60_000, lift: 4, heat: { projectorC: 45 }, motion: { kind: "dwell", at: "lumbar", holdMs: 45_000, repeats: 3, offMs: 15_000 } };
    });
    expectError(r, "steps[0].motion.holdMs", /must fit in the step's durationMs 60000/);
  });

  it("family promises: spinal walks segments, thermal heats", () => {
    expectError(broken((p) => (p.family = "spinal")), "steps", /segments/);
    expectError(broken((p) => (p.zones = {})), "steps", /thermal program must heat/);
  });

  it("unknown fields, a bad id, an unknown motion, and input that isn't a program", () => {
    expectError(broken((p) => Object.assign(step0(p), { temp: 40 })), "steps[0].temp", /unknown field "temp"/);
    expectError(broken((p) => (p.id = "Deep Tissue")), "id", /kebab-case/);
    expectError(broken((p) => Object.assign(step0(p), { motion: { kind: "jump" } })), "steps[0].motion.kind", /park, sweep, strokes, dwell, creep, segments/);
    expectError(validateProgram([1, 2]), "(program)", /program object/);
    expectError(validateProgram(null), "(program)", /program object/);
  });

  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = validateProgram(input);
        return r.ok || r.errors.every((e) => typeof e.path === "string" && e.message.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});
