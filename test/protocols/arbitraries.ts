// fast-check arbitraries built from the zod message schemas, so a new field or a changed
// bound in messages.ts is exercised by the property tests without touching them.
import fc from "fast-check";
import type { z } from "zod";
import { BOOT_CHUNK_BYTES, MAX_FRAME_BYTES, SEQ_MODULO } from "../../protocols/constants.ts";
import { encodeFrame, type Frame } from "../../protocols/codec.ts";
import { CommandBodies, EventBody, NakBody, ReplyBodies, Telemetry, TELEMETRY_FIELDS } from "../../protocols/messages.ts";

interface SchemaView {
  _zod: { def: { type: string; checks?: { _zod: { def: { pattern?: RegExp } } }[] } & Record<string, unknown> };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  maxLength?: number | null;
  options?: string[];
  shape?: Record<string, SchemaView>;
}

/** An arbitrary of values the schema accepts (filtered through the schema itself). */
export function arbitraryFor(schema: z.ZodType): fc.Arbitrary<unknown> {
  const s = schema as unknown as SchemaView;
  const def = s._zod.def;
  switch (def.type) {
    case "object": {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [key, field] of Object.entries(s.shape!)) {
        const optional = field._zod.def.type === "optional";
        model[key] = arbitraryFor((optional ? field._zod.def.innerType : field) as z.ZodType);
        if (!optional) required.push(key);
      }
      return fc.record(model, { requiredKeys: required });
    }
    case "number": {
      const min = s.minValue ?? -Number.MAX_VALUE;
      const max = s.maxValue ?? Number.MAX_VALUE;
      const arb = s.isInt
        ? fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
      return arb.filter((v) => schema.safeParse(v).success);
    }
    case "string": {
      const pattern = def.checks?.map((c) => c._zod.def.pattern).find((p) => p instanceof RegExp);
      if (pattern) return fc.stringMatching(pattern);
      return fc.string({ unit: "binary", maxLength: s.maxLength ?? 60 }).filter((v) => schema.safeParse(v).success);
    }
    case "boolean":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...s.options!);
    case "tuple":
      return fc.tuple(...(def.items as z.ZodType[]).map(arbitraryFor));
    case "array":
      return fc.array(arbitraryFor(def.element as z.ZodType), { maxLength: 5 }).filter((v) => schema.safeParse(v).success);
    default:
      throw new Error(`arbitraryFor: no arbitrary for zod type ${def.type}`);
  }
}

/** Fields the encoder sends as whole numbers (it rounds them), so round trips use integers. */
const WHOLE_ON_WIRE = new Set(["tMs", "projectorDuty", "matDuty", "motorMa", "lift", "flags"]);

/** Telemetry at wire resolution (0.1, or whole where the encoder rounds), inside the schema bounds. */
export const telemetryArb: fc.Arbitrary<Telemetry> = fc.record(
  Object.fromEntries(
    TELEMETRY_FIELDS.map((name) => {
      const field = Telemetry.shape[name] as unknown as SchemaView;
      if (name === "state") return [name, arbitraryFor(Telemetry.shape.state)];
      const min = field.minValue!;
      const max = field.maxValue!;
      if (WHOLE_ON_WIRE.has(name)) return [name, fc.integer({ min, max })];
      return [name, fc.integer({ min: Math.round(min * 10), max: Math.round(max * 10) }).map((n) => n / 10)];
    }),
  ),
) as fc.Arbitrary<Telemetry>;

const seqArb = fc.integer({ min: 0, max: SEQ_MODULO - 1 });
const bootSizeMax = CommandBodies.BOOT.shape.size.maxValue!;

/** Every frame type the protocol has, each with a body its schema accepts. */
export const frameArbs: Record<string, fc.Arbitrary<Frame>> = {
  ...Object.fromEntries(
    Object.entries(CommandBodies).map(([type, schema]) => [
      type,
      fc.record({ type: fc.constant(type), seq: seqArb, body: arbitraryFor(schema) }) as fc.Arbitrary<Frame>,
    ]),
  ),
  TLM: fc.record({ type: fc.constant("TLM" as const), seq: seqArb, body: telemetryArb }),
  EVT: fc.record({ type: fc.constant("EVT" as const), seq: seqArb, body: arbitraryFor(EventBody) as fc.Arbitrary<EventBody> }),
  NAK: fc.record({ type: fc.constant("NAK" as const), seq: seqArb, body: arbitraryFor(NakBody) as fc.Arbitrary<NakBody> }),
  ACK: fc.record({
    type: fc.constant("ACK" as const),
    seq: seqArb,
    body: fc.oneof(
      fc.constant(undefined),
      fc.constant({ stale: true }),
      ...Object.values(ReplyBodies).map((s) => arbitraryFor(s) as fc.Arbitrary<Record<string, unknown>>),
    ),
  }),
  DATA: fc.record({
    type: fc.constant("DATA" as const),
    seq: seqArb,
    body: fc.record({
      offset: fc.integer({ min: 0, max: bootSizeMax }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: BOOT_CHUNK_BYTES }),
    }),
  }),
};

/** True when the frame fits the line limit (long strings escaped as \uXXXX may not). */
export function fitsOneLine(frame: Frame): boolean {
  try {
    return encodeFrame(frame).length <= MAX_FRAME_BYTES;
  } catch {
    return false;
  }
}
