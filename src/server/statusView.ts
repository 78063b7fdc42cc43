// What the panel shows about the bed right now: link, identity, latest telemetry, the session and
// the last one's outcome. The same object goes to GET /api/status and every live tick.
import type { Identity, Telemetry } from "../../protocols/messages.ts";
import { staleAfterMs } from "../therapy/limits.ts";
import type { EndedSessionView, Panel, PanelSessionView } from "./panel.ts";


export type StatusView = {
  link: string;
  bed: { model: string; serial: string; hw: string; fw: string; trackMm: number; projectorMaxC: number; matMaxC: number } | null;
  telemetry: Telemetry | null;
  /** How old the telemetry is, ms; stale when the link is down or nothing fresh arrived (the values are the last known, not current). */
  telemetryAgeMs: number | null;
  telemetryStale: boolean;
  /** Why the bed refuses to heat or move until a technician releases it. */
  latch: { kind: string; text: string } | null;
  session: PanelSessionView | null;
  lastSession: EndedSessionView | null;
};

export function statusView(panel: Panel): StatusView {
  const bed = panel.bed;
  // The bed's clock: telemetry is stamped on it.
  const ageMs = bed.latestAtMs === undefined ? null : Math.max(0, Math.round(panel.nowMs() - bed.latestAtMs));
  // Known from the first handshake on; kept through a link loss so the panel still names the bed.
  const id = bed.identity as Identity | undefined;
  return {
    link: bed.linkState,
    bed: id ? { model: id.model, serial: id.serial, hw: id.hw, fw: id.fw, trackMm: id.limits.trackMm, projectorMaxC: id.limits.projectorMaxC, matMaxC: id.limits.matMaxC } : null,
    telemetry: bed.latest ?? null,
    telemetryAgeMs: ageMs,
    // The supervisor's own limit: five periods at the bed's rate.
    telemetryStale: bed.linkState !== "up" || ageMs === null || ageMs > staleAfterMs(bed.telemetryRateHz),
    latch: bed.latch ? { kind: bed.latch.kind, text: bed.latch.text } : null,
    session: panel.sessionView() ?? null,
    lastSession: panel.lastSession() ?? null,
  };
}
