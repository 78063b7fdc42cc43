// Every session path on the real stack: for every state of the session machine and every event the
// world can cause there, xstate/graph gives a path that arrives in the state and applies the event;
// each is replayed on the session runner and the simulator in virtual time, the event at a seeded
// random offset inside the state, over several seeds, and a wire-level safety monitor judges every run.
// One case: BEDLINK_PATHS=roller:running.step/pause BEDLINK_SEEDS=2 npx vitest run test/therapy/sessionPaths.test.ts
// BEDLINK_VERBOSE=1 prints every run's path, injections and states; BEDLINK_AFTER_END_MS=900000
// watches the bed a quarter of an hour after each end (see afterTheEnd.test.ts for what that shows).
import { afterAll, describe, expect, it } from "vitest";
import type { ProgramDefinition } from "../../src/therapy/programs/schema.ts";
import { measureDwell, replayCase, type DwellSource, type ReplayResult } from "./pathReplay.ts";
import { SHORT_HEAT_ONLY, SHORT_ROLLER } from "./pathPrograms.ts";
import { FINAL_STATES, planPaths, UNREACHABLE_ON_REAL_STACK, WORKING_STATES, WORLD_EVENTS, type PathCase, type SessionPolicy } from "./sessionPaths.ts";

const TEST_FILE = "test/therapy/sessionPaths.test.ts";

// At the panel staff decide after a link loss; an unattended run (`bedlink run --after-link-loss
// resume`, default --occupancy-wait) carries on by itself, re-homing a bed that rebooted.
const PROGRAMS: { label: string; program: ProgramDefinition; policy: SessionPolicy }[] = [
  { label: "roller", program: SHORT_ROLLER, policy: { afterLinkLoss: "ask" } },
  { label: "heat", program: SHORT_HEAT_ONLY, policy: { afterLinkLoss: "ask" } },
  { label: "unattended", program: SHORT_ROLLER, policy: { afterLinkLoss: "resume", vacancyWaitMs: 120_000 } },
];
const SEEDS = (process.env.BEDLINK_SEEDS ?? "1,2,3").split(",").map(Number);
const ONLY = process.env.BEDLINK_PATHS?.split(",");
const selected = (id: string): boolean => !ONLY || ONLY.includes(id);

const plans = PROGRAMS.map(({ label, program, policy }) => ({ label, program, plan: planPaths(label, program, policy) }));

// How long the real stack stays in a state by itself, measured once per program, path prefix and
// seed (virtual time is deterministic), so that events go in at a random offset inside the state.
const dwells = new Map<string, Promise<number>>();
const dwellOf =
  (program: ProgramDefinition, seed: number): DwellSource =>
  (c, index) => {
    const step = c.steps[index]!;
    const key = JSON.stringify([program.id, c.policy, seed, c.personAtStart, c.steps.slice(0, index), step.kind === "world" ? step.from : ""]);
    let d = dwells.get(key);
    if (!d) dwells.set(key, (d = measureDwell(c, index, program, seed, dwellOf(program, seed))));
    return d;
  };

const visited = new Set<string>();
const delivered = new Set<string>();
const tally = { runs: 0, ended: 0, endedUncommandable: 0 };

const reproduce = (c: PathCase, seed: number): string => `BEDLINK_PATHS=${c.id} BEDLINK_SEEDS=${seed} npx vitest run ${TEST_FILE}`;

function report(c: PathCase, seed: number, r: ReplayResult): string {
  const trail = r.log.map((e) => `${e.atMs} ${e.features}`).slice(-12);
  return [
    `reproduce: ${reproduce(c, seed)}`,
    `path: ${c.describe}`,
    ...r.divergence.map((d) => `did not follow the path: ${d}`),
    ...r.violations.map((v) => `safety: ${v}`),
    `injected: ${r.injections.join("; ")}`,
    `outcome: ${r.outcome ?? "(still running when the replay ended)"}${r.endedCommandable === false ? " (the bed no longer commandable)" : ""}`,
    `last states: ${trail.join(" | ")}`,
  ].join("\n");
}

describe("every session path on the real stack (xstate/graph paths × seeds, wire-level safety monitor)", () => {
  it("the plan has a path for every state and every world event, except states the real stack cannot stop in", () => {
    const roller = plans[0]!.plan;
    const pairs = new Set(roller.cases.map((c) => c.id));
    const missing = WORKING_STATES.flatMap((s) => WORLD_EVENTS.map((e) => `roller:${s}/${e}`)).filter((id) => !pairs.has(id));
    expect(missing).toEqual([]);
    for (const s of [...WORKING_STATES, ...FINAL_STATES]) expect(roller.reachable, s).toContain(s);
  });

  for (const { program, plan } of plans) {
    for (const c of plan.cases.filter((x) => selected(x.id))) {
      for (const seed of SEEDS) {
        it(`${c.id} seed ${seed}`, async () => {
          const r = await replayCase(c, program, seed, dwellOf(program, seed));
          tally.runs++;
          if (r.outcome) tally.ended++;
          if (r.endedCommandable === false) tally.endedUncommandable++;
          for (const e of r.log) visited.add(JSON.parse(e.features)[0] as string);
          for (const d of r.delivered) delivered.add(d);
          if (process.env.BEDLINK_VERBOSE) console.log(report(c, seed, r));
          if (r.divergence.length || r.violations.length) expect.fail(report(c, seed, r));
        });
      }
    }
  }

  it.skipIf(ONLY !== undefined)("the replays visited every state the real stack can be in", () => {
    const expected = [...WORKING_STATES, ...FINAL_STATES].filter((s) => !(s in UNREACHABLE_ON_REAL_STACK));
    expect(expected.filter((s) => !visited.has(s))).toEqual([]);
  });

  afterAll(() => {
    if (process.env.BEDLINK_VERBOSE) console.log(`machine events delivered on the real stack, by state:\n${[...delivered].sort().join("\n")}`);
    const cases = plans.flatMap((p) => p.plan.cases).filter((c) => selected(c.id));
    const unreachable = plans.flatMap((p) => p.plan.unreachable).filter((u) => selected(u.id));
    const byWhy = new Map<string, string[]>();
    for (const u of unreachable) byWhy.set(u.why, [...new Set([...(byWhy.get(u.why) ?? []), u.id.split("/")[0]!])]);
    const why = [...byWhy].map(([text, states]) => `${states.join(", ")}: ${text}`);
    console.log(
      `replayed ${cases.length} paths × ${SEEDS.length} seeds = ${cases.length * SEEDS.length} runs ` +
        `(${cases.length + unreachable.length} state/event pairs over ${plans.length} programs/policies; ${unreachable.length} unreachable on the real stack: ${why.join("; ")})\n` +
        `${tally.runs} runs done and judged, ${dwells.size} calibration runs; ${delivered.size} distinct (state, machine event) deliveries; ` +
        `${tally.ended} runs reached an outcome, ${tally.endedUncommandable} of them with the bed out of the controller's reach (heaters judged a lease later)`,
    );
  });
});
