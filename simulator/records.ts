// What the firmware remembers: the EVT outbox (retransmitted until the host ACKs), the reply
// cache for duplicates, the error log ring buffer, and usage counters. The log and counters
// survive reboots (flash); the outbox and the reply cache do not.
import type { Clock, TimerHandle } from "../protocols/clock.ts";
import { DEDUP_DEPTH, EVENT_CODES, EVT_MAX_ATTEMPTS, EVT_RETRY_MS, MAX_FRAME_BYTES, type EventCode, type Zone } from "../protocols/constants.ts";
import { encodeFrame } from "../protocols/codec.ts";
import type { EventBody } from "../protocols/messages.ts";
import { ERROR_LOG_DEPTH } from "./constants.ts";

/** The reply sent to each of the last DEDUP_DEPTH command seqs (PROTOCOL.md §7): a retransmission gets the same bytes. */
export class ReplyCache {
  private readonly bySeq = new Map<number, string>();

  get(seq: number): string | undefined {
    return this.bySeq.get(seq);
  }

  set(seq: number, line: string): void {
    this.bySeq.set(seq, line);
    if (this.bySeq.size > DEDUP_DEPTH) this.bySeq.delete(this.bySeq.keys().next().value!);
  }

  clear(): void {
    this.bySeq.clear();
  }
}

interface PendingEvent {
  line: string;
  attempts: number;
  timer: TimerHandle | undefined;
}

export class EventOutbox {
  private readonly pending = new Map<number, PendingEvent>();

  constructor(
    private readonly clock: Clock,
    private readonly allocSeq: () => number,
    private readonly send: (line: string) => void,
  ) {}

  raise(code: EventCode, atMs: number, extra: { zone?: Zone; detail?: string } = {}): void {
    const body: EventBody = { code, priority: EVENT_CODES[code].priority, atMs: Math.round(atMs), ...extra };
    const seq = this.allocSeq();
    const p: PendingEvent = { line: encodeFrame({ type: "EVT", seq, body }), attempts: 0, timer: undefined };
    this.pending.set(seq, p);
    this.transmit(seq, p);
  }

  private transmit(seq: number, p: PendingEvent): void {
    p.attempts++;
    this.send(p.line);
    if (p.attempts >= EVT_MAX_ATTEMPTS) {
      // Given up: the host missed it five times; the error log still has it.
      this.pending.delete(seq);
      return;
    }
    p.timer = this.clock.setTimeout(() => this.transmit(seq, p), EVT_RETRY_MS);
  }

  /** The host ACKed this device seq; true when it was an outstanding EVT. */
  ack(seq: number): boolean {
    const p = this.pending.get(seq);
    if (!p) return false;
    this.clock.clearTimeout(p.timer);
    this.pending.delete(seq);
    return true;
  }

  get outstanding(): number {
    return this.pending.size;
  }

  /** Power loss: RAM is gone, nothing more is retransmitted. */
  clear(): void {
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
  }
}

export interface LogEntry {
  atMs: number;
  code: string;
  detail?: string;
}

/** Fixed-depth ring in flash; overwritten entries are counted as dropped. */
export class ErrorLog {
  private entries: LogEntry[] = [];
  dropped = 0;

  add(entry: LogEntry): void {
    this.entries.push({ ...entry, atMs: Math.round(entry.atMs), ...(entry.detail ? { detail: entry.detail.slice(0, 24) } : {}) });
    if (this.entries.length > ERROR_LOG_DEPTH) {
      this.entries.shift();
      this.dropped++;
    }
  }

  /** The reply body for LOG: newest entries that fit in one frame, the rest counted as dropped. */
  reply(): { entries: LogEntry[]; dropped: number } {
    let entries = [...this.entries];
    let dropped = this.dropped;
    // Frame overhead ("ACK 65535 " + "*CRC4\n") is under 20 bytes.
    while (entries.length > 0 && JSON.stringify({ entries, dropped }).length + 20 > MAX_FRAME_BYTES) {
      entries = entries.slice(1);
      dropped++;
    }
    return { entries, dropped };
  }

  clear(): void {
    this.entries = [];
    this.dropped = 0;
  }

  get size(): number {
    return this.entries.length;
  }
}

export interface UsageCounters {
  heaterProjectorS: number;
  heaterMatS: number;
  /** Direction reversals; a cycle is two. */
  halfStrokes: number;
  sessions: number;
  boots: number;
}
