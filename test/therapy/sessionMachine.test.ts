// Model-based tests of the session machine: xstate/graph walks every state and every
// transition from the start, with the events an operator, the bed and the timers can send.
import { describe, expect, it } from "vitest";
import { createActor, type AnyStateNode, type SnapshotFrom } from "xstate";
import { getAdjacencyMap, getShortestPaths } from "xstate/graph";
import { sessionMachine, type SessionEvent } from "../../src/therapy/sessionMachine.ts";
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

const EVENTS: SessionEvent[] = [
  { type: "LINK_HANDSHAKING", atMs: 0 },
  { type: "LINK_UP", atMs: 0 },
  { type: "LINK_LOST", atMs: 0 },
  { type: "LINK_FAILED", atMs: 0, text: "no answer" },
  { type: "CONFIRM", atMs: 0, cover: true, screening: true },
  { type: "OCCUPANCY", atMs: 0, present: true, weightKg: 72 },
  { type: "OCCUPANCY", atMs: 0, present: true, weightKg: 150 },
  { type: "OCCUPANCY", atMs: 0, present: false, weightKg: 0 },
  { type: "HOMED", atMs: 0 },
  { type: "SCAN_DONE", atMs: 0, spine },
  { type: "SCAN_FAILED", atMs: 0, text: "flat trace" },
  { type: "PAUSE", atMs: 0 },
  { type: "RESUME", atMs: 0 },
  { type: "STOP", atMs: 0 },
  { type: "ABORT", atMs: 0 },
  { type: "ESTOP", atMs: 0, source: "operator" },
  { type: "FAULT", atMs: 0, code: "S_BURN_DOSE", priority: "high", text: "dose" },
  after("phaseRemaining", "running.step"),
  after("phaseRemaining", "coolingDown"),
  after("prechecksTimeout", "prechecks"),
  after("homingTimeout", "homing"),
  after("scanTimeout", "scanning"),
  after("pauseTimeout", "paused"),
  after("linkLostTimeout", "linkLost"),
  after("resumeOfferTimeout", "resumeOffer"),
];

// States are told apart by what the machine's guards read, not by timestamps.
function serialize(snap: SnapshotFrom<typeof sessionMachine>): string {
  const c = snap.context;
  return JSON.stringify([snap.value, c.occupied, c.weightKg, c.confirmations, c.stepIndex, c.resumeTo, c.spine !== undefined]);
}

const traversal = { events: EVENTS, input: { program }, serializeState: serialize as never };

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
  "completed",
  "stopped",
  "faulted",
  "estopped",
];

function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((n) => allStateNodes(n as AnyStateNode))];
}

describe("session machine (model-based, xstate/graph)", () => {
  const paths = getShortestPaths(sessionMachine, traversal);
  const reached = new Set(paths.map((p) => stateName(p.state.value)));

  it("reaches every state the bed can be in", () => {
    for (const s of ALL_STATES) expect(reached, `state ${s}`).toContain(s);
  });

  it("takes every declared transition at least once", () => {
    const adjacency = getAdjacencyMap(sessionMachine, traversal);
    const taken = new Set<string>();
    for (const entry of Object.values(adjacency)) {
      for (const [eventKey, step] of Object.entries(entry.transitions)) {
        const next = (step as { state: SnapshotFrom<typeof sessionMachine> }).state;
        const type = (JSON.parse(eventKey) as { type: string }).type;
        const before = entry.state as SnapshotFrom<typeof sessionMachine>;
        if (before.status !== "active") continue;
        const changed = serialize(before) !== serialize(next) || JSON.stringify(before.context.reason) !== JSON.stringify(next.context.reason);
        if (!changed) continue;
        // Attribute the transition to the deepest active state that declares a handler for the event.
        const handlers = before._nodes.filter((n: AnyStateNode) => n.on[type] !== undefined || type.startsWith(`xstate.after.`) && n.after.some((t) => t.eventType === type));
        for (const h of handlers) taken.add(`${h.id}:${type}`);
      }
    }
    const declared: string[] = [];
    for (const node of allStateNodes(sessionMachine.root)) {
      for (const type of Object.keys(node.on)) declared.push(`${node.id}:${type}`);
      for (const t of node.after) declared.push(`${node.id}:${t.eventType}`);
    }
    const missing = declared.filter((d) => !taken.has(d));
    expect(declared.length).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  it("every path ends with the bed made safe: final states run their safe-state action", () => {
    const finals = sessionMachine.root.states;
    const names = (n: AnyStateNode) => n.entry.map((a) => (typeof a === "string" ? a : (a as { type: string }).type));
    expect(names(finals.completed!)).toContain("parkAndIdle");
    expect(names(finals.stopped!)).toContain("parkAndIdle");
    expect(names(finals.faulted!)).toContain("makeSafe");
    expect(names(finals.estopped!)).toContain("emergencyStop");
  });

  it("person over the roller weight limit → stopped with a reason that names the limit", () => {
    const actor = createActor(sessionMachine, { input: { program } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "OCCUPANCY", atMs: 10, present: true, weightKg: 150 });
    expect(stateName(actor.getSnapshot().value)).toBe("stopped");
    expect(actor.getSnapshot().context.reason?.text).toMatch(/150 kg .*136 kg/);
  });

  it("pause keeps the time left in the step and resume re-arms exactly that", () => {
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "OCCUPANCY", atMs: 0, present: true, weightKg: 70 });
    actor.send({ type: "HOMED", atMs: 1_000 });
    actor.send({ type: "SCAN_DONE", atMs: 30_000, spine });
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
    actor.send({ type: "OCCUPANCY", atMs: 0, present: true, weightKg: 70 });
    actor.send({ type: "HOMED", atMs: 1_000 });
    actor.send({ type: "SCAN_DONE", atMs: 30_000, spine });
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

  it("a persisted snapshot restored after a link loss resumes where it was", () => {
    const actor = createActor(sessionMachine, { input: { program, confirmations: { cover: true, screening: true } } }).start();
    actor.send({ type: "LINK_UP", atMs: 0 });
    actor.send({ type: "OCCUPANCY", atMs: 0, present: true, weightKg: 70 });
    actor.send({ type: "HOMED", atMs: 1_000 });
    actor.send({ type: "SCAN_DONE", atMs: 30_000, spine });
    actor.send({ type: "LINK_LOST", atMs: 45_000 });
    const saved = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    const restored = createActor(sessionMachine, { input: { program }, snapshot: saved }).start();
    expect(stateName(restored.getSnapshot().value)).toBe("linkLost");
    restored.send({ type: "LINK_UP", atMs: 60_000 });
    expect(stateName(restored.getSnapshot().value)).toBe("resumeOffer");
    restored.send({ type: "RESUME", atMs: 61_000 });
    expect(stateName(restored.getSnapshot().value)).toBe("running.step");
    expect(restored.getSnapshot().context.phaseDeadlineMs).toBe(61_000 + 45_000);
    restored.stop();
  });
});
