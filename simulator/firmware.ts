// The bed's firmware, protocol end: the receive path (ESTOP acted on before the command
// queue), duplicate suppression, the lease, states and transitions, the heater power cuts.
// HELLO is in handshake.ts, command actions in commands.ts, the per-step loops in control.ts.
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../protocols/clock.ts";
import { decodeFrame, encodeFrame, type CommandFrame, type DecodeError } from "../protocols/codec.ts";
import { EVENT_CODES, nextSeq, ZONES, type DeviceState, type EventCode, type Zone } from "../protocols/constants.ts";
import type { NakBody } from "../protocols/messages.ts";
import type { Bootloader } from "./bootloader.ts";
import { NO_BUGS, type FirmwareBugs } from "./fault-runtime.ts";
import { BOOT_MS, COMMAND_PROCESS_MS, CUTOUT_RELEASE_MARGIN_C, SIM_LIMITS } from "./constants.ts";
import { startHoming } from "./control.ts";
import { executeCommand, nakForRawBody, type Reply } from "./commands.ts";
import { hello } from "./handshake.ts";
import type { Plant } from "./plant.ts";
import { ErrorLog, EventOutbox, ReplyCache, type UsageCounters } from "./records.ts";

export type TxKind = "reply" | "tlm" | "evt";

export interface FirmwareOptions {
  clock: Clock;
  plant: Plant;
  logger: Logger;
  identity: { model: string; serial: string; hw: string; fw: string };
  protocolVersion: number;
  telemetryHz: number;
  /** Device clock origin (an RTC on a backup cell: survives reboots), clock ms. */
  epochMs: number;
  send(line: string, kind: TxKind): void;
  /** Bring physics up to the clock before acting. */
  advance(): void;
  rateChanged(): void;
  /** The two firmware slots and the transfer into them (PROTOCOL.md §15). */
  bootloader: Bootloader;
}

export interface ZoneControl {
  setC: number;
  duty: number;
  integ: number;
  /** A sensor fault was reported; cleared by RESET. */
  sensorLatched: boolean;
}

type Queued = { cmd: CommandFrame } | { bad: DecodeError; line: string };

export class Firmware {
  state: DeviceState = "boot";
  powered = false;
  homed = false;
  /** Physical position where the home switch tripped: firmware 0. */
  originMm = 0;
  homingSinceMs = 0;
  /** HOME in `safe`: the carriage seeks the home switch while the bed stays safe (PROTOCOL.md §9.1). */
  parking = false;
  targetMm: number | undefined;
  sid: string | undefined;
  leaseArmed = false;
  lastHostFrameMs = 0;
  telemetryHz: number;
  protocolVersion: number;
  bootAtMs = 0;
  occupied = false;
  overweight = false;
  overcurrentSinceMs: number | undefined;
  /** The booted image crashed before its command handler ran (fault boot-nohandshake): it answers nothing. */
  hung = false;
  bugs: Readonly<FirmwareBugs> = NO_BUGS;
  readonly zones: Record<Zone, ZoneControl> = { projector: newZone(), mat: newZone() };
  readonly lastApplied = new Map<string, number>();
  readonly log = new ErrorLog();
  readonly counters: UsageCounters = { heaterProjectorS: 0, heaterMatS: 0, halfStrokes: 0, sessions: 0, boots: 0 };
  readonly stats = { crc: 0, framing: 0, tooLong: 0 };
  readonly outbox: EventOutbox;
  lastTravelDir = 0;
  strokeStartMm = 0;
  private deviceSeq = 0;
  readonly replies = new ReplyCache();
  private queue: Queued[] = [];
  private drainTimer: TimerHandle | undefined;
  private bootTimer: TimerHandle | undefined;

  constructor(readonly o: FirmwareOptions) {
    this.telemetryHz = o.telemetryHz;
    this.protocolVersion = o.protocolVersion;
    this.outbox = new EventOutbox(o.clock, () => this.allocSeq(), (line) => o.send(line, "evt"));
  }

  get plant(): Plant {
    return this.o.plant;
  }

  /** Device time: ms on the device's RTC. */
  nowMs(): number {
    return this.o.clock.now() - this.o.epochMs;
  }

  allocSeq(): number {
    const s = this.deviceSeq;
    this.deviceSeq = nextSeq(s);
    return s;
  }

  positionMm(): number {
    return this.plant.carriage.positionMm - this.originMm;
  }

  // ------------------------------------------------------------------ power

  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.state = "boot";
    this.bootAtMs = this.nowMs();
    this.deviceSeq = 0;
    this.sid = undefined;
    this.leaseArmed = false;
    this.homed = false;
    this.originMm = 0;
    this.telemetryHz = this.o.telemetryHz;
    this.replies.clear();
    this.lastApplied.clear();
    // The power-cut relays are closed by the running firmware (they fall open with it, at power-off).
    this.setPowerCuts(false);
    // The cut-out relay is re-armed at boot only once the elements have cooled (otherwise it stays
    // open and RESET applies the same cool-down rule as in the cutout state).
    const hottestC = Math.max(this.plant.zones.projector.elementC, this.plant.zones.mat.elementC);
    if (this.plant.relayOpen && hottestC <= SIM_LIMITS.cutoutC - CUTOUT_RELEASE_MARGIN_C) this.plant.relayOpen = false;
    this.counters.boots++;
    const choice = this.o.bootloader.powerOn();
    this.hung = choice.hung;
    this.o.rateChanged();
    this.raise("I_BOOT", { detail: choice.detail ?? `boot ${this.counters.boots}` });
    this.bootTimer = this.o.clock.setTimeout(() => {
      this.bootTimer = undefined;
      this.o.advance();
      if (this.state === "boot" && !this.hung) startHoming(this);
    }, BOOT_MS);
  }

  powerOff(): void {
    if (!this.powered) return;
    this.safeActuators();
    this.powered = false;
    this.o.bootloader.powerOff();
    this.outbox.clear();
    this.queue = [];
    this.o.clock.clearTimeout(this.drainTimer);
    this.o.clock.clearTimeout(this.bootTimer);
    this.drainTimer = undefined;
  }

  // ------------------------------------------------------------------ states

  /** Heaters off and their power cut open, carriage stopped, lift retracted; homing or parking abandoned. */
  safeActuators(): void {
    for (const z of Object.values(this.zones)) {
      z.setC = 0;
      z.duty = 0;
      z.integ = 0;
    }
    this.plant.duty.projector = 0;
    this.plant.duty.mat = 0;
    this.plant.carriage.halt();
    this.plant.carriage.lift = 0;
    this.targetMm = undefined;
    if (this.state === "homing") this.homed = false;
    this.parking = false;
    this.setPowerCuts(true);
  }

  /** Opens (true) or closes both heater power cuts: the second switch behind a MOSFET that may have failed short. */
  setPowerCuts(open: boolean): void {
    for (const zone of ZONES) this.plant.powerCut[zone] = open;
  }

  /** Out of a latched state to idle (RESET, or a new host after `safe`): sensor latches cleared, power cuts closed. */
  leaveLatched(): void {
    this.state = "idle";
    for (const z of Object.values(this.zones)) z.sensorLatched = false;
    this.setPowerCuts(false);
  }

  /** Goes to a latched state with an event and a log entry. */
  trip(state: "safe" | "estop" | "cutout", code: EventCode | undefined, extra: { zone?: Zone; detail?: string } = {}): void {
    this.safeActuators();
    this.state = state;
    if (code) this.raise(code, extra);
  }

  raise(code: EventCode, extra: { zone?: Zone; detail?: string } = {}): void {
    const atMs = this.nowMs();
    if (EVENT_CODES[code].priority !== "low" || code === "I_BOOT") this.log.add({ atMs, code, detail: extra.zone ?? extra.detail });
    this.o.logger.debug({ code, ...extra }, "device event");
    this.outbox.raise(code, atMs, extra);
  }

  isLatched(): boolean {
    return this.state === "safe" || this.state === "estop" || this.state === "cutout";
  }

  // ------------------------------------------------------------------ receive path

  renewLease(): void {
    this.lastHostFrameMs = this.o.clock.now();
    if (this.sid) this.leaseArmed = true;
  }

  receiveLine(line: string): void {
    if (!this.powered || this.hung) return;
    const r = decodeFrame(line);
    if (!r.ok) {
      const kind = r.error.kind;
      // Bad CRC or framing: the seq can't be trusted, so never NAKed; only counted.
      if (kind === "crc") this.stats.crc++;
      else if (kind === "framing") this.stats.framing++;
      else if (kind === "too-long") this.stats.tooLong++;
      // Unknown type or bad body: answered with a NAK, but not a command, so no lease renewal.
      else this.enqueue({ bad: r.error, line });
      return;
    }
    const f = r.frame;
    // Only host commands renew the lease (PROTOCOL.md §9): an ACK of our event is not a heartbeat.
    if (f.type === "ACK") {
      this.outbox.ack(f.seq);
      return;
    }
    if (f.type === "TLM" || f.type === "EVT" || f.type === "NAK" || f.type === "DATA") {
      if (f.type === "DATA") {
        this.renewLease();
        this.enqueue({ cmd: f as unknown as CommandFrame });
      }
      return;
    }
    // ESTOP does not renew the lease (PROTOCOL.md §9): a host that has lost faith in the bed
    // repeats only ESTOP, and those repeats must not keep the bed's own watchdog alive.
    if (f.type === "ESTOP") return this.estop(f.seq);
    this.renewLease();
    this.enqueue({ cmd: f });
  }

  /** Out of band: acted on here, before anything waiting in the queue — and what is waiting (a RESET sent a moment earlier, say) must not undo it: those are refused. */
  private estop(seq: number): void {
    if (this.bugs.estopUnanswered) return;
    this.o.advance();
    const cached = this.sid ? this.replies.get(seq) : undefined;
    if (cached) return this.o.send(cached, "reply");
    const acts = !this.bugs.estopIgnored;
    if (acts && this.state !== "estop") this.trip("estop", "E_ESTOP");
    this.answer(seq, { ack: undefined }, this.sid !== undefined);
    if (acts) this.refuseQueued();
  }

  /** Answers every command still waiting in the queue with E_ESTOP_LATCHED (an ESTOP overtook them). */
  private refuseQueued(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const q of waiting) {
      if ("cmd" in q) this.answer(q.cmd.seq, { nak: { code: "E_ESTOP_LATCHED", message: "emergency stop arrived first" } }, this.sid !== undefined);
    }
  }

  private enqueue(q: Queued): void {
    this.queue.push(q);
    if (!this.drainTimer) this.drainTimer = this.o.clock.setTimeout(() => this.drain(), COMMAND_PROCESS_MS);
  }

  private drain(): void {
    this.drainTimer = undefined;
    const q = this.queue.shift();
    if (q && this.powered) this.process(q);
    if (this.queue.length > 0) this.drainTimer = this.o.clock.setTimeout(() => this.drain(), COMMAND_PROCESS_MS);
  }

  private process(q: Queued): void {
    this.o.advance();
    if ("bad" in q) {
      const e = q.bad;
      const seq = e.seq ?? 0;
      if (e.kind === "unknown-type") return this.answer(seq, { nak: { code: "E_UNKNOWN_TYPE", message: e.detail } }, false);
      return this.answer(seq, { nak: nakForRawBody(e, q.line) }, false);
    }
    const f = q.cmd;
    if (f.type === "HELLO") return hello(this, f);
    if (!this.sid) return this.answer(f.seq, { nak: { code: "E_NO_HANDSHAKE", message: "send HELLO first" } }, false);
    const cached = this.replies.get(f.seq);
    if (cached !== undefined) return this.o.send(cached, "reply");
    this.answer(f.seq, executeCommand(this, f), true);
  }

  answer(seq: number, reply: Reply, cache: boolean): void {
    const line = "nak" in reply
      ? encodeFrame({ type: "NAK", seq, body: reply.nak as NakBody })
      : encodeFrame({ type: "ACK", seq, body: reply.ack });
    if (cache) this.replies.set(seq, line);
    this.o.send(line, "reply");
  }
}

function newZone(): ZoneControl {
  return { setC: 0, duty: 0, integ: 0, sensorLatched: false };
}
