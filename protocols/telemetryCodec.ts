// Positional telemetry body (the TLM frame's hot path): object ⇄ CSV in TELEMETRY_FIELDS order.
// The decoder walks the line once without slicing; its bounds are read from the zod schema.
import { DEVICE_STATES, type DeviceState } from "./constants.ts";
import { type Telemetry, Telemetry as TelemetrySchema, TELEMETRY_FIELDS } from "./messages.ts";

/** Why a telemetry body was refused; field and bounds let the link log something useful. */
export class TelemetryFault {
  constructor(
    readonly detail: string,
    readonly field?: string,
    readonly min?: number,
    readonly max?: number,
  ) {}
}

const FIELD_COUNT = TELEMETRY_FIELDS.length;
// decodeTelemetryBody builds its result positionally; a reordered field list must fail loudly.
const EXPECTED_ORDER = "tMs,state,projectorC,matC,projectorSetC,matSetC,projectorDuty,matDuty,positionMm,targetMm,speedMmS,lift,motorMa,loadKg,flags";
if (TELEMETRY_FIELDS.join(",") !== EXPECTED_ORDER) throw new Error("TELEMETRY_FIELDS changed: update decodeTelemetryBody");
const STATE_INDEX = TELEMETRY_FIELDS.indexOf("state");
const FLAGS_INDEX = TELEMETRY_FIELDS.indexOf("flags");
/** flags is 16 bits on the wire: at most 4 hex digits. */
const FLAGS_MAX_DIGITS = 4;
/** Up to 15 decimal digits the mantissa is exact in a double, so m / 10^k is correctly rounded. */
const EXACT_DIGITS = 15;
const POW10 = Array.from({ length: EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

interface NumberBound {
  min: number;
  max: number;
  whole: boolean;
}

/** Bounds straight from the zod schema, so the fast decoder and zod can never disagree on them. */
const BOUNDS: (NumberBound | undefined)[] = TELEMETRY_FIELDS.map((name, f) => {
  if (f === STATE_INDEX || f === FLAGS_INDEX) return undefined;
  const field = TelemetrySchema.shape[name] as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
  return {
    min: field.minValue ?? -Number.MAX_VALUE,
    max: field.maxValue ?? Number.MAX_VALUE,
    whole: field.isInt,
  };
});

/** Scratch for one decode; copied into a fresh object before returning (decoding is synchronous). */
const vals = new Float64Array(FIELD_COUNT);

function fieldText(line: string, start: number, end: number): string {
  const comma = line.indexOf(",", start);
  const stop = comma < 0 || comma > end ? end : comma;
  return JSON.stringify(line.slice(start, Math.min(stop, start + 16)));
}

/**
 * Decodes line[start, end) as a telemetry body. Never throws; a malformed or out-of-range
 * field returns a TelemetryFault naming it. Numbers must be plain decimals (`-?D+(.D+)?`).
 */
export function decodeTelemetryBody(line: string, start: number, end: number): Telemetry | TelemetryFault {
  let state: DeviceState = "boot";
  let pos = start;
  for (let f = 0; f < FIELD_COUNT; f++) {
    if (f > 0) {
      if (pos >= end || line.charCodeAt(pos) !== 44 /* , */) return new TelemetryFault(`expected ${FIELD_COUNT} telemetry fields, got ${f}`);
      pos++;
    }
    const fieldStart = pos;
    if (f === STATE_INDEX) {
      let stop = pos;
      while (stop < end && line.charCodeAt(stop) !== 44) stop++;
      const len = stop - pos;
      let found: DeviceState | undefined;
      for (const s of DEVICE_STATES) {
        if (s.length === len && line.startsWith(s, pos)) {
          found = s;
          break;
        }
      }
      if (found === undefined) return new TelemetryFault(`state: unknown device state ${fieldText(line, fieldStart, end)}`, "state");
      state = found;
      pos = stop;
      continue;
    }
    if (f === FLAGS_INDEX) {
      let v = 0;
      for (; pos < end; pos++) {
        const c = line.charCodeAt(pos);
        const h = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
        if (h < 0) break;
        v = v * 16 + h;
      }
      const digits = pos - fieldStart;
      if (digits === 0 || digits > FLAGS_MAX_DIGITS || (pos < end && line.charCodeAt(pos) !== 44)) {
        return new TelemetryFault(`flags: expected 1–4 hex digits, got ${fieldText(line, fieldStart, end)}`, "flags", 0, 0xffff);
      }
      vals[f] = v;
      continue;
    }
    // Plain decimal: optional minus, digits, optional dot and digits. Accumulate the digits
    // as one integer mantissa and divide once, which rounds exactly as Number() would.
    let neg = false;
    if (pos < end && line.charCodeAt(pos) === 45 /* - */) {
      neg = true;
      pos++;
    }
    let mantissa = 0;
    let digits = 0;
    let fracDigits = -1;
    for (; pos < end; pos++) {
      const c = line.charCodeAt(pos);
      if (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        if (fracDigits >= 0) fracDigits++;
      } else if (c === 46 /* . */ && fracDigits < 0 && digits > 0) {
        fracDigits = 0;
      } else break;
    }
    const b = BOUNDS[f]!;
    const name = TELEMETRY_FIELDS[f]!;
    if (digits === 0 || fracDigits === 0 || (pos < end && line.charCodeAt(pos) !== 44)) {
      return new TelemetryFault(`${name}: expected a decimal number, got ${fieldText(line, fieldStart, end)}`, name, b.min, b.max);
    }
    let v: number;
    if (digits > EXACT_DIGITS) v = Number(line.slice(fieldStart, pos)); // rare: rounding must match Number()
    else {
      v = fracDigits > 0 ? mantissa / POW10[fracDigits]! : mantissa;
      if (neg) v = -v;
    }
    if (!(v >= b.min && v <= b.max)) {
      return new TelemetryFault(`${name}: ${fieldText(line, fieldStart, end)} outside ${b.min}…${b.max}`, name, b.min, b.max);
    }
    if (b.whole && !Number.isInteger(v)) {
      return new TelemetryFault(`${name}: expected a whole number, got ${fieldText(line, fieldStart, end)}`, name, b.min, b.max);
    }
    vals[f] = v;
  }
  if (pos !== end) return new TelemetryFault(`expected ${FIELD_COUNT} telemetry fields, got more`);
  // Literal in TELEMETRY_FIELDS order: one hidden class for every decoded telemetry object.
  return {
    tMs: vals[0]!,
    state,
    projectorC: vals[2]!,
    matC: vals[3]!,
    projectorSetC: vals[4]!,
    matSetC: vals[5]!,
    projectorDuty: vals[6]!,
    matDuty: vals[7]!,
    positionMm: vals[8]!,
    targetMm: vals[9]!,
    speedMmS: vals[10]!,
    lift: vals[11]!,
    motorMa: vals[12]!,
    loadKg: vals[13]!,
    flags: vals[14]!,
  };
}

/** One decimal, no trailing ".0": temperatures and positions travel with 0.1 resolution. */
function fmt1(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Telemetry object → positional body. Duties, motor current and tMs travel as whole numbers. */
export function encodeTelemetry(t: Telemetry): string {
  return (
    Math.round(t.tMs) +
    "," +
    t.state +
    "," +
    fmt1(t.projectorC) +
    "," +
    fmt1(t.matC) +
    "," +
    fmt1(t.projectorSetC) +
    "," +
    fmt1(t.matSetC) +
    "," +
    Math.round(t.projectorDuty) +
    "," +
    Math.round(t.matDuty) +
    "," +
    fmt1(t.positionMm) +
    "," +
    fmt1(t.targetMm) +
    "," +
    fmt1(t.speedMmS) +
    "," +
    t.lift +
    "," +
    Math.round(t.motorMa) +
    "," +
    fmt1(t.loadKg) +
    "," +
    t.flags.toString(16).toUpperCase()
  );
}
