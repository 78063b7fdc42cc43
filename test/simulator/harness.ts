// A host end for simulator tests that drives the wire directly with the codec (the real
// link layer lives in src/link and is not used here): send frames, wait for replies,
// collect telemetry and events, optionally ACK events and send heartbeats.
import { VirtualClock, type TimerHandle } from "../../protocols/clock.ts";
import { decodeFrame, encodeFrame, type CommandFrame, type Frame } from "../../protocols/codec.ts";
import { nextSeq } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { BytePort } from "../../protocols/port.ts";
import { SimulatedBed, type SimOptions } from "../../simulator/index.ts";
import { createLoopback } from "../../simulator/loopback.ts";

export interface Received {
  atMs: number;
  frame: Frame;
}

export class WireHost {
  readonly received: Received[] = [];
  badLines = 0;
  seq = 0;
  /** When the host last wrote to the wire (virtual ms). */
  lastSentMs = 0;
  autoAckEvents = true;
  private pending = "";
  private hbTimer: TimerHandle | undefined;

  constructor(
    readonly clock: VirtualClock,
    readonly port: BytePort,
  ) {
    port.onData((b) => this.onData(b));
  }

  private onData(b: Buffer): void {
    this.pending += b.toString("latin1");
    for (let nl = this.pending.indexOf("\n"); nl >= 0; nl = this.pending.indexOf("\n")) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const r = decodeFrame(line);
      if (!r.ok) {
        this.badLines++;
        continue;
      }
      this.received.push({ atMs: this.clock.now(), frame: r.frame });
      if (r.frame.type === "EVT" && this.autoAckEvents) this.sendRaw(encodeFrame({ type: "ACK", seq: r.frame.seq, body: undefined }));
    }
  }

  sendRaw(line: string): void {
    this.lastSentMs = this.clock.now();
    this.port.write(Buffer.from(line.endsWith("\n") ? line : `${line}\n`, "latin1"));
  }

  /** Sends a command with the next host seq (or a given one); returns its seq. */
  send<T extends CommandFrame["type"]>(type: T, body: Extract<CommandFrame, { type: T }>["body"], seq?: number): number {
    const s = seq ?? this.seq;
    if (seq === undefined) this.seq = nextSeq(this.seq);
    this.sendRaw(encodeFrame({ type, seq: s, body } as Frame));
    return s;
  }

  /** The ACK or NAK for seq, waiting up to maxMs of virtual time. */
  async reply(seq: number, maxMs = 2000, fromIndex = 0): Promise<Extract<Frame, { type: "ACK" | "NAK" }>> {
    const find = () => this.received.slice(fromIndex).find((r) => (r.frame.type === "ACK" || r.frame.type === "NAK") && r.frame.seq === seq);
    await this.clock.advanceUntil(() => find() !== undefined, maxMs);
    const r = find();
    if (!r) throw new Error(`no reply to seq ${seq} within ${maxMs} ms`);
    return r.frame as Extract<Frame, { type: "ACK" | "NAK" }>;
  }

  async command<T extends CommandFrame["type"]>(type: T, body: Extract<CommandFrame, { type: T }>["body"]) {
    const from = this.received.length;
    return this.reply(this.send(type, body as never), 2000, from);
  }

  async hello(sid = "0badcafe", proto: [number, number] = [1, 1]) {
    return this.command("HELLO", { proto, host: "test-host", sid });
  }

  startHeartbeat(periodMs = 250): void {
    this.stopHeartbeat();
    this.hbTimer = this.clock.setInterval(() => this.send("HB", {}), periodMs);
  }

  stopHeartbeat(): void {
    this.clock.clearInterval(this.hbTimer);
    this.hbTimer = undefined;
  }

  telemetry(sinceMs = -Infinity): (Telemetry & { seq: number; atMs: number })[] {
    return this.received.filter((r) => r.frame.type === "TLM" && r.atMs >= sinceMs).map((r) => ({ ...(r.frame.body as Telemetry), seq: r.frame.seq, atMs: r.atMs }));
  }

  lastTelemetry(): Telemetry | undefined {
    return this.telemetry().at(-1);
  }

  events(code?: string): (EventBody & { seq: number; atMs: number })[] {
    return this.received
      .filter((r) => r.frame.type === "EVT" && (code === undefined || (r.frame.body as EventBody).code === code))
      .map((r) => ({ ...(r.frame.body as EventBody), seq: r.frame.seq, atMs: r.atMs }));
  }

  async waitFor(pred: () => boolean, maxMs: number): Promise<boolean> {
    return this.clock.advanceUntil(pred, maxMs);
  }
}

export interface Rig {
  clock: VirtualClock;
  bed: SimulatedBed;
  host: WireHost;
}

/** A bed on a virtual clock with a host end attached; `ready` also handshakes and waits for homing. */
export async function rig(opts: Partial<SimOptions> = {}, ready = true, autoAckEvents = true): Promise<Rig> {
  const clock = new VirtualClock();
  const [hostEnd, deviceEnd] = createLoopback(clock);
  const bed = new SimulatedBed({ clock, seed: 7, ...opts });
  const host = new WireHost(clock, hostEnd);
  host.autoAckEvents = autoAckEvents;
  bed.attach(deviceEnd);
  if (ready) {
    await clock.advanceUntil(() => host.events("I_HOMED").length > 0, 30_000);
    const r = await host.hello();
    if (r.type !== "ACK") throw new Error(`handshake refused: ${JSON.stringify(r.body)}`);
    host.startHeartbeat();
  }
  return { clock, bed, host };
}
