// The diagnostics report's shape: what the CLI prints, the panel shows and `--json` emits.
// Every check carries its measurements with their limits, so a reader can judge for themselves.
import type { DeviceState, Zone } from "../../protocols/constants.ts";
import type { DeviceLimits } from "../../protocols/messages.ts";
import type { InfoReply, LogReply } from "../device/bed.ts";

export type CheckStatus = "pass" | "fail" | "refused" | "skipped";

export const CHECK_IDS = ["identity", "link", "sensors", "carriage", "limitSwitches", "lift", "heater.projector", "heater.mat", "errorLog", "counters"] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_TITLES: Record<CheckId, string> = {
  identity: "Identity",
  link: "Link quality",
  sensors: "Sensor sanity",
  carriage: "Carriage travel",
  limitSwitches: "Limit switches",
  lift: "Lift levels",
  "heater.projector": "Heater rise: projector",
  "heater.mat": "Heater rise: mat",
  errorLog: "Error log",
  counters: "Usage counters",
};

export interface Measurement {
  name: string;
  value: number | string | null;
  unit?: string;
  /** The limit as a person reads it ("≤ 50 ms", "5–45 °C"); absent for informational values. */
  limit?: string;
  /** true inside the limit, false outside; absent when informational or not applicable. */
  ok?: boolean;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One line for a person: the finding when it failed, the reason when refused or skipped. */
  message: string;
  measurements: Measurement[];
  /** What the test did besides measuring (e.g. "reset the device out of its safe state"). */
  notes: string[];
  /** Clock time from the start of the run, ms. */
  startedAtMs: number;
  durationMs: number;
}

export interface HeaterCurve {
  zone: Zone;
  setpointC: number;
  startC: number;
  expectedRiseK: number;
  toleranceK: number;
  durationMs: number;
  /** tS from the moment the heater was switched on (negative: baseline). */
  points: { tS: number; c: number; duty: number }[];
}

export interface CarriageTrace {
  speedMmS: number;
  trackMm: number;
  /** tS from the start of the carriage test. */
  points: { tS: number; positionMm: number; motorMa: number; limitHome: boolean; limitEnd: boolean }[];
  /** Device faults raised during the test, where they happened. */
  events: { tS: number; positionMm: number; code: string; detail?: string }[];
}

export interface EndState {
  state: DeviceState;
  projectorSetC: number;
  matSetC: number;
  lift: number;
  positionMm: number;
  parked: boolean;
  notes: string[];
}

export interface DiagReport {
  tool: "bedlink diag";
  formatVersion: 1;
  /** Wall time the run started (ISO 8601), when the caller gave a wall clock. */
  startedAt?: string;
  device?: { model: string; serial: string; hw: string; fw: string; proto: number; bootSlot: string; telemetryHz: number; limits: DeviceLimits };
  overall: "pass" | "fail";
  /** The link went down mid-run: the remaining checks were not run. */
  linkLost: boolean;
  checks: CheckResult[];
  errorLog?: LogReply;
  logCleared: boolean;
  counters?: InfoReply;
  curves: { heater: Partial<Record<Zone, HeaterCurve>>; carriage?: CarriageTrace };
  endState?: EndState;
  durationMs: number;
}

export type DiagProgress =
  | { kind: "check-start"; ids: CheckId[]; title: string; index: number; total: number }
  | { kind: "check-step"; id: CheckId; text: string; fraction?: number }
  | { kind: "check-done"; result: CheckResult; index: number; total: number };
