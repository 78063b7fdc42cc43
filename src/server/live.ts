// Live push over server-sent events: a snapshot when a page connects (so a refreshed page is right at
// once), then state + telemetry at LIVE_HZ to every subscriber, each payload serialised once.
import type { ServerResponse } from "node:http";
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import type { Logger } from "../log.ts";
import type { Panel } from "./panel.ts";
import { statusView } from "./statusView.ts";

/** 10 Hz: twice the brief's 5 Hz floor, and the bed's own telemetry rate (nothing fresher to send). */
export const LIVE_HZ = 10;
/** A subscriber this far behind (a stalled tab) gets no new frames until its buffer drains. */
const SLOW_SUBSCRIBER_BYTES = 256 * 1024;
/** EventSource reconnect delay the page is told to use. */
const RETRY_MS = 1000;

export class LiveHub {
  private readonly subscribers = new Set<ServerResponse>();
  private timer: TimerHandle | undefined;
  private seq = 0;
  private alarmsVersionSent = -1;

  constructor(
    private readonly panel: Panel,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  start(): void {
    this.timer ??= this.clock.setInterval(() => this.tick(), 1000 / LIVE_HZ);
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const snapshot = { ...statusView(this.panel), history: this.panel.history.list(), alarms: this.panel.alarms.active };
    res.write(`retry: ${RETRY_MS}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    this.subscribers.add(res);
    res.on("close", () => this.subscribers.delete(res));
    this.start();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  private tick(): void {
    if (this.subscribers.size === 0) return;
    let frame = `event: tick\ndata: ${JSON.stringify({ seq: this.seq++, atMs: Math.round(this.clock.now()), ...statusView(this.panel) })}\n\n`;
    if (this.panel.alarms.version !== this.alarmsVersionSent) {
      this.alarmsVersionSent = this.panel.alarms.version;
      frame += `event: alarms\ndata: ${JSON.stringify(this.panel.alarms.active)}\n\n`;
    }
    for (const res of this.subscribers) {
      if (res.writableLength > SLOW_SUBSCRIBER_BYTES) continue;
      try {
        res.write(frame);
      } catch (err) {
        this.logger.debug({ err }, "live subscriber write failed");
        this.subscribers.delete(res);
      }
    }
  }
}
