// What a session reports: its outcome, faults, step timing, and the live view the panel shows.
import type { SnapshotFrom } from "xstate";
import type { Priority, Zone } from "../../protocols/constants.ts";
import type { sessionMachine, SessionReason } from "./sessionMachine.ts";

export type Outcome = "completed" | "stopped" | "faulted" | "estopped";
export const FINAL_STATES: readonly Outcome[] = ["completed", "stopped", "faulted", "estopped"];

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

export interface SessionView {
  state: string;
  program: string;
  stepIndex: number;
  stepCount: number;
  stepLabel: string | undefined;
  /** Time left in the whole program (steps + cool-down), ms. */
  timeLeftMs: number;
  reason: SessionReason | undefined;
  spine: SnapshotFrom<typeof sessionMachine>["context"]["spine"];
  doses: Record<Zone, number>;
  skinC: Record<Zone, number>;
  faults: SessionFault[];
}

/** "running.step" style name for a (possibly nested) state value. */
export function stateName(value: unknown): string {
  if (typeof value === "string") return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? ["?", undefined];
  return v === undefined ? k : `${k}.${stateName(v)}`;
}
