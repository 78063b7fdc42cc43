import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, type Frame } from "../../protocols/codec.ts";
import { LineFramer, LineSplitter } from "../../protocols/framing.ts";

const FRAMES: Frame[] = [
  { type: "HELLO", seq: 1, body: { proto: [1, 1], host: "bedlink/0.1.0", sid: "0badbeef" } },
  { type: "DATA", seq: 2, body: { offset: 0, bytes: Uint8Array.from([10, 13, 27, 0, 255]) } },
  { type: "ACK", seq: 2, body: { nextOffset: 5 } },
  { type: "HB", seq: 3, body: {} },
];
const LINES = FRAMES.map((f) => encodeFrame(f));
/** The same frames, the last two sent with CRLF endings as some serial bridges do. */
const STREAM = LINES.map((l, i) => (i >= 2 ? l.replace(/\n$/, "\r\n") : l)).join("");

function split(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const splitter = new LineSplitter();
  for (const c of chunks) splitter.feed(c, (l) => out.push(l));
  splitter.end();
  return out;
}

describe("the line framer", () => {
  const whole = split([Buffer.from(STREAM, "latin1")]);

  it("hands every frame to the decoder, CRLF endings included", () => {
    expect(whole).toHaveLength(FRAMES.length);
    const decoded = whole.map((l) => decodeFrame(l));
    expect(decoded.map((r) => r.ok && r.frame.type)).toEqual(FRAMES.map((f) => f.type));
  });

  it("gives the same lines when the stream is split in two at every byte position", () => {
    const buf = Buffer.from(STREAM, "latin1");
    for (let cut = 0; cut <= buf.length; cut++) {
      // Copy each chunk so the test also proves the framer keeps its own copy of a partial line.
      const a = Buffer.from(buf.subarray(0, cut));
      const b = Buffer.from(buf.subarray(cut));
      expect(split([a, b]), `cut at ${cut}`).toEqual(whole);
    }
  });

  it("gives the same lines when bytes arrive one at a time into a reused buffer", () => {
    const buf = Buffer.from(STREAM, "latin1");
    const out: string[] = [];
    const splitter = new LineSplitter();
    const scratch = Buffer.alloc(1);
    for (const byte of buf) {
      scratch[0] = byte;
      splitter.feed(scratch, (l) => out.push(l));
    }
    expect(out).toEqual(whole);
  });

  it("skips empty lines and drops a partial line left when the port closes", () => {
    const splitter = new LineSplitter();
    const out: string[] = [];
    splitter.feed(Buffer.from("\n\n" + LINES[3] + "HB 4", "latin1"), (l) => out.push(l));
    splitter.end();
    expect(out).toEqual([LINES[3]!.slice(0, -1)]);
    expect(splitter.stats).toMatchObject({ lines: 1, discardedBytes: 4, bytes: 2 + LINES[3]!.length + 4 });
  });

  it("as a stream, emits one latin1 string per line, never two merged, even to an async reader", async () => {
    const framer = new LineFramer();
    const buf = Buffer.from(STREAM, "latin1");
    framer.write(buf.subarray(0, 7));
    framer.write(buf.subarray(7));
    framer.end();
    const got: string[] = [];
    for await (const line of framer) got.push(line as string);
    expect(got).toEqual(whole);
    expect(framer.stats.lines).toBe(FRAMES.length);
  });
});
