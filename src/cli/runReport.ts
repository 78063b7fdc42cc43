// How a run looks to a person (the progress line) and to CI (JUnit XML).
import type { BedDriver } from "../device/bed.ts";
import { OCCUPIED_MIN_KG } from "../therapy/limits.ts";
import type { SessionResult, TherapySession } from "../therapy/session.ts";

function mmss(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Nobody on the bed while the session waits for them: since when, and how long until the run stops. */
export interface Vacancy {
  leftMs: number;
  justBegan: boolean;
}

/** Watches for an unattended run waiting on an empty bed (before the start, or paused after getting up). */
export class VacancyNotice {
  private sinceMs: number | undefined;

  constructor(private readonly waitMs: number) {}

  update(session: TherapySession, bed: BedDriver, nowMs: number): Vacancy | undefined {
    const v = session.view();
    const waiting = v.state === "prechecks" || (v.state === "paused" && v.reason?.code === "OCCUPANCY_LOST");
    const empty = (bed.latest?.loadKg ?? 0) < OCCUPIED_MIN_KG;
    if (!waiting || !empty) {
      this.sinceMs = undefined;
      return undefined;
    }
    const justBegan = this.sinceMs === undefined;
    this.sinceMs ??= nowMs;
    return { leftMs: Math.max(0, this.waitMs - (nowMs - this.sinceMs)), justBegan };
  }
}

/** One line: step, time left, temperatures, carriage; or why the run is waiting. */
export function formatProgress(session: TherapySession, bed: BedDriver, vacancy?: Vacancy): string {
  const v = session.view();
  const t = bed.latest;
  if (vacancy) return `[nobody on the bed] stopping in ${mmss(vacancy.leftMs)} unless someone lies down`;
  const step = v.state.startsWith("running") ? `step ${v.stepIndex + 1}/${v.stepCount} ${v.stepLabel ?? ""}` : v.state;
  const heat = t ? `projector ${t.projectorC.toFixed(1)}→${t.projectorSetC} °C  mat ${t.matC.toFixed(1)}→${t.matSetC} °C` : "no telemetry";
  const carriage = t ? `carriage ${t.positionMm.toFixed(0)} mm lift ${t.lift}` : "";
  return `[${step}] ${mmss(v.timeLeftMs)} left | ${heat} | ${carriage} | skin ≈${v.skinC.projector.toFixed(1)} °C`;
}

function esc(s: string): string {
  // XML 1.0 forbids most control characters even escaped; labels are free text, so drop them.
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Step start tolerance for the report (issue: each step within 100 ms of plan). */
export const STEP_START_TOLERANCE_MS = 100;

export function toJunit(s: SessionResult & { wallMs: number }): string {
  const cases: string[] = [];
  for (const step of s.steps) {
    const name = `step ${step.index + 1}: ${step.label}`;
    if (step.actualStartMs === undefined) {
      cases.push(`<testcase classname="${esc(s.program)}" name="${esc(name)}"><skipped message="session ended before this step (${esc(s.outcome)})"/></testcase>`);
    } else {
      const off = Math.abs(step.actualStartMs - step.plannedStartMs);
      const failure = off > STEP_START_TOLERANCE_MS ? `<failure message="started ${off} ms from plan (tolerance ${STEP_START_TOLERANCE_MS} ms)"/>` : "";
      cases.push(`<testcase classname="${esc(s.program)}" name="${esc(name)}" time="0">${failure}</testcase>`);
    }
  }
  const outcomeFailure = s.outcome === "completed" ? "" : `<failure message="${esc(`${s.outcome}: ${s.reason?.text ?? ""}`)}"/>`;
  cases.push(`<testcase classname="${esc(s.program)}" name="outcome" time="${(s.virtualDurationS).toFixed(1)}">${outcomeFailure}</testcase>`);
  const violation = s.violations.map((v) => `${v.code}: ${v.text}`).join("; ");
  cases.push(`<testcase classname="${esc(s.program)}" name="safety">${violation ? `<failure message="${esc(violation)}"/>` : ""}</testcase>`);
  const failures = cases.filter((c) => c.includes("<failure")).length;
  const skipped = cases.filter((c) => c.includes("<skipped")).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="bedlink run ${esc(s.program)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${(s.wallMs / 1000).toFixed(3)}">\n${cases.join("\n")}\n</testsuite></testsuites>\n`;
}
