// Byte stream → lines, bounded: a line longer than the protocol allows is dropped and counted,
// and the reader resynchronises at the next newline. LineSplitter is the synchronous core;
// LineFramer wraps it as the @serialport/parser-readline stream the serial port is piped into.
import { ReadlineParser } from "@serialport/parser-readline";
import type { TransformCallback } from "node:stream";
import { MAX_FRAME_BYTES } from "./constants.ts";

export interface FramerStats {
  /** Every byte fed in: Σ emitted line lengths + discardedBytes + one per newline. */
  bytes: number;
  /** Non-empty lines emitted (each then goes to decodeFrame). */
  lines: number;
  /** Lines of MAX_FRAME_BYTES or more (newline included) that were dropped. */
  overlongLines: number;
  /** Bytes dropped: over-long lines and a partial line left at end of stream. */
  discardedBytes: number;
}

const LF = 0x0a;

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Splits bytes into lines (latin1 strings without the LF; a CR before it is kept for the
 * decoder to strip), so every byte maps to one char and the CRC is checked over exactly
 * what arrived. Empty lines carry nothing and are skipped.
 */
export class LineSplitter {
  readonly stats: FramerStats = { bytes: 0, lines: 0, overlongLines: 0, discardedBytes: 0 };
  /** Line content (LF excluded) this long or longer breaks the frame limit. */
  private readonly maxContentBytes: number;
  /** Start of a line that spans chunks, copied: the caller may reuse its chunk buffer. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an over-long line. */
  private discarding = false;

  constructor(maxLineBytes = MAX_FRAME_BYTES) {
    this.maxContentBytes = maxLineBytes;
  }

  /** Calls onLine synchronously, in order, for every line the chunk completes. */
  feed(chunk: Uint8Array, onLine: (line: string) => void): void {
    const buf = asBuffer(chunk);
    this.stats.bytes += buf.length;
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(LF, start);
      const end = nl < 0 ? buf.length : nl;
      const len = end - start;
      if (this.discarding) {
        this.stats.discardedBytes += len;
      } else if (this.pendingBytes + len >= this.maxContentBytes) {
        this.stats.overlongLines++;
        this.stats.discardedBytes += this.pendingBytes + len;
        this.pending = [];
        this.pendingBytes = 0;
        this.discarding = true;
      } else if (nl >= 0 && this.pendingBytes === 0) {
        // The common case: a whole line inside this chunk, decoded straight from it.
        if (len > 0) this.emit(buf.toString("latin1", start, end), onLine);
      } else if (len > 0) {
        this.pending.push(Buffer.from(buf.subarray(start, end)));
        this.pendingBytes += len;
      }
      if (nl < 0) break;
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pendingBytes > 0) {
        const line = Buffer.concat(this.pending, this.pendingBytes).toString("latin1");
        this.pending = [];
        this.pendingBytes = 0;
        this.emit(line, onLine);
      }
      start = nl + 1;
    }
  }

  /** End of stream: a partial line is not a frame, so it is dropped and counted. */
  end(): void {
    this.stats.discardedBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }

  private emit(line: string, onLine: (line: string) => void): void {
    this.stats.lines++;
    onLine(line);
  }
}

/**
 * The stream form: pipe a serial port (or any byte stream) in, read one latin1 string per
 * line out. Object mode on the readable side, so lines are never merged by a reader.
 */
export class LineFramer extends ReadlineParser {
  private readonly splitter: LineSplitter;
  private readonly pushLine = (line: string): void => {
    this.push(line);
  };

  constructor(maxLineBytes = MAX_FRAME_BYTES) {
    super({ delimiter: "\n", encoding: "latin1", readableObjectMode: true });
    this.splitter = new LineSplitter(maxLineBytes);
  }

  get stats(): FramerStats {
    return this.splitter.stats;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.splitter.feed(chunk, this.pushLine);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.splitter.end();
    cb();
  }
}
