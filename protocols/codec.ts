// The frame codec: one line ⇄ one typed frame. Pure: knows nothing of ports or timers.
// decodeFrame never throws on input from the wire; it returns a result the link counts.
import { BOOT_CHUNK_BYTES, MAX_FRAME_BYTES, SEQ_MODULO } from "./constants.ts";
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
} from "./messages.ts";
import { decodeTelemetryBody, encodeTelemetry, TelemetryFault } from "./telemetryCodec.ts";
import type { z } from "zod";

export { encodeTelemetry } from "./telemetryCodec.ts";

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
  /** With kind "body": the offending field (dotted path) and its allowed range when it has one. */
  field?: string;
  min?: number;
  max?: number;
}

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: DecodeError };

const JSON_TYPES = new Set<string>([...Object.keys(CommandBodies), "EVT", "ACK", "NAK"]);
const ALL_TYPES = new Set<string>([...JSON_TYPES, "TLM", "DATA"]);
/** TYPE is 2–8 uppercase letters (SESSION and REBOOT are 7 and 6), so the first space sits at index 2…8. */
const TYPE_MIN_CHARS = 2;
const TYPE_MAX_CHARS = 8;
/** "*" + four hex digits. */
const TRAILER_CHARS = 5;
/** Highest DATA offset: the largest image BOOT accepts (messages.ts). */
const DATA_OFFSET_MAX = CommandBodies.BOOT.shape.size.maxValue ?? 0;

const ESC = 0x1b;

// ---------------------------------------------------------------------------------- encode

/**
 * Encodes a frame as one line (latin1 string, newline included). Throws RangeError if the
 * line would exceed MAX_FRAME_BYTES: that is a bug in the caller (the peer would drop it),
 * e.g. a LOG reply that should have been cut short and its `dropped` count raised.
 */
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
      body = frame.body === undefined ? "" : asciiJson(frame.body);
      break;
    default:
      body = asciiJson(frame.body);
  }
  const head = body.length > 0 ? `${frame.type} ${frame.seq} ${body}` : `${frame.type} ${frame.seq}`;
  if (head.length + TRAILER_CHARS + 1 > MAX_FRAME_BYTES) {
    throw new RangeError(`${frame.type} frame of ${head.length + TRAILER_CHARS + 1} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  return `${head}*${crcHex(crc16String(head))}\n`;
}

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;

/** JSON with every non-printable-ASCII char as \uXXXX: JSON frames stay 7-bit clean on the wire. */
function asciiJson(value: unknown): string {
  const s = JSON.stringify(value);
  return s.replace(NOT_PRINTABLE_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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

/** Reverses escapeBytes over s[start, end); undefined when the text is not a valid escaping. */
export function unescapeBytes(s: string, start = 0, end = s.length): Uint8Array | undefined {
  const out = new Uint8Array(Math.max(0, end - start));
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0x0a || c === 0x0d) return undefined;
    if (c === ESC) {
      if (++i >= end) return undefined;
      const raw = s.charCodeAt(i) ^ 0x40;
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

/** Uppercase only: the trailer is outside the CRC, so a case-flipped digit must not pass. */
function upperHexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
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

function decodeUnsafe(line: string): DecodeResult {
  // The limit counts every byte of the line, a tolerated CR and the LF included.
  if (line.length + 1 > MAX_FRAME_BYTES) return fail("too-long", `frame of ${line.length + 1} bytes > ${MAX_FRAME_BYTES}`);
  const end = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
  const star = end - TRAILER_CHARS;
  if (star < TYPE_MIN_CHARS + 2 || line.charCodeAt(star) !== 42 /* * */) return fail("framing", "no *CRC trailer");
  let crc = 0;
  for (let i = star + 1; i < end; i++) {
    const v = upperHexVal(line.charCodeAt(i));
    if (v < 0) return fail("framing", "CRC is not 4 uppercase hex digits");
    crc = (crc << 4) | v;
  }
  if (crc16String(line, 0, star) !== crc) return fail("crc", "CRC mismatch");

  // TYPE SP SEQ [SP BODY]
  const sp1 = line.indexOf(" ");
  if (sp1 < TYPE_MIN_CHARS || sp1 > TYPE_MAX_CHARS || sp1 >= star) return fail("framing", "no frame type");
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
  if (!ALL_TYPES.has(type)) return fail("unknown-type", `unknown frame type ${JSON.stringify(type)}`, { type, seq });

  if (type === "TLM") {
    const body = decodeTelemetryBody(line, bodyStart, star);
    if (body instanceof TelemetryFault) {
      return fail("body", body.detail, { type, seq, field: body.field, min: body.min, max: body.max });
    }
    return { ok: true, frame: { type: "TLM", seq, body } };
  }
  if (type === "DATA") return decodeData(line, bodyStart, star, seq);
  return decodeJsonBody(type, seq, line, bodyStart, star);
}

/** DATA body: `offset:escaped-bytes`, offset a plain decimal, 1…BOOT_CHUNK_BYTES bytes. */
function decodeData(line: string, start: number, end: number, seq: number): DecodeResult {
  const where = { type: "DATA", seq };
  let offset = 0;
  let i = start;
  for (; i < end && i - start <= 7; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    offset = offset * 10 + (c - 48);
  }
  if (i === start || i >= end || line.charCodeAt(i) !== 58 /* : */) {
    return fail("body", "DATA needs offset:bytes with a decimal offset", { ...where, field: "offset" });
  }
  if (offset > DATA_OFFSET_MAX) {
    return fail("body", `offset: ${offset} outside 0…${DATA_OFFSET_MAX}`, { ...where, field: "offset", min: 0, max: DATA_OFFSET_MAX });
  }
  const bytes = unescapeBytes(line, i + 1, end);
  if (!bytes) return fail("body", "bytes: badly escaped (only LF, CR and ESC may follow ESC, XOR 0x40)", { ...where, field: "bytes" });
  if (bytes.length < 1 || bytes.length > BOOT_CHUNK_BYTES) {
    return fail("body", `bytes: ${bytes.length} bytes outside 1…${BOOT_CHUNK_BYTES}`, { ...where, field: "bytes", min: 1, max: BOOT_CHUNK_BYTES });
  }
  return { ok: true, frame: { type: "DATA", seq, body: { offset, bytes } } };
}

function decodeJsonBody(type: string, seq: number, line: string, start: number, end: number): DecodeResult {
  for (let k = start; k < end; k++) {
    const c = line.charCodeAt(k);
    if (c < 0x20 || c > 0x7e) return fail("body", `body holds byte 0x${c.toString(16)}: JSON bodies are printable ASCII`, { type, seq });
  }
  let json: unknown = undefined;
  if (end > start) {
    try {
      json = JSON.parse(line.slice(start, end));
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
  const schema: z.ZodType = type === "EVT" ? EventBody : type === "NAK" ? NakBody : CommandBodies[type as keyof Commands];
  const parsed = schema.safeParse(json === undefined ? {} : json);
  if (!parsed.success) return fail("body", describeIssue(parsed.error, schema), { type, seq, ...issueBounds(parsed.error, schema) });
  return { ok: true, frame: { type, seq, body: parsed.data } as Frame };
}

// ---------------------------------------------------------------------------------- issues

interface NumberSchemaView {
  minValue?: number | null;
  maxValue?: number | null;
}

/** The schema a dotted issue path leads to (objects and optionals), to read its bounds. */
function schemaAt(root: z.ZodType | undefined, path: readonly PropertyKey[]): NumberSchemaView | undefined {
  let s: unknown = root;
  for (const key of path) {
    while (s && typeof (s as { unwrap?: unknown }).unwrap === "function") s = (s as { unwrap(): unknown }).unwrap();
    const shape = (s as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape || typeof key !== "string") return undefined;
    s = shape[key];
  }
  while (s && typeof (s as { unwrap?: unknown }).unwrap === "function") s = (s as { unwrap(): unknown }).unwrap();
  return s as NumberSchemaView | undefined;
}

/** Field, min and max of the first zod issue: the issue's own bound plus the schema's other one. */
function issueBounds(error: z.ZodError, schema?: z.ZodType): Partial<DecodeError> {
  const issue = error.issues[0] as (z.core.$ZodIssue & { minimum?: unknown; maximum?: unknown }) | undefined;
  if (!issue) return {};
  const out: Partial<DecodeError> = { field: issue.path.join(".") || undefined };
  const view = schemaAt(schema, issue.path);
  const min = typeof issue.minimum === "number" ? issue.minimum : view?.minValue;
  const max = typeof issue.maximum === "number" ? issue.maximum : view?.maxValue;
  const isRange = issue.code === "too_big" || issue.code === "too_small";
  if (isRange && typeof min === "number" && Number.isFinite(min)) out.min = min;
  if (isRange && typeof max === "number" && Number.isFinite(max)) out.max = max;
  return out;
}

/** A readable one-liner for the first zod issue: names the field and, for a range, the allowed one. */
export function describeIssue(error: z.ZodError, schema?: z.ZodType): string {
  const issue = error.issues[0];
  if (!issue) return "invalid body";
  const field = issue.path.join(".") || "(body)";
  const b = issueBounds(error, schema);
  const range = b.min !== undefined && b.max !== undefined ? ` (allowed ${b.min}…${b.max})` : "";
  // Capped so it fits a NAK's `message` (≤ 200 chars) as it is.
  return `${field}: ${issue.message}${range}`.slice(0, 200);
}

/** Validates an ACK body against the reply schema of the command it answers. */
export function parseReply<T extends keyof typeof ReplyBodies>(
  command: T,
  body: unknown,
): { ok: true; value: z.infer<(typeof ReplyBodies)[T]> } | { ok: false; error: string } {
  const schema = ReplyBodies[command];
  const r = schema.safeParse(body ?? {});
  return r.success
    ? { ok: true, value: r.data as z.infer<(typeof ReplyBodies)[T]> }
    : { ok: false, error: describeIssue(r.error, schema as z.ZodType) };
}

/** The telemetry schema, re-exported for the JSON baseline in benches and the agreement test. */
export const TelemetryObjectSchema = TelemetrySchema;
