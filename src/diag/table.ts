// The report as plain text for a terminal: one line per finished check while it runs, and a
// table of every measurement with its limit at the end.
import type { CheckResult, DiagReport, Measurement } from "./types.ts";

/** "the bed is safe" → "The bed is safe." (notes are written as clauses; reports print them as sentences). */
export const sentence = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? "" : "."}`;

const MARK: Record<CheckResult["status"], string> = { pass: "PASS", fail: "FAIL", refused: "REFUSED", skipped: "SKIPPED" };

export function formatValue(m: Measurement): string {
  if (m.value === null) return "—";
  return m.unit ? `${m.value} ${m.unit}` : String(m.value);
}

export function formatVerdict(m: Measurement): string {
  return m.ok === undefined ? "" : m.ok ? "ok" : "OUT";
}

/** "FAIL     Heater rise: projector — heater on at 100 % duty but …" */
export function formatCheckLine(r: CheckResult): string {
  return `${MARK[r.status].padEnd(8)} ${r.title} — ${r.message}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The measurement table, the bed's end state and the verdict; `verdicts` adds one line per check. */
export function formatTable(report: DiagReport, opts: { verdicts?: boolean } = {}): string {
  const rows: string[][] = [["check", "measurement", "value", "limit", ""]];
  for (const c of report.checks) {
    if (c.measurements.length === 0) rows.push([c.title, "", "", "", MARK[c.status]]);
    c.measurements.forEach((m, i) => rows.push([i === 0 ? c.title : "", m.name, formatValue(m), m.limit ?? "", formatVerdict(m)]));
  }
  const widths = rows[0]!.map((_, col) => Math.min(48, Math.max(...rows.map((r) => r[col]!.length))));
  const line = (r: string[]): string => r.map((cell, i) => pad(cell, widths[i]!)).join("  ").trimEnd();
  const out = [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const d = report.device;
  const head = d ? `${d.model} serial ${d.serial}, hw ${d.hw}, firmware ${d.fw}` : "device unknown";
  const verdicts = opts.verdicts === false ? [] : [...report.checks.map((c) => formatCheckLine(c)), ""];
  const end = report.endState
    ? `bed left ${report.endState.state}: heaters ${report.endState.projectorSetC}/${report.endState.matSetC} °C, lift ${report.endState.lift}, carriage ${report.endState.parked ? "parked" : `at ${report.endState.positionMm} mm`}${report.endState.notes.length ? `. ${report.endState.notes.map(sentence).join(" ")}` : ""}`
    : "bed state at the end unknown (link lost): its lease makes it safe on its own";
  const failed = report.checks.filter((c) => c.status !== "pass").length;
  return [
    head,
    "",
    ...out,
    "",
    ...verdicts,
    end,
    `overall: ${report.overall.toUpperCase()}${failed ? ` (${failed} of ${report.checks.length} checks not passed)` : ` (${report.checks.length} checks)`} in ${(report.durationMs / 1000).toFixed(0)} s of bed time`,
  ].join("\n");
}
