import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../helpers/prng.ts";
import { decodeFrame, type DecodeErrorKind, encodeFrame, type Frame } from "../../protocols/codec.ts";
import { MAX_FRAME_BYTES } from "../../protocols/constants.ts";
import { crc16String, crcHex } from "../../protocols/crc16.ts";
import { LineFramer, LineSplitter } from "../../protocols/framing.ts";

const TLM: Frame = {
  type: "TLM",
  seq: 7,
  body: {
    tMs: 61234, state: "active", projectorC: 45.2, matC: 38, projectorSetC: 45, matSetC: 40, projectorDuty: 37,
    matDuty: 12, positionMm: 312.5, targetMm: 400, speedMmS: -20, lift: 3, motorMa: 820, loadKg: 72.4, flags: 0x1b,
  },
};
const GOOD_FRAMES: Frame[] = [
  TLM,
  { type: "HEAT", seq: 12, body: { zone: "projector", targetC: 45 } },
  { type: "MOVE", seq: 65535, body: { positionMm: 420, speedMmS: 20 } },
  { type: "HB", seq: 0, body: {} },
  { type: "ACK", seq: 12, body: undefined },
  { type: "NAK", seq: 13, body: { code: "E_RANGE", message: "targetC too high", field: "targetC", min: 0, max: 65 } },
  { type: "EVT", seq: 8, body: { code: "E_SENSOR_OPEN", priority: "high", atMs: 61000, zone: "mat" } },
  { type: "DATA", seq: 40, body: { offset: 512, bytes: Uint8Array.from([0, 10, 13, 27, 42, 255]) } },
];

/** Seeded: the garbage is random but the same on every run. */
const prng = mulberry32;

describe("decode never throws or stalls on whatever the wire delivers", () => {
  it("arbitrary strings (any code point) get a result, never an exception", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 800 }), (s) => {
        const r = decodeFrame(s);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("arbitrary bytes read as latin1 get a result, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 800 }), (bytes) => {
        expect(typeof decodeFrame(Buffer.from(bytes).toString("latin1")).ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("garbage behind a valid CRC (a confused sender) is refused by body checks, never thrown", () => {
    // Random bodies with a correct CRC reach the parsers the CRC normally shields.
    const types = ["TLM", "DATA", "HEAT", "MOVE", "ACK", "NAK", "EVT", "HELLO", "BOOT", "XYZ", "tlm"];
    const bodyChars = fc.constantFrom(..."0123456789.,-:{}[]\"abcdefABCDEF :\x1b\x00\xff*e+".split(""));
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.string({ maxLength: 6 }), fc.string({ unit: bodyChars, maxLength: 120 }), (type, seq, body) => {
        const head = `${type} ${seq} ${body}`;
        const r = decodeFrame(`${head}*${crcHex(crc16String(head))}`);
        if (!r.ok) expect(r.error.kind).not.toBe("crc");
      }),
      { numRuns: 3000 },
    );
  });

  it("1 MiB of random bytes through LineFramer and the decoder finishes fast and is all counted", async () => {
    const rand = prng(0xbed11);
    const garbage = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (rand() * 256) | 0;
    // Sprinkle newlines like a noisy line would, so both short and over-long lines occur.
    for (let i = 0; i < 3000; i++) garbage[(rand() * garbage.length) | 0] = 0x0a;

    const framer = new LineFramer();
    const kinds: Partial<Record<DecodeErrorKind | "ok", number>> = {};
    let lineBytes = 0;
    const started = performance.now();
    framer.on("data", (line: string) => {
      lineBytes += line.length;
      const r = decodeFrame(line);
      const kind = r.ok ? "ok" : r.error.kind;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    });
    const ended = new Promise((resolve) => framer.on("end", resolve));
    for (let off = 0; off < garbage.length; off += 4096) framer.write(garbage.subarray(off, off + 4096));
    framer.end();
    await ended;
    const elapsedMs = performance.now() - started;

    const newlines = garbage.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
    const { stats } = framer;
    expect(stats.bytes).toBe(garbage.length);
    expect(lineBytes + stats.discardedBytes + newlines).toBe(garbage.length);
    expect(Object.values(kinds).reduce((a, b) => a + b, 0)).toBe(stats.lines);
    expect(stats.overlongLines).toBeGreaterThan(0);
    expect(kinds.ok ?? 0).toBe(0);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it("good frames between bursts of garbage are all recovered once the line resynchronises", () => {
    const rand = prng(42);
    const parts: Buffer[] = [];
    const sent = GOOD_FRAMES.flatMap((f) => [f, f, f]);
    for (const frame of sent) {
      const junk = Buffer.alloc(1 + ((rand() * 2000) | 0));
      for (let i = 0; i < junk.length; i++) junk[i] = (rand() * 256) | 0;
      parts.push(junk, Buffer.from("\n"), Buffer.from(encodeFrame(frame), "latin1"));
    }
    const got: Frame[] = [];
    const splitter = new LineSplitter();
    splitter.feed(Buffer.concat(parts), (line) => {
      const r = decodeFrame(line);
      if (r.ok) got.push(r.frame);
    });
    expect(got.map((f) => `${f.type} ${f.seq}`)).toEqual(sent.map((f) => `${f.type} ${f.seq}`));
  });
});

describe("over-long lines", () => {
  /** An ACK padded to exactly `lineBytes` bytes, LF included (ACK bodies are free-form). */
  function ackOfLength(lineBytes: number): string {
    const bare = encodeFrame({ type: "ACK", seq: 5, body: { pad: "" } }).length;
    const head = `ACK 5 ${JSON.stringify({ pad: "x".repeat(lineBytes - bare) })}`;
    return `${head}*${crcHex(crc16String(head))}\n`;
  }

  it("a frame of exactly the maximum length is accepted; one byte more is dropped and counted", () => {
    const max = ackOfLength(MAX_FRAME_BYTES);
    const over = ackOfLength(MAX_FRAME_BYTES + 1);
    expect(max.length).toBe(MAX_FRAME_BYTES);
    expect(decodeFrame(max.slice(0, -1)).ok).toBe(true);
    const r = decodeFrame(over.slice(0, -1));
    expect(!r.ok && r.error.kind).toBe("too-long");

    const lines: string[] = [];
    const splitter = new LineSplitter();
    splitter.feed(Buffer.from(over + max, "latin1"), (l) => lines.push(l));
    expect(lines).toEqual([max.slice(0, -1)]);
    expect(splitter.stats.overlongLines).toBe(1);
    expect(splitter.stats.discardedBytes).toBe(over.length - 1);
  });

  for (const size of [MAX_FRAME_BYTES, 10_000, 1024 * 1024]) {
    it(`a ${size}-byte line in 97-byte chunks is dropped, counted once, and the next frame decodes`, () => {
      const stream = Buffer.concat([Buffer.alloc(size, 0x41), Buffer.from("\n" + encodeFrame(TLM), "latin1")]);
      const splitter = new LineSplitter();
      const decoded: Frame[] = [];
      const started = performance.now();
      for (let off = 0; off < stream.length; off += 97) {
        splitter.feed(stream.subarray(off, off + 97), (line) => {
          const r = decodeFrame(line);
          if (r.ok) decoded.push(r.frame);
        });
      }
      expect(performance.now() - started).toBeLessThan(2000);
      expect(decoded).toEqual([TLM]);
      expect(splitter.stats).toMatchObject({ lines: 1, overlongLines: 1, discardedBytes: size });
    });
  }
});

describe("integrity: every single-bit flip of a good frame is rejected", () => {
  for (const frame of GOOD_FRAMES) {
    it(`${frame.type} ${frame.seq}: all ${8 * (encodeFrame(frame).length - 1)} flips refused`, () => {
      const bytes = Buffer.from(encodeFrame(frame).slice(0, -1), "latin1");
      expect(decodeFrame(bytes.toString("latin1")).ok).toBe(true);
      for (let i = 0; i < bytes.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const flipped = Buffer.from(bytes);
          flipped[i] = flipped[i]! ^ (1 << bit);
          const r = decodeFrame(flipped.toString("latin1"));
          if (r.ok) throw new Error(`flip of bit ${bit} in byte ${i} accepted: ${flipped.toString("latin1")}`);
        }
      }
    });
  }
});
