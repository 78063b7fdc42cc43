import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, TelemetryObjectSchema } from "../../protocols/codec.ts";
import { crc16String, crcHex } from "../../protocols/crc16.ts";
import { TELEMETRY_FIELDS, type Telemetry } from "../../protocols/messages.ts";

interface Bounds {
  minValue: number;
  maxValue: number;
}

/** Writes every value exactly as given (no rounding), so both decoders see the same numbers. */
function exactTlmLine(t: Record<string, unknown>): string {
  const body = TELEMETRY_FIELDS.map((name) => {
    const v = t[name];
    return name === "flags" && typeof v === "number" ? v.toString(16).toUpperCase() : String(v);
  }).join(",");
  const head = `TLM 1 ${body}`;
  return `${head}*${crcHex(crc16String(head))}`;
}

/** Numbers at up to three decimals from well inside to well outside each field's bounds. */
function numberNear(b: Bounds): fc.Arbitrary<number> {
  const span = Math.max(1, b.maxValue - b.minValue);
  const lo = Math.max(Number.MIN_SAFE_INTEGER / 1000, b.minValue - span);
  const hi = Math.min(Number.MAX_SAFE_INTEGER / 1000, b.maxValue + span);
  const decimals = (min: number, max: number) =>
    fc.tuple(fc.integer({ min: Math.ceil(min * 1000), max: Math.floor(max * 1000) }), fc.constantFrom(1, 10, 100, 1000)).map(([n, d]) => Math.trunc(n / (1000 / d)) / d + 0); // + 0: String(-0) is "0", so no -0
  // Mostly in range, so that whole readings (all 15 fields valid) are common too.
  return fc.oneof(
    { arbitrary: decimals(Math.max(lo, b.minValue), Math.min(hi, b.maxValue)), weight: 14 },
    { arbitrary: decimals(lo, hi), weight: 1 },
    { arbitrary: fc.constantFrom(b.minValue, b.maxValue, b.minValue - 0.1, b.maxValue + 0.1, NaN, Infinity, -Infinity), weight: 1 },
  );
}

const candidate = fc.record(
  Object.fromEntries(
    TELEMETRY_FIELDS.map((name) => {
      if (name === "state") return [name, fc.constantFrom(...TelemetryObjectSchema.shape.state.options, "asleep", "")];
      return [name, numberNear(TelemetryObjectSchema.shape[name] as unknown as Bounds)];
    }),
  ),
);

describe("the fast telemetry decoder and the zod Telemetry schema agree", () => {
  it("a reading accepted by one is accepted by the other, with the same values", () => {
    let accepted = 0;
    fc.assert(
      fc.property(candidate, (t) => {
        const zod = TelemetryObjectSchema.safeParse(t);
        const fast = decodeFrame(exactTlmLine(t));
        expect(fast.ok).toBe(zod.success);
        if (fast.ok && zod.success && fast.frame.type === "TLM") {
          accepted++;
          expect(fast.frame.body).toEqual(zod.data);
        }
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(20); // both outcomes were really exercised
  });

  const valid: Telemetry = {
    tMs: 1000, state: "idle", projectorC: 22, matC: 22, projectorSetC: 0, matSetC: 0, projectorDuty: 0,
    matDuty: 0, positionMm: 0, targetMm: 0, speedMmS: 0, lift: 0, motorMa: 0, loadKg: 0, flags: 1,
  };

  for (const name of TELEMETRY_FIELDS) {
    if (name === "state") continue;
    const { minValue, maxValue } = TelemetryObjectSchema.shape[name] as unknown as Bounds;
    it(`${name}: the exact bounds ${minValue}…${maxValue} pass, just outside is refused by both and named`, () => {
      const whole = name === "tMs" || name === "lift" || name === "flags";
      const step = whole ? 1 : 0.1;
      for (const v of [minValue, maxValue]) {
        expect(decodeFrame(exactTlmLine({ ...valid, [name]: v })).ok).toBe(true);
      }
      for (const v of [minValue - step, maxValue + step]) {
        const t = { ...valid, [name]: v };
        expect(TelemetryObjectSchema.safeParse(t).success).toBe(false);
        const r = decodeFrame(exactTlmLine(t));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatchObject({ kind: "body", field: name, min: minValue, max: maxValue });
      }
    });
  }

  it("a flipped temperature reading is never believed: CRC first, then the sensor range", () => {
    const line = exactTlmLine({ ...valid, projectorC: 45.2 });
    expect(decodeFrame(line.replace("45.2", "95.2")).ok).toBe(false); // CRC catches it
    const r = decodeFrame(exactTlmLine({ ...valid, projectorC: 451 }));
    expect(!r.ok && r.error.detail).toMatch(/projectorC.*-55…250/);
  });

  it("numbers must be plain decimals: hex, exponents, spaces and empty fields are refused", () => {
    for (const bad of ["0x10", "1e2", " 12", "12 ", "", "+5", ".5", "5.", "1..2", "--1", "Infinity"]) {
      const line = exactTlmLine({ ...valid, projectorC: bad });
      const r = decodeFrame(line);
      expect(r.ok, `projectorC=${JSON.stringify(bad)}`).toBe(false);
      if (!r.ok) expect(r.error.field).toBe("projectorC");
    }
  });

  it("too few or too many fields are refused", () => {
    const body = exactTlmLine(valid).split(" ")[2]!.split("*")[0]!;
    for (const b of [body.split(",").slice(0, -1).join(","), `${body},0`, ""]) {
      const head = `TLM 1 ${b}`;
      expect(decodeFrame(`${head}*${crcHex(crc16String(head))}`).ok).toBe(false);
    }
  });
});
