// The simulator's serial front end: bytes in and out of a BytePort, line framing, the link
// faults (bytes and frames, both directions), baud pacing, and the wire log.
import type { Clock } from "../protocols/clock.ts";
import { MAX_FRAME_BYTES } from "../protocols/constants.ts";
import type { BytePort } from "../protocols/port.ts";
import type { FaultKind } from "./faults.ts";
import type { Prng } from "./prng.ts";

export interface LinkFaults {
  /** Rate or ms of an active fault of this kind; 0 when inactive. */
  value(kind: FaultKind): number;
  /** True when any link fault is active (fast path for the clean case). */
  readonly linkActive: boolean;
}

export interface WireOptions {
  clock: Clock;
  rng: Prng;
  faults: LinkFaults;
  /** Line rate to pace at, bits/s (10 bits per byte, 8N1); undefined = as fast as the pipe goes. */
  baud?: number;
  /** Device-clock origin for log timestamps. */
  epochMs: number;
  log: string[];
  /** Called with each new wire-log entry (for a live trace). */
  onLog?: (entry: string) => void;
  onLine(line: string): void;
}

/** A reordered frame goes out after the next one, or after this long if none follows, ms. */
const REORDER_HOLD_MS = 500;

export class SimWire {
  port: BytePort | undefined;
  readonly stats = { overlong: 0, rxLines: 0, txLines: 0 };
  private unsubscribe: (() => void)[] = [];
  private rxPending = "";
  private rxDiscarding = false;
  private rxFreeAtMs = 0;
  private txFreeAtMs = 0;
  private heldRx: string | undefined;
  private heldTx: string | undefined;

  constructor(private readonly o: WireOptions) {}

  attach(port: BytePort, onClose: () => void): void {
    this.detach();
    this.port = port;
    this.rxPending = "";
    this.unsubscribe = [port.onData((b) => this.onData(b)), port.onClose(() => onClose())];
  }

  detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.port = undefined;
  }

  note(text: string): void {
    this.record(`${this.stamp()} ! ${text}`);
  }

  private record(entry: string): void {
    this.o.log.push(entry);
    this.o.onLog?.(entry);
  }

  private stamp(): string {
    return (Math.round((this.o.clock.now() - this.o.epochMs) * 10) / 10).toFixed(1);
  }

  // ------------------------------------------------------------------ receive

  private onData(bytes: Buffer): void {
    if (!this.o.baud) return this.rxBytes(bytes);
    const now = this.o.clock.now();
    this.rxFreeAtMs = Math.max(now, this.rxFreeAtMs) + (bytes.length * 10_000) / this.o.baud;
    const copy = Buffer.from(bytes);
    this.o.clock.setTimeout(() => this.rxBytes(copy), this.rxFreeAtMs - now);
  }

  private rxBytes(input: Buffer): void {
    const f = this.o.faults;
    const bytes = f.linkActive ? this.corrupt(input, f.value("bitflip-rx"), f.value("dropbyte-rx"), "rx") : input;
    let text = bytes.toString("latin1");
    for (;;) {
      const nl = text.indexOf("\n");
      const piece = nl < 0 ? text : text.slice(0, nl);
      if (this.rxDiscarding) {
        // Skipping the rest of an over-long line.
      } else if (this.rxPending.length + piece.length >= MAX_FRAME_BYTES) {
        this.stats.overlong++;
        this.rxPending = "";
        this.rxDiscarding = true;
      } else this.rxPending += piece;
      if (nl < 0) break;
      if (this.rxDiscarding) this.rxDiscarding = false;
      else {
        const line = this.rxPending;
        this.rxPending = "";
        if (line.length > 0 && line !== "\r") this.rxFrame(line);
      }
      text = text.slice(nl + 1);
    }
  }

  private rxFrame(line: string): void {
    const f = this.o.faults;
    if (f.linkActive) {
      const rng = this.o.rng;
      if (rng.chance(f.value("drop-frame-rx"))) return this.note(`drop-frame-rx ${head(line)}`);
      const delayMs = f.value("delay-frame-rx");
      if (delayMs > 0) {
        this.note(`delay-frame-rx ${delayMs}ms ${head(line)}`);
        this.o.clock.setTimeout(() => this.deliver(line), delayMs);
        return;
      }
      if (this.heldRx === undefined && rng.chance(f.value("reorder-rx"))) {
        this.note(`reorder-rx hold ${head(line)}`);
        this.heldRx = line;
        this.o.clock.setTimeout(() => this.releaseRx(line), REORDER_HOLD_MS);
        return;
      }
      this.deliver(line);
      if (rng.chance(f.value("dup-frame-rx"))) {
        this.note(`dup-frame-rx ${head(line)}`);
        this.deliver(line);
      }
      if (this.heldRx !== undefined) this.releaseRx(this.heldRx);
      return;
    }
    this.deliver(line);
  }

  private releaseRx(line: string): void {
    if (this.heldRx !== line) return;
    this.heldRx = undefined;
    this.deliver(line);
  }

  private deliver(line: string): void {
    this.stats.rxLines++;
    this.record(`${this.stamp()} < ${printable(line)}`);
    this.o.onLine(line);
  }

  // ------------------------------------------------------------------ send

  /** Sends one encoded frame (newline included). `reply` frames are subject to the ack faults. */
  send(line: string, isReply: boolean): void {
    if (!this.port) return;
    const f = this.o.faults;
    if (!f.linkActive) return this.txWrite(line);
    if (isReply) {
      if (this.o.rng.chance(f.value("no-ack"))) return this.note(`no-ack ${head(line)}`);
      const slowMs = f.value("slow-ack");
      if (slowMs > 0) {
        this.note(`slow-ack ${slowMs}ms ${head(line)}`);
        this.o.clock.setTimeout(() => this.txFrame(line), slowMs);
        return;
      }
    }
    this.txFrame(line);
  }

  private txFrame(line: string): void {
    const f = this.o.faults;
    const rng = this.o.rng;
    if (rng.chance(f.value("drop-frame-tx"))) return this.note(`drop-frame-tx ${head(line)}`);
    const delayMs = f.value("delay-frame-tx");
    if (delayMs > 0) {
      this.note(`delay-frame-tx ${delayMs}ms ${head(line)}`);
      this.o.clock.setTimeout(() => this.txWrite(line), delayMs);
      return;
    }
    if (this.heldTx === undefined && rng.chance(f.value("reorder-tx"))) {
      this.note(`reorder-tx hold ${head(line)}`);
      this.heldTx = line;
      this.o.clock.setTimeout(() => this.releaseTx(line), REORDER_HOLD_MS);
      return;
    }
    this.txWrite(line);
    if (rng.chance(f.value("dup-frame-tx"))) {
      this.note(`dup-frame-tx ${head(line)}`);
      this.txWrite(line);
    }
    if (this.heldTx !== undefined) this.releaseTx(this.heldTx);
  }

  private releaseTx(line: string): void {
    if (this.heldTx !== line) return;
    this.heldTx = undefined;
    this.txWrite(line);
  }

  private txWrite(line: string): void {
    const port = this.port;
    if (!port) return;
    const f = this.o.faults;
    let bytes: Buffer = Buffer.from(line, "latin1");
    if (f.linkActive) bytes = this.corrupt(bytes, f.value("bitflip-tx"), f.value("dropbyte-tx"), "tx");
    this.stats.txLines++;
    this.record(`${this.stamp()} > ${printable(bytes.toString("latin1").replace(/\n$/, ""))}`);
    if (!this.o.baud) return port.write(bytes);
    // Paced: the bytes arrive when the last one has crossed the line.
    const now = this.o.clock.now();
    this.txFreeAtMs = Math.max(now, this.txFreeAtMs) + (bytes.length * 10_000) / this.o.baud;
    this.o.clock.setTimeout(() => this.port?.write(bytes), this.txFreeAtMs - now);
  }

  private corrupt(input: Buffer, flipRate: number, dropRate: number, dir: "rx" | "tx"): Buffer {
    if (flipRate <= 0 && dropRate <= 0) return input;
    const rng = this.o.rng;
    const out: number[] = [];
    for (const b of input) {
      if (rng.chance(dropRate)) {
        this.note(`dropbyte-${dir} 0x${b.toString(16).padStart(2, "0")}`);
        continue;
      }
      if (rng.chance(flipRate)) {
        const bit = rng.int(8);
        this.note(`bitflip-${dir} bit ${bit} of 0x${b.toString(16).padStart(2, "0")}`);
        out.push(b ^ (1 << bit));
      } else out.push(b);
    }
    return Buffer.from(out);
  }
}

/** The first word and seq of a line, for notes. */
function head(line: string): string {
  return printable(line.replace(/\n$/, "").split(" ").slice(0, 2).join(" "));
}

const NON_PRINTABLE = /[^\x20-\x7e]/;

/** Log form: printable ASCII as is, anything else as \xHH. */
export function printable(s: string): string {
  if (!NON_PRINTABLE.test(s)) return s;
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
