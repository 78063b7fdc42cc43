// The link: a small hand-written state machine over one transport at a time —
// connecting → handshaking → up → (down → connecting …) → closed — with the command
// window, heartbeat, out-of-band ESTOP, reboot detection and reconnect with backoff.
import { randomInt } from "node:crypto";
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { encodeFrame, type Frame } from "../../protocols/codec.ts";
import { nextSeq, SEQ_MODULO } from "../../protocols/constants.ts";
import { LineFramer } from "../../protocols/framing.ts";
import type { CommandType, EventBody, Identity, Telemetry } from "../../protocols/messages.ts";
import type { BytePort } from "../../protocols/port.ts";
import { BedlinkError, ErrorCode, isBedlinkError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { TransportFactory } from "../transport/types.ts";
import * as K from "./constants.ts";
import { TypedEmitter } from "./emitter.ts";
import { exchange, rejection, type ReplyFrame, type Wire } from "./exchange.ts";
import { handshake, newSessionId } from "./handshake.ts";
import { Heartbeat } from "./heartbeat.ts";
import { RebootWatch } from "./rebootWatch.ts";
import { Receiver } from "./receiver.ts";
import { RttEstimator } from "./rtt.ts";
import { emptyCounters, type LinkStats } from "./stats.ts";
import { Waitress } from "./waitress.ts";
import { CommandWindow, type SendGate, type SendOptions } from "./window.ts";

export type LinkState = "connecting" | "handshaking" | "up" | "down" | "closed";

export interface LinkOptions {
  transport: TransportFactory;
  clock: Clock;
  logger?: Logger;
  /** Reconnect after an unplug (default true). */
  reconnect?: boolean;
  hostName?: string;
  /** Source of the session id and first sequence number (seeded in tests). Returns [0, 1). */
  random?: () => number;
  /** Line rate when the transport is a serial line, bit/s: retransmission timers then allow for wire time. */
  baud?: number;
}

export type LinkEvents = {
  state: (s: LinkState) => void;
  identity: (id: Identity) => void;
  telemetry: (t: Telemetry, seq: number) => void;
  event: (e: EventBody, seq: number) => void;
};

const cryptoRandom = (): number => randomInt(0, 2 ** 32) / 2 ** 32;

export class Link extends TypedEmitter<LinkEvents> implements Wire {
  state: LinkState = "connecting";
  identity: Identity | undefined;
  readonly counters = emptyCounters();
  readonly rtt = new RttEstimator();
  private readonly clock: Clock;
  private readonly baseLog: Logger;
  private log: Logger;
  private readonly random: () => number;
  private readonly replies: Waitress<ReplyFrame, number>;
  private gate: SendGate | undefined;
  private readonly window = new CommandWindow((type, body) => this.gate?.(type, body));
  private readonly receiver: Receiver;
  private port: BytePort | undefined;
  private detachPort: (() => void) | undefined;
  private framer: LineFramer | undefined;
  private hostSeq = 0;
  private sid: string | undefined;
  private upSinceMs: number | undefined;
  private lastRxMs = 0;
  /** Clock time the bytes written so far will have crossed the line (known baud only). */
  private lineFreeAtMs = 0;
  private readonly heartbeat: Heartbeat;
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs = K.RECONNECT_INITIAL_MS;
  private readonly rebootWatch = new RebootWatch();

  constructor(private readonly opts: LinkOptions) {
    super((event, err) => this.log.error({ err, event }, "link listener threw"));
    this.clock = opts.clock;
    this.baseLog = (opts.logger ?? silentLogger()).child({ ns: "bedlink:link" });
    this.log = this.baseLog;
    this.random = opts.random ?? cryptoRandom;
    this.replies = new Waitress<ReplyFrame, number>(this.clock, (f, seq) => f.seq === seq, (seq) => `reply to seq ${seq}`);
    this.heartbeat = new Heartbeat(this.clock, this, () => this.lastRxMs, (ms) => this.loseConnection(`no valid frame from the device for ${ms} ms`));
    this.receiver = new Receiver(this.counters, () => this.log, {
      reply: (f) => this.onReply(f),
      telemetry: (t, seq) => this.onTelemetry(t, seq),
      event: (e, seq) => this.onEvent(e, seq),
      write: (line) => this.writeLine(line),
    });
  }

  // ------------------------------------------------------------------ public
  /** First connection: resolves once handshaken, rejects (and closes) if that fails. */
  async open(): Promise<Identity> {
    try {
      await this.connectOnce();
      return this.identity!;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  send(type: CommandType, body: unknown, opts: SendOptions = {}): Promise<Record<string, unknown> | undefined> {
    if (this.state !== "up") return Promise.reject(this.downError(type));
    return this.window.submit(type, body, opts);
  }

  /** The driver's rule for what may still go on the wire; asked again for everything queued on recheckGate(). */
  setGate(gate: SendGate): void {
    this.gate = gate;
  }

  recheckGate(): void {
    this.window.recheck();
  }

  /** No heartbeats until the returned release is called: the bed's lease runs out unless commands renew it. */
  holdHeartbeats(): () => void {
    return this.heartbeat.hold();
  }

  get heartbeatsHeld(): boolean {
    return this.heartbeat.held;
  }

  /** Out of band: never queued behind the window, repeated every 50 ms until ACKed. Valid before a handshake too. */
  async estop(): Promise<void> {
    if (!this.port?.isOpen || this.state === "closed") throw this.downError("ESTOP");
    this.counters.estopsSent++;
    const reply = await exchange(this, "ESTOP", {}, {
      maxAttempts: K.ESTOP_MAX_ATTEMPTS,
      timeoutForAttempt: () => K.ESTOP_REPEAT_MS,
      timeoutKind: "estop",
    });
    if (reply.type === "NAK") throw rejection("ESTOP", reply);
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.setState("closed");
    this.clock.clearTimeout(this.reconnectTimer);
    await this.dropPort(new BedlinkError(ErrorCode.LinkDown, "link closed"));
  }

  stats(): LinkStats {
    return {
      ...structuredClone(this.counters),
      overlongLines: this.counters.overlongLines + (this.framer?.stats.overlongLines ?? 0),
      state: this.state,
      transport: this.port?.description,
      sid: this.sid,
      upSinceMs: this.upSinceMs,
      inFlight: this.window.inFlightCount,
      queued: this.window.queuedCount,
      rtt: this.rtt.stats(),
    };
  }

  // ------------------------------------------------------------------ Wire (for exchange)
  now(): number {
    return this.clock.now();
  }

  allocSeq(): number {
    const s = this.hostSeq;
    this.hostSeq = nextSeq(s);
    return s;
  }

  peekSeq(): number {
    return this.hostSeq;
  }

  writeFrame(frame: Frame): void {
    this.writeLine(encodeFrame(frame));
  }

  lineDelayMs(frame: Frame): number {
    const baud = this.opts.baud;
    if (!baud) return 0;
    const queuedMs = Math.max(0, this.lineFreeAtMs - this.clock.now());
    return queuedMs + (encodeFrame(frame).length * K.BITS_PER_BYTE * 1000) / baud;
  }

  awaitReply(seq: number, timeoutMs: number) {
    return this.replies.waitFor(seq, timeoutMs);
  }

  // ------------------------------------------------------------------ connection lifecycle
  private async connectOnce(): Promise<void> {
    this.setState("connecting");
    let port: BytePort;
    try {
      port = await this.opts.transport();
    } catch (err) {
      if (isBedlinkError(err)) throw err;
      throw new BedlinkError(ErrorCode.TransportOpenFailed, `could not open the transport: ${(err as Error).message}`, { cause: String(err) });
    }
    if (this.state === "closed") {
      await port.close();
      throw new BedlinkError(ErrorCode.LinkDown, "link closed while connecting");
    }
    this.attachPort(port);
    await this.startSession();
  }

  /** HELLO with a fresh sid and fresh sequence numbers; on success the window opens. */
  private async startSession(): Promise<void> {
    this.setState("handshaking");
    this.sid = newSessionId(this.random);
    this.hostSeq = Math.floor(this.random() * SEQ_MODULO);
    this.rtt.resetEstimate();
    this.receiver.resetSession();
    this.rebootWatch.reset();
    this.lastRxMs = this.clock.now();
    let identity: Identity;
    try {
      identity = await handshake(this, this.sid, this.opts.hostName ?? K.HOST_NAME_DEFAULT);
    } catch (err) {
      await this.dropPort(err as Error);
      throw err;
    }
    if ((this.state as LinkState) === "closed") throw new BedlinkError(ErrorCode.LinkDown, "link closed during the handshake");
    this.counters.handshakes++;
    this.identity = identity;
    this.log = this.baseLog.child({ serial: identity.serial, sid: this.sid });
    this.upSinceMs = this.clock.now();
    this.backoffMs = K.RECONNECT_INITIAL_MS;
    this.heartbeat.start(identity.limits.leaseMs);
    this.setState("up");
    this.emit("identity", identity);
    this.window.attach(this);
  }

  private attachPort(port: BytePort): void {
    const framer = new LineFramer();
    framer.on("data", (line: string) => {
      if (this.port !== port) return;
      if (this.receiver.line(line)) this.lastRxMs = this.clock.now();
    });
    const offData = port.onData((bytes) => {
      this.counters.bytesIn += bytes.length;
      framer.write(bytes);
    });
    const offClose = port.onClose((reason) => this.loseConnection(`transport closed${reason ? `: ${reason.message}` : ""}`));
    this.port = port;
    this.framer = framer;
    this.detachPort = () => {
      offData();
      offClose();
      this.counters.overlongLines += framer.stats.overlongLines;
      framer.destroy();
    };
  }

  /** Stops everything tied to the current port and fails whatever was waiting on it. */
  private async dropPort(reason: Error): Promise<void> {
    this.heartbeat.stop();
    this.window.attach(undefined);
    const err = isBedlinkError(reason, ErrorCode.LinkDown) ? reason : new BedlinkError(ErrorCode.LinkDown, `link down: ${reason.message}`);
    this.window.failQueued(err);
    this.replies.rejectAll(err);
    const port = this.port;
    this.detachPort?.();
    this.detachPort = undefined;
    this.port = undefined;
    this.framer = undefined;
    this.upSinceMs = undefined;
    if (port?.isOpen) await port.close();
  }

  /** lost() from a callback (silence watch, port closed): its failure is logged, never left unhandled. */
  private loseConnection(why: string): void {
    this.lost(why).catch((err: unknown) => this.log.error({ err, why }, "dropping the lost connection failed"));
  }

  /** The connection is gone (unplug, silent device): down, then reconnect if allowed. */
  private async lost(why: string): Promise<void> {
    if (this.state === "closed" || !this.port) return;
    const wasUp = this.state === "up";
    this.log.warn({ why }, "link lost");
    await this.dropPort(new BedlinkError(ErrorCode.LinkDown, `link down: ${why}`));
    // During connect/handshake the failing handshake reports it; only an up link schedules here.
    // close() may have run while the port was being dropped: a closed link stays closed.
    if (!wasUp || (this.state as LinkState) === "closed") return;
    this.setState("down");
    if (this.opts.reconnect !== false) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = this.backoffMs;
    this.backoffMs = Math.min(K.RECONNECT_MAX_MS, this.backoffMs * 2);
    this.log.info({ delayMs }, "reconnecting");
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnect().catch((err: unknown) => this.log.error({ err }, "reconnect failed unexpectedly; not retrying"));
    }, delayMs);
  }

  private async reconnect(): Promise<void> {
    if (this.state === "closed") return;
    try {
      await this.connectOnce();
      this.counters.reconnects++;
    } catch (err) {
      if ((this.state as LinkState) === "closed") return;
      if (isBedlinkError(err, ErrorCode.ProtocolVersionMismatch)) {
        // Retrying cannot fix a version mismatch: say so and stop.
        this.log.error({ err: (err as Error).message }, "protocol version mismatch after reconnect; giving up");
        this.setState("closed");
        return;
      }
      this.log.warn({ err: (err as Error).message }, "reconnect attempt failed");
      this.setState("down");
      this.scheduleReconnect();
    }
  }

  /** The device restarted under us (I_BOOT, boot telemetry, E_NO_HANDSHAKE): same port, new session. */
  private deviceRebooted(why: string): void {
    if (this.state !== "up") return;
    this.counters.deviceReboots++;
    this.log.warn({ why }, "device rebooted; handshaking again");
    this.heartbeat.stop();
    this.window.attach(undefined);
    const err = new BedlinkError(ErrorCode.LinkDown, `device rebooted (${why}); command not confirmed`);
    this.window.failQueued(err);
    this.replies.rejectAll(err);
    this.startSession().catch((e: Error) => {
      if (this.state === "closed") return;
      this.log.warn({ err: e.message }, "re-handshake after reboot failed");
      this.setState("down");
      if (this.opts.reconnect !== false) this.scheduleReconnect();
    });
  }

  // ------------------------------------------------------------------ receive path
  private onReply(f: ReplyFrame): void {
    if (f.type === "NAK" && f.body.code === "E_NO_HANDSHAKE") {
      this.replies.resolve(f);
      this.deviceRebooted("NAK E_NO_HANDSHAKE");
      return;
    }
    if (this.heartbeat.claim(f)) return;
    if (!this.replies.resolve(f)) this.counters.unmatchedReplies++;
  }

  private onTelemetry(t: Telemetry, seq: number): void {
    const rebooted = this.rebootWatch.check(t, this.state === "up");
    if (rebooted) this.deviceRebooted(rebooted);
    this.emit("telemetry", t, seq);
  }

  private onEvent(e: EventBody, seq: number): void {
    // I_BOOT is delivered but is no reboot trigger (see RebootWatch).
    this.emit("event", e, seq);
  }

  // ------------------------------------------------------------------ helpers
  private writeLine(line: string): void {
    const port = this.port;
    if (!port?.isOpen) return;
    this.counters.framesOut++;
    this.counters.bytesOut += line.length;
    if (this.opts.baud) this.lineFreeAtMs = Math.max(this.clock.now(), this.lineFreeAtMs) + (line.length * K.BITS_PER_BYTE * 1000) / this.opts.baud;
    port.write(Buffer.from(line, "latin1"));
  }

  private downError(type: string): BedlinkError {
    return new BedlinkError(ErrorCode.LinkDown, `cannot send ${type}: link is ${this.state}`, { state: this.state });
  }

  private setState(s: LinkState): void {
    if (this.state === s) return;
    this.state = s;
    // Only losing the link is news; opening and a deliberate close are routine.
    const level = s === "down" ? "warn" : "info";
    this.log[level]({ state: s, stats: this.stats() }, `link ${s}`);
    this.emit("state", s);
  }
}
