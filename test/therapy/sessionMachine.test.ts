// Model-based tests of the session machine: xstate/graph walks every state and every
// transition from the start, with the events an operator, the bed, the timers and the work the
// machine orders (done and error of each invoked actor) can send.
import { describe, expect, it } from "vitest";
import { createActor, SimulatedClock, type AnyStateNode, type SnapshotFrom } from "xstate";
import { getAdjacencyMap, getShortestPaths } from "xstate/graph";
import { BedlinkError, ErrorCode } from "../../src/errors.ts";
import { OUTCOMES, sessionMachine, OCCUPANCY_LOSS_PAUSE_MS, type AfterLinkLoss, type SessionEvent } from "../../src/therapy/sessionMachine.ts";
import { stateName } from "../../src/therapy/session.ts";
import type { ProgramDefinition } from "../../src/therapy/programs/schema.ts";
import { regionsFromSpan } from "../../protocols/spine.ts";

const program: ProgramDefinition = {
  id: "test-two-steps",
  name: "Two steps",
  family: "thermal",
  technique: "full-body-relaxation",
  description: "test",
  maxWeightKg: 136,
  requiresRoller: true,
  zones: {},
  steps: [
    { label: "warm", durationMs: 60_000, heat: { projectorC: 45, matC: 40 }, lift: 1, motion: { kind: "sweep", from: { region: "cervical" }, to: { region: "sacral" }, speedMmS: 15 } },
    { label: "hold", durationMs: 30_000, heat: { projectorC: 45, matC: 40 }, lift: 2, motion: { kind: "dwell", at: { region: "lumbar" }, holdMs: 20_000 } },
  ],
  coolDown: { durationMs: 60_000 },
};

const spine = { startMm: 60, endMm: 740, lengthMm: 680, regions: regionsFromSpan(60, 740) };
const after = (delay: string, stateId: string) => ({ type: `xstate.after.${delay}.session.${stateId}` }) as unknown as SessionEvent;
const done = (actor: string, output?: unknown) => ({ type: `xstate.done.actor.${actor}`, output }) as unknown as SessionEvent;
const failed = (actor: string, code?: ErrorCode) => ({ type: `xstate.error.actor.${actor}`, error: code === undefined ? new Error("boom") : new BedlinkError(code, "x") }) as unknown as SessionEvent;

const WORK = ["prepare", "scan", "step", "pauseOutputs", "coolDown", "quietOutputs", "park", "faultSafe", "emergencyStop"];

const EVENTS: SessionEvent[] = [
  { type: "LINK_HANDSHAKING", atMs: 0 },
  { type: "LINK_UP", atMs: 0 },
  { type: "LINK_LOST", atMs: 0 },
  { type: "LINK_FAILED", atMs: 0, text: "no answer" },
  { type: "CONFIRM", atMs: 0, cover: true, screening: true },
  { type: "PRESENCE", atMs: 0, present: true, weightKg: 72 },
  { type: "PRESENCE", atMs: 0, present: true, weightKg: 150 },
  { type: "PRESENCE", atMs: 0, present: false, weightKg: 0 },
  { type: "OCCUPANCY_LOST", atMs: 0 },
  { type: "PAUSE", atMs: 0 },
  { type: "RESUME", atMs: 0 },
  { type: "STOP", atMs: 0 },
  { type: "ABORT", atMs: 0 },
  { type: "ESTOP", atMs: 0, source: "operator" },
  { type: "DEVICE_EVENT", atMs: 0, code: "E_ESTOP", priority: "high", text: "estop" },
  { type: "DEVICE_EVENT", atMs: 0, code: "E_CUTOUT", priority: "high", text: "cut-out" },
  { type: "DEVICE_EVENT", atMs: 0, code: "I_HOMED", priority: "low", text: "homed" },
  { type: "FAULT", atMs: 0, code: "S_BURN_DOSE", priority: "high", text: "dose" },
  { type: "FAULT", atMs: 0, code: "S_HEATER_NOT_CUT", priority: "high", text: "not cut", zone: "mat" },
  { type: "GAVE_UP", atMs: 0, text: "did not stop" },
  after("vacancyWait", "prechecks"),
  after("vacancyWait", "paused"),
  done("prepare"),
  done("scan", { spine, atMs: 0 }),
  done("park"),
  done("faultSafe"),
  done("emergencyStop"),
  ...WORK.flatMap((w) => [failed(w), failed(w, ErrorCode.DeviceNotComplying), failed(w, ErrorCode.DeviceLatched), failed(w, ErrorCode.CommandNotApplied)]),
  after("phaseRemaining", "running.step"),
  after("phaseRemaining", "coolingDown"),
  after("prechecksTimeout", "prechecks"),
  after("homingTimeout", "homing"),
  after("scanTimeout", "scanning"),
  after("pauseTimeout", "paused"),
  after("linkLostTimeout", "linkLost"),
  after("resumeOfferTimeout", "resumeOffer"),
];

type Snap = SnapshotFrom<typeof sessionMachine>;

// States are told apart by what the machine's guards read, not by timestamps.
function serialize(snap: Snap): string {
  const c = snap.context;
  return JSON.stringify([snap.value, c.occupied, c.weightKg, c.confirmations, c.stepIndex, c.resumeTo, c.wasPaused, c.ending, c.spine !== undefined, c.reason?.code]);
}

// Unattended runs (abort, resume) also give up on an empty bed; the panel (ask) waits for staff.
const traversal = (afterLinkLoss: AfterLinkLoss) => ({ events: EVENTS, input: { program, afterLinkLoss, vacancyWaitMs: afterLinkLoss === "ask" ? undefined : 120_000 }, serializeState: serialize as never });

const ALL_STATES = [
  "linking.connecting",
  "linking.handshaking",
  "prechecks",
  "homing",
  "scanning",
  "running.step",
  "paused",
  "coolingDown",
  "linkLost",
  "resumeOffer",
  "parking",
  "safing",
  "estopping",
  ...OUTCOMES,
];

/** The only ways into an outcome without the ending work: the bed can no longer be commanded. */
const UNCOMMANDABLE = /^(GAVE_UP|LINK_FAILED|LINK_LOST|xstate\.after\.linkLostTimeout.*|xstate\.error\.actor\..*)$/;

function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((n) => allStateNodes(n as AnyStateNode))];
}

describe("session machine (model-based, xstate/graph)", () => {
  const policies: AfterLinkLoss[] = ["ask", "abort", "resume"];
  const adjacencies = policies.map((p) => getAdjacencyMap(sessionMachine, traversal(p)));

  it("reaches every state the bed can be in", () => {
    const reached = new Set(policies.flatMap((p) => getShortestPaths(sessionMachine, traversal(p)).map((path) => stateName(path.state.value))));
    for (const s of ALL_STATES) expect(reached, `state ${s}`).toContain(s);
  });

  it("takes every declared transition at least once", () => {
    const taken = new Set<string>();
    for (const adjacency of adjacencies) {
      for (const entry of Object.values(adjacency)) {
        for (const [eventKey, step] of Object.entries(entry.transitions)) {
          const next = (step as { state: Snap }).state;
          const type = (JSON.parse(eventKey) as { type: string }).type;
          const before = entry.state as Snap;
          if (before.status !== "active" || serialize(before) === serialize(next)) continue;
          // Attribute the transition to every active state that declares a handler for the event.
          const handlers = before._nodes.filter((n: AnyStateNode) => n.on[type] !== undefined || (type.startsWith("xstate.") && n.after.some((t) => t.eventType === type)));
          for (const h of handlers) taken.add(`${h.id}:${type}`);
        }
      }
    }
    const declared: string[] = [];
    for (const node of allStateNodes(sessionMachine.root)) {
      for (const [type, transitions] of Object.entries(node.on)) {
        // Forbidden transitions (an empty handler) are declared on purpose and never change anything.
        if ((transitions as unknown as { target?: unknown; actions: readonly unknown[] }[]).every((t) => !t.target && t.actions.length === 0)) continue;
        declared.push(`${node.id}:${type}`);
      }
      for (const t of node.after) declared.push(`${node.id}:${t.eventType}`);
    }
    const missing = declared.filter((d) => !taken.has(d));
    expect(declared.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it("every outcome is reached through the work that makes the bed safe, unless the bed can no longer be commanded", () => {
    const ending = new Set(["parking", "safing", "estopping"]);
    const bad: string[] = [];
    for (const adjacency of adjacencies) {
      for (const entry of Object.values(adjacency)) {
        const before = entry.state as Snap;
        if (before.status !== "active") continue;
        for (const [eventKey, step] of Object.entries(entry.transitions)) {
          const to = stateName((step as { state: Snap }).state.value);
          const from = stateName(before.value);
          const type = (JSON.parse(eventKey) as { type: string }).type;
          if (!(OUTCOMES as readonly string[]).includes(to) || ending.has(from) || UNCOMMANDABLE.test(type)) continue;
          bad.push(`${from} --${type}--> ${to}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("person over the roller weight limit → parking, with a reason that names the limit", () => {
    const actor = createActor(sessionMachine, { input: { program } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "PRESENCE", atMs: 10, present: true, weightKg: 150 });
    expect(stateName(actor.getSnapshot().value)).toBe("parking");
    expect(actor.getSnapshot().context.reason?.code).toBe("OVERWEIGHT");
    expect(actor.getSnapshot().context.reason?.text).toContain("150 kg");
    actor.stop();
  });

  it("pause keeps the time left in the step and resume re-arms exactly that", () => {
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "PRESENCE", atMs: 0, present: true, weightKg: 70 });
    actor.send(done("prepare"));
    actor.send(done("scan", { spine, atMs: 30_000 }));
    actor.send({ type: "PAUSE", atMs: 50_000 });
    expect(actor.getSnapshot().context.phaseRemainingMs).toBe(40_000);
    actor.send({ type: "RESUME", atMs: 200_000 });
    expect(actor.getSnapshot().context.phaseDeadlineMs).toBe(240_000);
    expect(stateName(actor.getSnapshot().value)).toBe("running.step");
    actor.stop();
  });

  it("paused, then the link drops and comes back: resume returns to paused, not to heat and motion", () => {
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "PRESENCE", atMs: 0, present: true, weightKg: 70 });
    actor.send(done("prepare"));
    actor.send(done("scan", { spine, atMs: 30_000 }));
    actor.send({ type: "PAUSE", atMs: 40_000 });
    actor.send({ type: "LINK_LOST", atMs: 45_000 });
    actor.send({ type: "LINK_UP", atMs: 50_000 });
    actor.send({ type: "RESUME", atMs: 51_000 });
    expect(stateName(actor.getSnapshot().value)).toBe("paused");
    actor.send({ type: "RESUME", atMs: 60_000 });
    expect(stateName(actor.getSnapshot().value)).toBe("running.step");
    expect(actor.getSnapshot().context.phaseDeadlineMs).toBe(60_000 + 50_000);
    actor.stop();
  });

  it("the person gets up: paused only after the debounce; back on within it, the program carries on", () => {
    const clock = new SimulatedClock();
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } }, clock }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "PRESENCE", atMs: 0, present: true, weightKg: 70 });
    actor.send(done("prepare"));
    actor.send(done("scan", { spine, atMs: 0 }));
    actor.send({ type: "PRESENCE", atMs: 1000, present: false, weightKg: 3 });
    clock.increment(OCCUPANCY_LOSS_PAUSE_MS - 100);
    actor.send({ type: "PRESENCE", atMs: 1700, present: true, weightKg: 70 });
    clock.increment(1000);
    expect(stateName(actor.getSnapshot().value)).toBe("running.step");
    actor.send({ type: "PRESENCE", atMs: 3000, present: false, weightKg: 3 });
    clock.increment(OCCUPANCY_LOSS_PAUSE_MS);
    expect(stateName(actor.getSnapshot().value)).toBe("paused");
    expect(actor.getSnapshot().context.reason?.code).toBe("OCCUPANCY_LOST");
    actor.stop();
  });

  it("unattended runs decide at once when the link is back: abort parks and stops, resume carries on", () => {
    for (const [policy, expected] of [["abort", "parking"], ["resume", "running.step"]] as const) {
      const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true }, afterLinkLoss: policy } }).start();
      actor.send({ type: "LINK_UP", atMs: 0 });
      actor.send({ type: "PRESENCE", atMs: 0, present: true, weightKg: 70 });
      actor.send(done("prepare"));
      actor.send(done("scan", { spine, atMs: 0 }));
      actor.send({ type: "LINK_LOST", atMs: 10_000 });
      actor.send({ type: "LINK_UP", atMs: 20_000 });
      expect(stateName(actor.getSnapshot().value), policy).toBe(expected);
      actor.stop();
    }
  });

  it("operator commands are offered only where they mean something", () => {
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } } }).start();
    const can = (type: "PAUSE" | "RESUME" | "STOP" | "ABORT") => actor.getSnapshot().can({ type, atMs: 0 });
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "PRESENCE", atMs: 0, present: true, weightKg: 70 });
    actor.send(done("prepare"));
    actor.send(done("scan", { spine, atMs: 0 }));
    expect([can("PAUSE"), can("RESUME"), can("STOP"), can("ABORT")]).toEqual([true, false, true, false]);
    actor.send({ type: "STOP", atMs: 1 });
    expect(stateName(actor.getSnapshot().value)).toBe("parking");
    expect([can("PAUSE"), can("RESUME"), can("STOP"), can("ABORT")]).toEqual([false, false, false, false]);
    actor.stop();
  });
});
