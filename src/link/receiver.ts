// Lines from the device → typed frames, with every dropped frame counted by kind and
// logged; telemetry kept in order, events acknowledged and delivered once.
import { decodeFrame, encodeFrame, type DecodeError, type Frame } from "../../protocols/codec.ts";
import { seqNewer } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { Logger } from "../log.ts";
import { EVENT_DEDUP_DEPTH } from "./constants.ts";
import type { ReplyFrame } from "./exchange.ts";
import type { LinkCounters } from "./stats.ts";

export interface ReceiverSink {
  reply(frame: ReplyFrame): void;
  telemetry(t: Telemetry, seq: number): void;
  event(e: EventBody, seq: number): void;
  /** Write raw bytes back (the EVT acknowledgement). */
  write(line: string): void;
}

export class Receiver {
  private lastTlmSeq: number | undefined;
  /** (seq, code, atMs) of recently delivered events: a retransmission repeats all three, a rebooted device's new event does not. */
  private readonly seenEvents: string[] = [];
  private readonly seenSet = new Set<string>();
  private readonly firstLogged = new Set<string>();

  constructor(
    private readonly counters: LinkCounters,
    /** A getter: the link's logger gains the device serial and sid once handshaken. */
    private readonly log: () => Logger,
    private readonly sink: ReceiverSink,
  ) {}

  /**
   * New session: the device's counter may have restarted, so old telemetry order and old event
   * keys mean nothing (a rebooted device numbers its I_BOOT 0 again, with much the same uptime).
   */
  resetSession(): void {
    this.lastTlmSeq = undefined;
    this.seenEvents.length = 0;
    this.seenSet.clear();
  }

  line(line: string): boolean {
    this.counters.framesIn++;
    const r = decodeFrame(line);
    if (!r.ok) {
      this.dropped(r.error);
      return false;
    }
    this.frame(r.frame);
    return true;
  }

  private frame(f: Frame): void {
    switch (f.type) {
      case "ACK":
      case "NAK":
        if (f.type === "NAK") this.counters.naks++;
        this.sink.reply(f);
        return;
      case "TLM":
        this.counters.telemetryIn++;
        // A rebooted device numbers from 0 again: its boot-state telemetry must get through
        // (the link detects the reboot from it), so a boot frame restarts the order.
        if (this.lastTlmSeq !== undefined && !seqNewer(f.seq, this.lastTlmSeq) && f.body.state !== "boot") {
          this.counters.staleTelemetryDropped++;
          return;
        }
        this.lastTlmSeq = f.seq;
        this.sink.telemetry(f.body, f.seq);
        return;
      case "EVT": {
        this.counters.eventsIn++;
        // Always ACK, even a duplicate: the device retransmits because our last ACK was lost.
        this.sink.write(encodeFrame({ type: "ACK", seq: f.seq, body: undefined }));
        const key = `${f.seq}|${f.body.code}|${f.body.atMs}`;
        if (this.seenSet.has(key)) {
          this.counters.duplicateEventsDropped++;
          return;
        }
        this.seenSet.add(key);
        this.seenEvents.push(key);
        if (this.seenEvents.length > EVENT_DEDUP_DEPTH) this.seenSet.delete(this.seenEvents.shift()!);
        this.sink.event(f.body, f.seq);
        return;
      }
      default:
        // A command type from the device side: valid CRC but meaningless here.
        this.dropped({ kind: "unknown-type", detail: `device sent host command ${f.type}`, type: f.type, seq: f.seq });
    }
  }

  private dropped(e: DecodeError): void {
    switch (e.kind) {
      case "crc":
        this.counters.crcErrors++;
        break;
      case "framing":
        this.counters.framingErrors++;
        break;
      case "too-long":
        this.counters.overlongLines++;
        break;
      case "unknown-type":
        this.counters.unknownTypes++;
        break;
      case "body":
        this.counters.bodyErrors++;
        break;
    }
    // First of each kind at warn (something is wrong with the line), the rest at debug: the counters carry the totals.
    const level = this.firstLogged.has(e.kind) ? "debug" : "warn";
    this.firstLogged.add(e.kind);
    this.log()[level]({ kind: e.kind, detail: e.detail, type: e.type, seq: e.seq }, "dropped a frame from the device");
  }
}
