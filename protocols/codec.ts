// The frame codec: one line ⇄ one typed frame. Pure: knows nothing of ports or timers.
// decodeFrame never throws on input from the wire; it returns a result the link counts.
import { DEVICE_STATES, type DeviceState, MAX_FRAME_BYTES, SEQ_MODULO } from "./constants.ts";
import { crc16String, crcHex } from "./crc16.ts";
import {
  CommandBodies,
  type CommandBody,
  type DataChunk,
  EventBody,
  NakBody,
  ReplyBodies,
  type Telemetry,
  Telemetry as TelemetrySchema,
  TELEMETRY_FIELDS,
  WIRE_POSITION_MAX_MM,
  WIRE_SPEED_MAX_MMS,
  WIRE_TEMP_MAX_C,
  WIRE_TEMP_MIN_C,
  SETPOINT_MAX_C,
} from "./messages.ts";
import type { z } from "zod";

type Commands = typeof CommandBodies;
export type CommandFrame = { [K in keyof Commands]: { type: K; seq: number; body: CommandBody<K> } }[keyof Commands];

export type Frame =
  | CommandFrame
  | { type: "DATA"; seq: number; body: DataChunk }
  | { type: "TLM"; seq: number; body: Telemetry }
  | { type: "EVT"; seq: number; body: EventBody }
  /** seq is the acknowledged frame's sequence number; body is the reply (validated by the waiter). */
  | { type: "ACK"; seq: number; body: Record<string, unknown> | undefined }
  | { type: "NAK"; seq: number; body: NakBody };
export type FrameType = Frame["type"];

export type DecodeErrorKind = "too-long" | "framing" | "crc" | "unknown-type" | "body";

export interface DecodeError {
  kind: DecodeErrorKind;
  detail: string;
  /** Present when the frame's CRC was good, so type and seq can be trusted (the device NAKs these). */
  type?: string;
  seq?: number;
  field?: string;
  min?: number;
  max?: number;
}

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: DecodeError };

const JSON_TYPES = new Set<string>([...Object.keys(CommandBodies), "EVT", "ACK", "NAK"]);
const ALL_TYPES = new Set<string>([...JSON_TYPES, "TLM", "DATA"]);

const ESC = 0x1b;

// ---------------------------------------------------------------------------------- encode

/** Encodes a frame as one line (latin1 string, newline included). */
export function encodeFrame(frame: Frame): string {
  let body: string;
  switch (frame.type) {
    case "TLM":
      body = encodeTelemetry(frame.body);
      break;
    case "DATA":
      body = `${frame.body.offset}:${escapeBytes(frame.body.bytes)}`;
      break;
    case "ACK":
      body = frame.body === undefined ? "" : JSON.stringify(frame.body);
      break;
    default:
      body = JSON.stringify(frame.body);
  }
  const head = body.length > 0 ? `${frame.type} ${frame.seq} ${body}` : `${frame.type} ${frame.seq}`;
  return `${head}*${crcHex(crc16String(head))}\n`;
}

function fmt1(n: number): string {
  // One decimal, without a trailing ".0" (saves bytes on the wire).
  return String(Math.round(n * 10) / 10);
}

export function encodeTelemetry(t: Telemetry): string {
  return [
    Math.round(t.tMs),
    t.state,
    fmt1(t.projectorC),
    fmt1(t.matC),
    fmt1(t.projectorSetC),
    fmt1(t.matSetC),
    Math.round(t.projectorDuty),
    Math.round(t.matDuty),
    fmt1(t.positionMm),
    fmt1(t.targetMm),
    fmt1(t.speedMmS),
    t.lift,
    Math.round(t.motorMa),
    fmt1(t.loadKg),
    t.flags.toString(16).toUpperCase(),
  ].join(",");
}

/** Escapes bytes so the body holds no LF, CR or ESC: ESC followed by byte XOR 0x40. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a || b === 0x0d || b === ESC) out += String.fromCharCode(ESC, b ^ 0x40);
    else out += String.fromCharCode(b);
  }
  return out;
}

export function unescapeBytes(s: string, start = 0): Uint8Array | undefined {
  const out = new Uint8Array(s.length - start);
  let n = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0x0a || c === 0x0d) return undefined;
    if (c === ESC) {
      const next = s.charCodeAt(++i);
      if (Number.isNaN(next)) return undefined;
      const raw = next ^ 0x40;
      if (raw !== 0x0a && raw !== 0x0d && raw !== ESC) return undefined;
      out[n++] = raw;
    } else out[n++] = c;
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------------- decode

function fail(kind: DecodeErrorKind, detail: string, extra?: Partial<DecodeError>): DecodeResult {
  return { ok: false, error: { kind, detail, ...extra } };
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes one line (without its newline; a trailing CR is tolerated). Never throws.
 * The line is a latin1 string: one char per byte.
 */
export function decodeFrame(line: string): DecodeResult {
  try {
    return decodeUnsafe(line);
  } catch (err) {
    // A bug, not bad input: still never let the wire crash the reader.
    return fail("framing", `decoder error: ${(err as Error).message}`);
  }
}

function decodeUnsafe(input: string): DecodeResult {
  let line = input;
  if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  if (line.length + 1 > MAX_FRAME_BYTES) return fail("too-long", `frame of ${line.length + 1} bytes > ${MAX_FRAME_BYTES}`);
  const star = line.length - 5;
  if (star < 3 || line.charCodeAt(star) !== 42 /* * */) return fail("framing", "no *CRC trailer");
  let crc = 0;
  for (let i = star + 1; i < line.length; i++) {
    const v = hexVal(line.charCodeAt(i));
    if (v < 0) return fail("framing", "CRC is not 4 hex digits");
    crc = (crc << 4) | v;
  }
  if (crc16String(line, 0, star) !== crc) return fail("crc", "CRC mismatch");

  // TYPE SP SEQ [SP BODY]
  const sp1 = line.indexOf(" ");
  if (sp1 < 2 || sp1 > 6 || sp1 >= star) return fail("framing", "no frame type");
  const type = line.slice(0, sp1);
  let seq = 0;
  let i = sp1 + 1;
  const seqStart = i;
  for (; i < star; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) break;
    if (c < 48 || c > 57) return fail("framing", "sequence number is not decimal", { type });
    seq = seq * 10 + (c - 48);
  }
  if (i === seqStart || i - seqStart > 5 || seq >= SEQ_MODULO) return fail("framing", "sequence number out of range 0–65535", { type });
  const bodyStart = i < star ? i + 1 : star;
  if (!ALL_TYPES.has(type)) return fail("unknown-type", `unknown frame type ${JSON.stringify(type.slice(0, 8))}`, { type, seq });

  if (type === "TLM") {
    const body = decodeTelemetry(line, bodyStart, star);
    if (typeof body === "string") return fail("body", body, { type, seq });
    return { ok: true, frame: { type: "TLM", seq, body } };
  }
  if (type === "DATA") {
    const colon = line.indexOf(":", bodyStart);
    if (colon < 0 || colon > star) return fail("body", "DATA needs offset:bytes", { type, seq });
    const offsetText = line.slice(bodyStart, colon);
    const offset = Number(offsetText);
    if (offsetText === "" || !Number.isInteger(offset) || offset < 0) return fail("body", "DATA offset is not a whole number", { type, seq, field: "offset" });
    const bytes = unescapeBytes(line.slice(colon + 1, star));
    if (!bytes) return fail("body", "DATA bytes are badly escaped", { type, seq, field: "bytes" });
    return { ok: true, frame: { type: "DATA", seq, body: { offset, bytes } } };
  }

  const bodyText = line.slice(bodyStart, star);
  let json: unknown = undefined;
  if (bodyText.length > 0) {
    try {
      json = JSON.parse(bodyText);
    } catch {
      return fail("body", "body is not JSON", { type, seq });
    }
  }
  if (type === "ACK") {
    if (json !== undefined && (typeof json !== "object" || json === null || Array.isArray(json))) {
      return fail("body", "ACK body must be an object", { type, seq });
    }
    return { ok: true, frame: { type: "ACK", seq, body: json as Record<string, unknown> | undefined } };
  }
  const schema: z.ZodType =
    type === "EVT" ? EventBody : type === "NAK" ? NakBody : CommandBodies[type as keyof Commands];
  const parsed = schema.safeParse(json ?? {});
  if (!parsed.success) return fail("body", describeIssue(parsed.error), { type, seq, ...issueBounds(parsed.error) });
  return { ok: true, frame: { type, seq, body: parsed.data } as Frame };
}

/** A readable one-liner for the first zod issue: names the field and the allowed range. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid body";
  const field = issue.path.join(".") || "(body)";
  return `${field}: ${issue.message}`;
}

function issueBounds(error: z.ZodError): Partial<DecodeError> {
  const issue = error.issues[0] as (z.core.$ZodIssue & { minimum?: unknown; maximum?: unknown }) | undefined;
  if (!issue) return {};
  const out: Partial<DecodeError> = { field: issue.path.join(".") || undefined };
  if (typeof issue.minimum === "number") out.min = issue.minimum;
  if (typeof issue.maximum === "number") out.max = issue.maximum;
  return out;
}

const STATE_SET = new Set<string>(DEVICE_STATES);
// Bounds mirror the Telemetry zod schema; test/protocols checks the two agree.
const NUM_BOUNDS: Record<string, readonly [number, number, boolean]> = {
  tMs: [0, Number.MAX_SAFE_INTEGER, true],
  projectorC: [WIRE_TEMP_MIN_C, WIRE_TEMP_MAX_C, false],
  matC: [WIRE_TEMP_MIN_C, WIRE_TEMP_MAX_C, false],
  projectorSetC: [0, SETPOINT_MAX_C, false],
  matSetC: [0, SETPOINT_MAX_C, false],
  projectorDuty: [0, 100, false],
  matDuty: [0, 100, false],
  positionMm: [-50, WIRE_POSITION_MAX_MM, false],
  targetMm: [0, WIRE_POSITION_MAX_MM, false],
  speedMmS: [-WIRE_SPEED_MAX_MMS, WIRE_SPEED_MAX_MMS, false],
  lift: [0, 6, true],
  motorMa: [0, 20000, false],
  loadKg: [-10, 500, false],
};
const FIELD_COUNT = TELEMETRY_FIELDS.length;

/** Positional telemetry → object, or a reason string. Hand-written: this is the hot path. */
function decodeTelemetry(line: string, start: number, end: number): Telemetry | string {
  const out: Record<string, unknown> = {};
  let f = 0;
  let pos = start;
  while (f < FIELD_COUNT) {
    let comma = line.indexOf(",", pos);
    if (comma < 0 || comma > end) comma = end;
    const name = TELEMETRY_FIELDS[f]!;
    const text = line.slice(pos, comma);
    if (name === "state") {
      if (!STATE_SET.has(text)) return `state: unknown device state ${JSON.stringify(text.slice(0, 12))}`;
      out.state = text as DeviceState;
    } else if (name === "flags") {
      if (text.length === 0 || text.length > 4) return "flags: expected 1–4 hex digits";
      let v = 0;
      for (let k = 0; k < text.length; k++) {
        const h = hexVal(text.charCodeAt(k));
        if (h < 0) return "flags: expected hex digits";
        v = (v << 4) | h;
      }
      out.flags = v;
    } else {
      const v = text.length === 0 || text.charCodeAt(0) === 32 ? NaN : Number(text);
      const b = NUM_BOUNDS[name]!;
      if (!(v >= b[0] && v <= b[1])) return `${name}: ${text.slice(0, 12)} outside ${b[0]}…${b[1]}`;
      if (b[2] && !Number.isInteger(v)) return `${name}: expected a whole number`;
      out[name] = v;
    }
    f++;
    pos = comma + 1;
    if (comma === end) break;
  }
  if (f !== FIELD_COUNT || pos <= end) return `expected ${FIELD_COUNT} telemetry fields`;
  return out as Telemetry;
}

/** Validates an ACK body against the reply schema of the command it answers. */
export function parseReply<T extends keyof typeof ReplyBodies>(
  command: T,
  body: unknown,
): { ok: true; value: z.infer<(typeof ReplyBodies)[T]> } | { ok: false; error: string } {
  const r = ReplyBodies[command].safeParse(body ?? {});
  return r.success ? { ok: true, value: r.data as z.infer<(typeof ReplyBodies)[T]> } : { ok: false, error: describeIssue(r.error) };
}

/** The telemetry schema, re-exported for the JSON baseline in benches and the agreement test. */
export const TelemetryObjectSchema = TelemetrySchema;
