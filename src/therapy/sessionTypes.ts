// What a session reports: its outcome, faults, step timing, the live view the panel shows, and
// the time left, derived from the machine's own deadlines.
import type { SnapshotFrom } from "xstate";
import type { Priority, Zone } from "../../protocols/constants.ts";
import { OUTCOMES, type Outcome, type sessionMachine, type SessionReason } from "./sessionMachine.ts";

export type { Outcome } from "./sessionMachine.ts";
export const FINAL_STATES: readonly Outcome[] = OUTCOMES;

/** What an operator can ask of a running session. */
export type SessionCommand = "pause" | "resume" | "stop" | "abort";

export interface SessionFault {
  code: string;
  priority: Priority;
  text: string;
  atMs: number;
  zone?: Zone;
  source: "supervisor" | "device" | "session";
}

export interface StepTiming {
  index: number;
  label: string;
  plannedStartMs: number;
  actualStartMs: number | undefined;
}

export interface SessionResult {
  program: string;
  outcome: Outcome;
  reason: SessionReason | undefined;
  virtualDurationS: number;
  steps: StepTiming[];
  maxElementC: Record<Zone, number>;
  maxSkinC: number;
  doseFraction: number;
  faults: SessionFault[];
  violations: SessionFault[];
}

type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

export interface SessionView {
  state: string;
  program: string;
  stepIndex: number;
  stepCount: number;
  stepLabel: string | undefined;
  /** Time left in the whole program (steps + cool-down), ms. */
  timeLeftMs: number;
  reason: SessionReason | undefined;
  spine: SessionSnapshot["context"]["spine"];
  doses: Record<Zone, number>;
  skinC: Record<Zone, number>;
  faults: SessionFault[];
  /** Which operator commands the session takes now. */
  allowed: Record<SessionCommand, boolean>;
}

/** "running.step" style name for a (possibly nested) state value. */
export function stateName(value: unknown): string {
  if (typeof value === "string") return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? ["?", undefined];
  return v === undefined ? k : `${k}.${stateName(v)}`;
}

/** States where the program's clock is stopped and its remaining time kept in phaseRemainingMs. */
const INTERRUPTED = new Set(["paused", "linkLost", "resumeOffer"]);
/** The session is ending: nothing of the program is left. */
const ENDING = new Set(["parking", "safing", "estopping", ...OUTCOMES]);

/** Time left in the whole program (steps + cool-down) at nowMs. */
export function timeLeftMs(snap: SessionSnapshot, nowMs: number): number {
  const { context } = snap;
  const state = stateName(snap.value);
  if (ENDING.has(state)) return 0;
  const rest = (from: number): number => context.program.steps.slice(from).reduce((a, s) => a + s.durationMs, 0) + context.program.coolDown.durationMs;
  const ticking = state.startsWith("running") || state === "coolingDown";
  const phaseLeft = ticking ? Math.max(0, context.phaseDeadlineMs - nowMs) : context.phaseRemainingMs;
  if (state === "coolingDown") return phaseLeft;
  if (ticking) return phaseLeft + rest(context.stepIndex + 1);
  if (INTERRUPTED.has(state)) {
    if (context.resumeTo === "coolingDown") return phaseLeft;
    if (context.resumeTo === "running") return phaseLeft + rest(context.stepIndex + 1);
  }
  return rest(0);
}
