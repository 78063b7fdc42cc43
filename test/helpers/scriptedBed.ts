// A scripted device peer for link and driver tests: just enough firmware behaviour —
// handshake, dedup cache, per-actuator stale-seq rule, ACK/NAK, lease, EVT retransmit,
// telemetry — built on the shared codec. Not the simulator: no physics.
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { decodeFrame, encodeFrame, type CommandFrame, type Frame } from "../../protocols/codec.ts";
import {
  DEDUP_DEPTH,
  DEFAULT_LEASE_MS,
  EVENT_CODES,
  EVT_MAX_ATTEMPTS,
  EVT_RETRY_MS,
  PROTOCOL_VERSION,
  nextSeq,
  seqNewer,
  type DeviceState,
  type EventCode,
  type NakCode,
} from "../../protocols/constants.ts";
import { LineFramer } from "../../protocols/framing.ts";
import type { Identity, Telemetry } from "../../protocols/messages.ts";
import type { BytePort } from "../../protocols/port.ts";

export const TEST_IDENTITY: Identity = {
  proto: PROTOCOL_VERSION,
  model: "CGM-V6-TEST",
  serial: "SN-TEST-0001",
  hw: "rev C",
  fw: "1.4.2",
  caps: ["heat", "roller", "lift", "scan", "boot"],
  limits: {
    projectorMaxC: 65,
    matMaxC: 60,
    cutoutC: 70,
    trackMm: 780,
    speedMinMmS: 1,
    speedMaxMmS: 60,
    accelMmS2: 200,
    liftMax: 6,
    loadMaxKg: 250,
    rollerMaxKg: 136,
    motorTripMa: 3000,
    leaseMs: DEFAULT_LEASE_MS,
  },
  telemetryHz: 10,
  bootSlot: "A",
};

export interface ScriptedBedOptions {
  clock: Clock;
  /** The protocol version this firmware speaks (default: ours). */
  proto?: number;
  identity?: Partial<Identity>;
  /** Emit telemetry at identity.telemetryHz (default false: quieter tests). */
  telemetry?: boolean;
}

export interface Application {
  type: string;
  seq: number;
  body: Record<string, unknown>;
}

const ACTUATOR: Partial<Record<string, (body: Record<string, unknown>) => string>> = {
  HEAT: (b) => `heat:${String(b.zone)}`,
  MOVE: () => "carriage",
  HALT: () => "carriage",
  HOME: () => "carriage",
  LIFT: () => "lift",
};

export class ScriptedBed {
  state: DeviceState = "boot";
  sid: string | undefined;
  readonly applied: Application[] = [];
  readonly received: CommandFrame[] = [];
  readonly events: { seq: number; code: EventCode; acked: boolean }[] = [];
  readonly counts = { duplicatesAnswered: 0, stale: 0, crcDropped: 0, heartbeats: 0, leaseExpiries: 0, estops: 0 };
  /** Commands of these types are recorded but never answered (to fill the host's window). */
  readonly hold = new Set<string>();
  /** When true the device hears nothing (a hung firmware). */
  deaf = false;
  /** When true the device ignores the host's EVT acknowledgements (as if every one were lost). */
  ignoreAcks = false;
  readonly identity: Identity;
  private port: BytePort | undefined;
  private readonly clock: Clock;
  private readonly proto: number;
  private readonly dedup = new Map<number, string>();
  private readonly lastActuatorSeq = new Map<string, number>();
  private deviceSeq = 0;
  private leaseTimer: TimerHandle | undefined;
  private tlmTimer: TimerHandle | undefined;
  private bootMs: number;
  /** What the applied commands set: telemetry reports it, as a real bed's would (the driver checks). */
  private readonly outputs = { projectorSetC: 0, matSetC: 0, targetMm: 0, lift: 0 };

  constructor(private readonly opts: ScriptedBedOptions) {
    this.clock = opts.clock;
    this.proto = opts.proto ?? PROTOCOL_VERSION;
    this.identity = { ...TEST_IDENTITY, ...opts.identity, proto: this.proto };
    this.bootMs = this.clock.now();
  }

  attach(port: BytePort): this {
    this.port = port;
    const framer = new LineFramer();
    framer.on("data", (line: string) => this.onLine(line));
    port.onData((b) => framer.write(b));
    port.onClose(() => {
      if (this.port === port) this.port = undefined;
      this.clock.clearInterval(this.tlmTimer);
      this.clock.clearTimeout(this.leaseTimer);
    });
    if (this.opts.telemetry) this.startTelemetry();
    return this;
  }

  appliedCount(pred: (a: Application) => boolean): number {
    return this.applied.filter(pred).length;
  }

  /** Power cycle: forgets the session, counters restart, announces I_BOOT (unless that EVT is lost). */
  reboot(opts: { announce?: boolean } = {}): void {
    this.state = "boot";
    this.sid = undefined;
    this.dedup.clear();
    this.lastActuatorSeq.clear();
    this.deviceSeq = 0;
    this.bootMs = this.clock.now();
    this.clock.clearTimeout(this.leaseTimer);
    if (opts.announce !== false) this.raise("I_BOOT");
  }

  /** Sends an EVT and retransmits it every EVT_RETRY_MS until ACKed, EVT_MAX_ATTEMPTS in all. */
  raise(code: EventCode, detail?: string): void {
    const seq = this.allocSeq();
    const record = { seq, code, acked: false };
    this.events.push(record);
    const body = { code, priority: EVENT_CODES[code].priority, atMs: Math.round(this.clock.now() - this.bootMs), ...(detail ? { detail } : {}) };
    let attempts = 0;
    const send = () => {
      if (record.acked || attempts >= EVT_MAX_ATTEMPTS || !this.port) return;
      attempts++;
      this.send({ type: "EVT", seq, body });
      this.clock.setTimeout(send, EVT_RETRY_MS);
    };
    send();
  }

  telemetry(): Telemetry {
    return {
      tMs: Math.round(this.clock.now() - this.bootMs),
      state: this.state,
      projectorC: 30,
      matC: 28,
      projectorSetC: this.outputs.projectorSetC,
      matSetC: this.outputs.matSetC,
      projectorDuty: 0,
      matDuty: 0,
      positionMm: 0,
      targetMm: this.outputs.targetMm,
      speedMmS: 0,
      lift: this.outputs.lift,
      motorMa: 0,
      loadKg: 70,
      flags: 1,
    };
  }

  private startTelemetry(): void {
    this.tlmTimer = this.clock.setInterval(() => {
      this.send({ type: "TLM", seq: this.allocSeq(), body: this.telemetry() });
    }, 1000 / this.identity.telemetryHz);
  }

  private onLine(line: string): void {
    if (this.deaf) return;
    const r = decodeFrame(line);
    if (!r.ok) {
      if (r.error.kind === "unknown-type" && r.error.seq !== undefined) this.nak(r.error.seq, "E_UNKNOWN_TYPE");
      else if (r.error.kind === "body" && r.error.seq !== undefined) this.nak(r.error.seq, "E_BAD_BODY");
      else this.counts.crcDropped++;
      return;
    }
    const f = r.frame;
    if (f.type === "ACK") {
      if (this.ignoreAcks) return;
      for (const e of this.events) if (e.seq === f.seq) e.acked = true;
      return;
    }
    if (f.type === "TLM" || f.type === "EVT" || f.type === "NAK" || f.type === "DATA") return;
    this.received.push(f);
    this.command(f);
  }

  private command(f: CommandFrame): void {
    if (f.type === "ESTOP") {
      // Out of band: acted on at once, whatever else is pending.
      this.counts.estops++;
      if (this.state !== "estop") {
        this.state = "estop";
        Object.assign(this.outputs, { projectorSetC: 0, matSetC: 0, lift: 0 });
        this.raise("E_ESTOP");
      }
      this.reply(f.seq, encodeFrame({ type: "ACK", seq: f.seq, body: undefined }));
      return;
    }
    if (f.type === "HELLO") {
      const [lo, hi] = f.body.proto;
      if (this.proto < lo || this.proto > hi) {
        this.nak(f.seq, "E_PROTO_VERSION", { proto: this.proto });
        return;
      }
      if (f.body.sid !== this.sid) {
        this.sid = f.body.sid;
        this.dedup.clear();
        this.lastActuatorSeq.clear();
        if (this.state === "boot" || this.state === "safe") this.state = "idle";
      }
      this.renewLease();
      this.reply(f.seq, encodeFrame({ type: "ACK", seq: f.seq, body: this.identity as unknown as Record<string, unknown> }));
      return;
    }
    if (this.sid === undefined) {
      this.nak(f.seq, "E_NO_HANDSHAKE");
      return;
    }
    this.renewLease();
    const cached = this.dedup.get(f.seq);
    if (cached !== undefined) {
      this.counts.duplicatesAnswered++;
      this.port?.write(Buffer.from(cached, "latin1"));
      return;
    }
    if (this.hold.has(f.type)) return;
    if (f.type === "HB") {
      this.counts.heartbeats++;
      this.reply(f.seq, encodeFrame({ type: "ACK", seq: f.seq, body: undefined }));
      return;
    }
    if (f.type === "RESET") this.state = "idle";
    const body = f.body as Record<string, unknown>;
    const actuator = ACTUATOR[f.type]?.(body);
    if (actuator !== undefined) {
      if (this.state === "safe" || this.state === "estop") {
        this.nak(f.seq, this.state === "safe" ? "E_SAFE_STATE" : "E_ESTOP_LATCHED");
        return;
      }
      const last = this.lastActuatorSeq.get(actuator);
      if (last !== undefined && !seqNewer(f.seq, last)) {
        this.counts.stale++;
        this.reply(f.seq, encodeFrame({ type: "ACK", seq: f.seq, body: { stale: true } }));
        return;
      }
      this.lastActuatorSeq.set(actuator, f.seq);
    }
    this.applied.push({ type: f.type, seq: f.seq, body });
    this.apply(f.type, body);
    this.reply(f.seq, encodeFrame({ type: "ACK", seq: f.seq, body: this.replyBody(f.type) }));
  }

  private apply(type: string, body: Record<string, unknown>): void {
    const o = this.outputs;
    if (type === "HEAT") o[body.zone === "mat" ? "matSetC" : "projectorSetC"] = body.targetC as number;
    else if (type === "MOVE") o.targetMm = body.positionMm as number;
    else if (type === "LIFT") o.lift = body.level as number;
    else if (type === "SAFE") Object.assign(o, { projectorSetC: 0, matSetC: 0, lift: 0 });
  }

  private replyBody(type: string): Record<string, unknown> | undefined {
    if (type === "INFO") {
      return {
        state: this.state,
        uptimeMs: this.clock.now() - this.bootMs,
        counters: { heaterProjectorS: 1, heaterMatS: 2, carriageCycles: 3, sessions: 4, boots: 5 },
      };
    }
    if (type === "LOG") return { entries: [{ atMs: 10, code: "I_BOOT" }], dropped: 0 };
    return undefined;
  }

  private renewLease(): void {
    this.clock.clearTimeout(this.leaseTimer);
    this.leaseTimer = this.clock.setTimeout(() => {
      this.counts.leaseExpiries++;
      if (this.state !== "estop") this.state = "safe";
      this.raise("W_LEASE_EXPIRED");
    }, this.identity.limits.leaseMs);
  }

  private nak(seq: number, code: NakCode, extra: Record<string, unknown> = {}): void {
    this.send({ type: "NAK", seq, body: { code, message: code, ...extra } });
  }

  /** Sends a reply and remembers it for the dedup cache. */
  private reply(seq: number, line: string): void {
    this.dedup.set(seq, line);
    if (this.dedup.size > DEDUP_DEPTH) this.dedup.delete(this.dedup.keys().next().value!);
    this.port?.write(Buffer.from(line, "latin1"));
  }

  private send(frame: Frame): void {
    this.port?.write(Buffer.from(encodeFrame(frame), "latin1"));
  }

  private allocSeq(): number {
    const s = this.deviceSeq;
    this.deviceSeq = nextSeq(s);
    return s;
  }
}
