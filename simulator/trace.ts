// Turns wire-log entries into lines a person can follow (`bedlink sim --trace`): who sent
// what, decoded, with the telemetry summarised on one line.
import { decodeFrame, type Frame } from "../protocols/codec.ts";
import { TLM_FLAGS } from "../protocols/constants.ts";
import type { Telemetry } from "../protocols/messages.ts";

const FLAG_NAMES = Object.entries(TLM_FLAGS) as [string, number][];

/** One wire-log entry ("1234.5 > TLM 12 …", "… < HB 3 {}*…", "… ! note") → a readable line. */
export function describeWireEntry(entry: string): string {
  const m = /^(-?\d+(?:\.\d+)?) ([<>!]) (.*)$/.exec(entry);
  if (!m) return entry;
  const t = `${(Number(m[1]) / 1000).toFixed(3).padStart(9)} s`;
  if (m[2] === "!") return `${t}  !! ${m[3]}`;
  const dir = m[2] === "<" ? "host → bed" : "bed → host";
  const line = m[3]!.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const r = decodeFrame(line);
  if (!r.ok) return `${t}  ${dir}  ?? ${r.error.kind}: ${r.error.detail} — ${m[3]!.slice(0, 60)}`;
  return `${t}  ${dir}  ${describeFrame(r.frame)}`;
}

export function describeFrame(f: Frame): string {
  const head = `${f.type} #${f.seq}`;
  switch (f.type) {
    case "TLM":
      return `${head} ${describeTelemetry(f.body)}`;
    case "EVT":
      return `${head} ${f.body.code} (${f.body.priority})${f.body.zone ? ` ${f.body.zone}` : ""}${f.body.detail ? ` "${f.body.detail}"` : ""}`;
    case "NAK": {
      const b = f.body;
      const range = b.field ? ` ${b.field}${b.min !== undefined ? ` ${b.min}–${b.max}` : ""}` : "";
      return `${head} ${b.code}${range}: ${b.message}`;
    }
    case "ACK":
      return f.body === undefined ? head : `${head} ${JSON.stringify(f.body).slice(0, 160)}`;
    case "HEAT":
      return `${head} ${f.body.zone} → ${f.body.targetC} °C`;
    case "MOVE":
      return `${head} carriage → ${f.body.positionMm} mm at ${f.body.speedMmS} mm/s`;
    case "LIFT":
      return `${head} lift → ${f.body.level}`;
    case "DATA":
      return `${head} offset ${f.body.offset}, ${f.body.bytes.length} bytes`;
    default:
      return Object.keys(f.body).length === 0 ? head : `${head} ${JSON.stringify(f.body)}`;
  }
}

function describeTelemetry(t: Telemetry): string {
  const flags = FLAG_NAMES.filter(([, bit]) => t.flags & bit).map(([name]) => name);
  return [
    t.state,
    `projector ${t.projectorC}/${t.projectorSetC} °C ${t.projectorDuty}%`,
    `mat ${t.matC}/${t.matSetC} °C ${t.matDuty}%`,
    `carriage ${t.positionMm} mm → ${t.targetMm} at ${t.speedMmS} mm/s`,
    `lift ${t.lift}`,
    `${t.motorMa} mA`,
    `${t.loadKg} kg`,
    `[${flags.join(",")}]`,
  ].join(" · ");
}
