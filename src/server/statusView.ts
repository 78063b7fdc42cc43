// What the panel shows about the bed right now: link, identity, latest telemetry, the session and
// the last one's outcome. The same object goes to GET /api/status and every live tick.
import type { Identity, Telemetry } from "../../protocols/messages.ts";
import type { EndedSessionView, Panel, PanelSessionView } from "./panel.ts";

export type StatusView = {
  link: string;
  bed: { model: string; serial: string; hw: string; fw: string; trackMm: number; projectorMaxC: number; matMaxC: number } | null;
  telemetry: Telemetry | null;
  session: PanelSessionView | null;
  lastSession: EndedSessionView | null;
};

export function statusView(panel: Panel): StatusView {
  const bed = panel.bed;
  // Known from the first handshake on; kept through a link loss so the panel still names the bed.
  const id = bed.identity as Identity | undefined;
  return {
    link: bed.linkState,
    bed: id ? { model: id.model, serial: id.serial, hw: id.hw, fw: id.fw, trackMm: id.limits.trackMm, projectorMaxC: id.limits.projectorMaxC, matMaxC: id.limits.matMaxC } : null,
    telemetry: bed.latest ?? null,
    session: panel.sessionView() ?? null,
    lastSession: panel.lastSession() ?? null,
  };
}
