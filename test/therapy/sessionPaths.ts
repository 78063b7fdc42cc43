// Abstract session paths for replay on the real stack: what the world can do to a session (an
// operator, the person on the bed, the cable, the bed's faults), the machine events each causes,
// and, from xstate/graph over the pure session machine, for every state and every world event one
// path that arrives in the state and then applies the event.
import { initialTransition, transition, type SnapshotFrom } from "xstate";
import { getShortestPaths } from "xstate/graph";
import { regionsFromSpan } from "../../protocols/spine.ts";
import type { ProgramDefinition } from "../../src/therapy/programs/schema.ts";
import { stateName } from "../../src/therapy/session.ts";
import { OUTCOMES, sessionMachine, type AfterLinkLoss, type SessionEvent } from "../../src/therapy/sessionMachine.ts";

export type Snap = SnapshotFrom<typeof sessionMachine>;

/** What the world can do to a running session; each has a real action on the stack (pathReplay.ts). */
export const WORLD_EVENTS = ["pause", "resume", "stop", "abort", "estop", "estopIgnored", "personOff", "personOn", "unplug", "reboot", "bedEstop", "brownout", "sensorOpen", "silence", "jam", "heaterStuck"] as const;
export type WorldEvent = (typeof WORLD_EVENTS)[number];

/** The states in which the session is still at work: every world event is applied in each of them. */
export const WORKING_STATES = ["linking.connecting", "prechecks", "homing", "scanning", "running.step", "paused", "coolingDown", "linkLost", "resumeOffer", "parking", "safing", "estopping"] as const;
/** The last orders before an outcome (the machine's ending states). */
export const ENDING_STATES: ReadonlySet<string> = new Set(["parking", "safing", "estopping"]);
export const FINAL_STATES: ReadonlySet<string> = new Set(OUTCOMES);

/**
 * States the real stack passes through without a moment in which anything can happen, so no event
 * can be injected there: the runner's start() sends LINK_HANDSHAKING and LINK_UP in one synchronous
 * call (the bed is already connected), and never sends LINK_HANDSHAKING again afterwards (a link
 * that comes back after a loss is LINK_UP straight from linking.connecting).
 */
export const UNREACHABLE_ON_REAL_STACK: Readonly<Record<string, string>> = {
  "linking.handshaking": "entered only inside TherapySession.start(), which sends LINK_HANDSHAKING and LINK_UP in the same synchronous call",
};

const PERSON_KG = 75;
const at0 = { atMs: 0 };
const SPINE = { startMm: 60, endMm: 740, lengthMm: 680, regions: regionsFromSpan(60, 740) };

/** The link is down in these states: nothing the bed says can reach the session until it is back. */
const linkDown = (state: string): boolean => state.startsWith("linking") || state === "linkLost";

/**
 * The machine events a world event causes in an (abstract) snapshot, in order; [] when nothing
 * reaches the session now; "latent" for faults that act only if the bed happens to be doing
 * something they break (a jam stops nothing standing still, a stuck heater shows only once warm).
 */
export function machineEventsOf(w: WorldEvent, snap: Snap): SessionEvent[] | "latent" {
  const state = stateName(snap.value);
  const fromBed = (e: SessionEvent): SessionEvent[] => (linkDown(state) ? [] : [e]);
  switch (w) {
    case "pause":
      return [{ type: "PAUSE", ...at0 }];
    case "resume":
      return [{ type: "RESUME", ...at0 }];
    case "stop":
      return [{ type: "STOP", ...at0 }];
    case "abort":
      return [{ type: "ABORT", ...at0 }];
    // A bed that ignores its emergency stop: the press is the same; the driver giving up on the bed
    // (GAVE_UP) follows once telemetry does not confirm it.
    case "estop":
    case "estopIgnored":
      return [{ type: "ESTOP", ...at0, source: "operator" }];
    case "personOff":
      // The session pauses only after the debounce, and only where it is working with the person.
      return snap.context.occupied ? fromBed({ type: "PRESENCE", ...at0, present: false, weightKg: 0 }).concat(linkDown(state) ? [] : [{ type: "OCCUPANCY_LOST", ...at0 }]) : [];
    case "personOn":
      return snap.context.occupied ? [] : fromBed({ type: "PRESENCE", ...at0, present: true, weightKg: PERSON_KG });
    case "unplug":
    case "reboot":
      return fromBed({ type: "LINK_LOST", ...at0 });
    case "bedEstop":
      return fromBed({ type: "DEVICE_EVENT", ...at0, code: "E_ESTOP", priority: "high", text: "The bed's emergency stop engaged." });
    case "brownout":
      return fromBed({ type: "DEVICE_EVENT", ...at0, code: "W_BROWNOUT", priority: "high", text: "Supply brown-out." });
    case "sensorOpen":
      return fromBed({ type: "DEVICE_EVENT", ...at0, code: "E_SENSOR_OPEN", priority: "high", zone: "projector", text: "Temperature sensor open." });
    case "silence":
      // Telemetry stops for a second: the supervisor trips on stale telemetry (no device event).
      return fromBed({ type: "FAULT", ...at0, code: "S_TELEMETRY_STALE", priority: "medium", text: "No fresh telemetry from the bed." });
    case "jam":
    case "heaterStuck":
      return "latent";
  }
}

/** The world event a machine event in a prefix is replayed with (LINK_LOST: the cable is pulled). */
function worldEventOf(e: SessionEvent): WorldEvent | undefined {
  switch (e.type) {
    case "PAUSE":
      return "pause";
    case "RESUME":
      return "resume";
    case "STOP":
      return "stop";
    case "ABORT":
      return "abort";
    case "ESTOP":
      return "estop";
    case "PRESENCE":
      return e.present ? "personOn" : "personOff";
    case "LINK_LOST":
      return "unplug";
    case "DEVICE_EVENT":
      return e.code === "E_ESTOP" ? "bedEstop" : e.code === "W_BROWNOUT" ? "brownout" : "sensorOpen";
    case "FAULT":
      return "silence";
    default:
      return undefined;
  }
}

const done = (actor: string, output?: unknown) => ({ type: `xstate.done.actor.${actor}`, output }) as unknown as SessionEvent;
const after = (delay: string, stateId: string) => ({ type: `xstate.after.${delay}.session.${stateId}` }) as unknown as SessionEvent;

/** What happens by itself on the real stack (the work finishing, the phase timers, the link coming back): replayed by waiting. */
function automaticEvents(snap: Snap): SessionEvent[] {
  const state = stateName(snap.value);
  // Someone got off where the session works with them: within the 800 ms debounce it pauses,
  // before any work (seconds long) can finish.
  if (!snap.context.occupied && snap.can({ type: "OCCUPANCY_LOST", ...at0 })) return [{ type: "OCCUPANCY_LOST", ...at0 }];
  const out: SessionEvent[] = [];
  if (state === "linking.connecting" || state === "linkLost") out.push({ type: "LINK_UP", ...at0 });
  if (state === "homing") out.push(done("prepare"));
  if (state === "scanning") out.push(done("scan", { spine: SPINE, atMs: 0 }));
  if (state === "running.step") out.push(after("phaseRemaining", "running.step"));
  if (state === "coolingDown") out.push(after("phaseRemaining", "coolingDown"));
  if (state === "parking") out.push(done("park"));
  if (state === "safing") out.push(done("faultSafe"));
  if (state === "estopping") out.push(done("emergencyStop"));
  return out;
}

/** Events offered to the traversal in a snapshot: the first machine event of every world event that has one, and what happens by itself. */
function offeredEvents(snap: Snap): SessionEvent[] {
  if (snap.status !== "active") return [];
  const out: SessionEvent[] = [];
  const seen = new Set<string>();
  for (const w of WORLD_EVENTS) {
    const m = machineEventsOf(w, snap);
    if (m === "latent" || m.length === 0) continue;
    const key = JSON.stringify(m[0]);
    if (!seen.has(key)) out.push(m[0]!);
    seen.add(key);
  }
  return out.concat(automaticEvents(snap));
}

const INTERRUPTED = new Set(["paused", "linkLost", "resumeOffer"]);

/** What of a snapshot the replay must see on the real stack: the state and what its guards read. */
export function featuresOf(snap: Snap): string {
  const c = snap.context;
  const state = stateName(snap.value);
  const interrupted = INTERRUPTED.has(state);
  const inStep = state === "running.step" || (interrupted && c.resumeTo === "running");
  return JSON.stringify([state, c.occupied, inStep ? c.stepIndex : -1, interrupted ? c.resumeTo : "", interrupted && c.wasPaused, state === "parking" ? c.ending : ""]);
}

export const stateOfFeatures = (features: string): string => (JSON.parse(features) as [string])[0];

/** Traversal vertices: the features, plus whether the homing run is behind (a release used) and a spine known. */
function serializeSnap(snap: Snap): string {
  return JSON.stringify([featuresOf(snap), snap.context.releaseAllowed, snap.context.spine !== undefined, snap.status]);
}

export type ReplayStep =
  /** Do `event` while the session is in `from`, then expect `to` (equal to `from`: no visible change). */
  | { kind: "world"; event: WorldEvent; from: string; to: string }
  /** Wait for what happens by itself: the session reaches `to`. */
  | { kind: "wait"; cause: string; to: string };

/** How the session is run: at the panel (staff decide after a link loss) or unattended (`bedlink run`). */
export interface SessionPolicy {
  afterLinkLoss: AfterLinkLoss;
  vacancyWaitMs?: number;
}

export interface PathCase {
  /** "roller:running.step/pause": the program, the state and the event applied in it; also how to select the case. */
  id: string;
  state: string;
  event: WorldEvent;
  policy: SessionPolicy;
  /** Someone lies on the bed when the session starts (the path's first step is PRESENCE true in pre-checks). */
  personAtStart: boolean;
  steps: ReplayStep[];
  /** The state the last event leads to in the machine; undefined when it changes nothing that can be awaited. */
  expectState: string | undefined;
  /** The abstract path, for the report. */
  describe: string;
}

/** Rough time the real stack spends in a state before its next step (for choosing cheap paths; the scan runs telemetry at 50 Hz). */
const DWELL_COST: Record<string, number> = { homing: 12, scanning: 80, "running.step": 60, coolingDown: 40, linkLost: 8, "linking.connecting": 8, parking: 3, safing: 2 };

/**
 * The case for (state, event): among the shortest paths to snapshots of that state, the one in
 * which the event changes most (the state, else what its guards read), then — for parking and
 * safing — one that comes from the scan or later (the carriage under the controller's orders, so
 * there is a real parking run to disturb), then the cheapest to replay.
 */
function chooseCase(label: string, policy: SessionPolicy, state: string, event: WorldEvent, paths: ReturnType<typeof traverse>): PathCase | undefined {
  let best: { score: number[]; c: PathCase } | undefined;
  for (const path of paths) {
    if (stateName(path.state.value) !== state) continue;
    const snap = path.state;
    const events = machineEventsOf(event, snap);
    let target: Snap | undefined;
    if (events !== "latent") {
      target = snap;
      for (const e of events) target = transition(sessionMachine, target, e)[0];
    }
    const changesState = target !== undefined && stateName(target.value) !== state;
    const changesGuards = target !== undefined && featuresOf(target) !== featuresOf(snap);
    const visited = path.steps.map((s) => stateName(s.state.value));
    const fromScan = visited.includes("scanning");
    const cost = path.steps.reduce((sum, s) => sum + (DWELL_COST[stateName(s.state.value)] ?? 1), 0);
    const score = [changesState ? 0 : 1, changesGuards ? 0 : 1, (state === "parking" || state === "safing") && !fromScan ? 1 : 0, cost];
    if (best && !lexLess(score, best.score)) continue;
    best = { score, c: toCase(`${label}:${state}/${event}`, policy, state, event, path, target) };
  }
  return best?.c;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

function toCase(id: string, policy: SessionPolicy, state: string, event: WorldEvent, path: ReturnType<typeof traverse>[number], target: Snap | undefined): PathCase {
  // steps[0] is the start (xstate.init); each later step is the event and the snapshot it led to.
  const steps: ReplayStep[] = [];
  let personAtStart = false;
  const words: string[] = [];
  for (let i = 1; i < path.steps.length; i++) {
    const before = path.steps[i - 1]!.state;
    const { event: e, state: after } = path.steps[i]!;
    const w = worldEventOf(e);
    if (i === 1 && w === "personOn") {
      // Sessions start with the person lying down: the first telemetry brings them.
      personAtStart = true;
      steps.push({ kind: "wait", cause: "person on the bed at the start", to: featuresOf(after) });
      words.push(`person on at start → ${stateName(after.value)}`);
      continue;
    }
    if (w) steps.push({ kind: "world", event: w, from: featuresOf(before), to: featuresOf(after) });
    else steps.push({ kind: "wait", cause: e.type, to: featuresOf(after) });
    words.push(w ?? e.type.replace(/^xstate\.(done\.actor|after)\./, "").replace(/\.session\..*$/, ""));
    words.push(`→ ${stateName(after.value)}`);
  }
  const expectState = target && stateName(target.value) !== state ? stateName(target.value) : undefined;
  steps.push({ kind: "world", event, from: featuresOf(path.state), to: target ? featuresOf(target) : featuresOf(path.state) });
  words.push(`${event}${expectState ? ` → ${expectState}` : ""}`);
  return { id, policy, state, event, personAtStart, steps, expectState, describe: words.join(" ") };
}

function traverse(program: ProgramDefinition, policy: SessionPolicy) {
  // From the moment the runner has linked (start() sends LINK_HANDSHAKING and LINK_UP at once).
  const input = { program, confirmations: { cover: true, screening: true }, ...policy };
  let start = initialTransition(sessionMachine, input)[0];
  for (const e of [{ type: "LINK_HANDSHAKING", ...at0 }, { type: "LINK_UP", ...at0 }] as const) start = transition(sessionMachine, start, e)[0];
  return getShortestPaths(sessionMachine, { input, fromState: start, events: offeredEvents, serializeState: serializeSnap as never });
}

export interface PathPlan {
  cases: PathCase[];
  /** Every state the traversal reaches (working and final). */
  reachable: Set<string>;
  /** Pairs without a case, with why. */
  unreachable: { id: string; why: string }[];
}

/**
 * Every (working state, world event) pair of the program with the path that replays it; `label`
 * names the program in case ids. States the program never enters (a heat-only program does not
 * home or scan) are listed as unreachable with that reason.
 */
export function planPaths(label: string, program: ProgramDefinition, policy: SessionPolicy = { afterLinkLoss: "ask" }): PathPlan {
  const paths = traverse(program, policy);
  const reachable = new Set(paths.map((p) => stateName(p.state.value)));
  const cases: PathCase[] = [];
  const unreachable: { id: string; why: string }[] = [];
  for (const [state, why] of Object.entries(UNREACHABLE_ON_REAL_STACK)) for (const event of WORLD_EVENTS) unreachable.push({ id: `${label}:${state}/${event}`, why });
  for (const state of WORKING_STATES) {
    for (const event of WORLD_EVENTS) {
      const c = chooseCase(label, policy, state, event, paths);
      if (c) cases.push(c);
      else unreachable.push({ id: `${label}:${state}/${event}`, why: reachable.has(state) ? "no path in the machine with the events the real world can cause" : "the program never enters it (no carriage: no homing, no scan)" });
    }
  }
  return { cases, reachable, unreachable };
}
