import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, escapeBytes, type Frame, unescapeBytes } from "../../protocols/codec.ts";
import { MAX_FRAME_BYTES } from "../../protocols/constants.ts";
import { frameArbs, fitsOneLine } from "./arbitraries.ts";

/** Encoded line without its LF, as LineFramer hands it to the decoder. */
function wire(frame: Frame): string {
  return encodeFrame(frame).slice(0, -1);
}

function comparable(frame: Frame): unknown {
  // Uint8Array views compare by content; the decoded one is a subarray of a larger buffer.
  return frame.type === "DATA" ? { ...frame, body: { offset: frame.body.offset, bytes: Array.from(frame.body.bytes) } } : frame;
}

describe("every frame type survives encode → decode unchanged", () => {
  for (const [type, arb] of Object.entries(frameArbs)) {
    it(`${type}: any body its schema accepts comes back identical`, () => {
      fc.assert(
        fc.property(arb.filter(fitsOneLine), (frame) => {
          const line = wire(frame);
          expect(line.length + 1).toBeLessThanOrEqual(MAX_FRAME_BYTES);
          const result = decodeFrame(line);
          if (!result.ok) throw new Error(`${line} → ${result.error.kind}: ${result.error.detail}`);
          expect(comparable(result.frame)).toEqual(comparable(frame));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("JSON frames are printable ASCII even when a string holds accents or emoji", () => {
    const frame: Frame = { type: "EVT", seq: 9, body: { code: "I_BOOT", priority: "low", atMs: 5, detail: "Liegefläche 🔥 ok\u0000" } };
    const line = wire(frame);
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    const result = decodeFrame(line);
    expect(result.ok && result.frame).toEqual(frame);
  });

  it("a frame that would not fit one line is refused at encode time, not sent to be dropped", () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({ atMs: i, code: "E_SENSOR_OPEN" }));
    expect(() => encodeFrame({ type: "ACK", seq: 1, body: { entries, dropped: 0 } })).toThrow(RangeError);
  });
});

describe("bootloader DATA escaping", () => {
  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

  it("all 256 byte values round-trip, and the escaped text holds no LF or CR", () => {
    const escaped = escapeBytes(allBytes);
    expect(escaped).not.toMatch(/[\n\r]/);
    expect(escaped.length).toBe(256 + 3); // LF, CR and ESC each take two chars
    expect(Array.from(unescapeBytes(escaped)!)).toEqual(Array.from(allBytes));
  });

  it("a full 256-byte chunk of every value travels as one DATA frame", () => {
    const line = wire({ type: "DATA", seq: 3, body: { offset: 4096, bytes: allBytes } });
    const result = decodeFrame(line);
    expect(result.ok).toBe(true);
    if (result.ok && result.frame.type === "DATA") {
      expect(result.frame.body.offset).toBe(4096);
      expect(Array.from(result.frame.body.bytes)).toEqual(Array.from(allBytes));
    }
  });

  it("any byte string round-trips through escape → unescape", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(Array.from(unescapeBytes(escapeBytes(bytes))!)).toEqual(Array.from(bytes));
      }),
    );
  });

  it("an ESC followed by anything but an escaped LF, CR or ESC is refused", () => {
    expect(unescapeBytes("ab\x1b")).toBeUndefined(); // dangling ESC
    expect(unescapeBytes("\x1bA")).toBeUndefined(); // 'A' ^ 0x40 = 0x01, never escaped
    expect(unescapeBytes("a\nb")).toBeUndefined();
    expect(Array.from(unescapeBytes("\x1bJ\x1bM\x1b[")!)).toEqual([0x0a, 0x0d, 0x1b]);
  });
});
