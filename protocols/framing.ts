// Byte stream → lines. @serialport/parser-readline, bounded: a line longer than the
// protocol allows is dropped and counted, and the reader resynchronises at the next newline.
import { ReadlineParser } from "@serialport/parser-readline";
import type { TransformCallback } from "node:stream";
import { MAX_FRAME_BYTES } from "./constants.ts";

export interface FramerStats {
  lines: number;
  overlongLines: number;
  discardedBytes: number;
}

const LF = 0x0a;

/**
 * Emits each line (without its newline) as a latin1 string, so every byte maps to one
 * char and the CRC can be checked over exactly what arrived.
 */
export class LineFramer extends ReadlineParser {
  readonly stats: FramerStats = { lines: 0, overlongLines: 0, discardedBytes: 0 };
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an over-long line. */
  private discarding = false;

  constructor(maxLineBytes = MAX_FRAME_BYTES) {
    super({ delimiter: "\n", encoding: "latin1" });
    this.maxLineBytes = maxLineBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.discarding) {
        this.stats.discardedBytes += piece.length;
      } else if (this.pendingBytes + piece.length >= this.maxLineBytes) {
        // Over-long: drop what we have and everything up to the next newline.
        this.stats.overlongLines++;
        this.stats.discardedBytes += this.pendingBytes + piece.length;
        this.pending = [];
        this.pendingBytes = 0;
        this.discarding = true;
      } else if (piece.length > 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (nl < 0) break;
      if (this.discarding) {
        this.discarding = false;
      } else {
        const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        this.stats.lines++;
        this.push(line);
      }
      start = nl + 1;
    }
    // Copy partial data we keep: the caller may reuse its chunk buffer.
    if (this.pending.length > 0 && sharesMemory(this.pending, chunk)) {
      this.pending = [Buffer.from(Buffer.concat(this.pending, this.pendingBytes))];
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    // A partial line at close is not a frame: drop it.
    if (this.pendingBytes > 0) this.stats.discardedBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    cb();
  }
}

function sharesMemory(pending: Buffer[], chunk: Buffer): boolean {
  return pending.some((p) => p.buffer === chunk.buffer);
}
