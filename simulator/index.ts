// The simulated bed: firmware + physics + faults behind one BytePort, on an injected clock.
// In-process with a controller in virtual time, or behind `bedlink sim` on a pty or TCP.
import { pino, type Logger } from "pino";
import type { Clock, TimerHandle } from "../protocols/clock.ts";
import { TELEMETRY_HZ_DEFAULT } from "../protocols/constants.ts";
import type { BytePort } from "../protocols/port.ts";
import { FIRMWARE_TICK_MAX_MS, PHYSICS_STEP_MS, QUIET_STEP_MS, SIM_IDENTITY, SIM_LIMITS, SIM_PROTOCOL_VERSION } from "./constants.ts";
import { Bootloader } from "./bootloader.ts";
import { controlBeforeStep, seekingHome, superviseAfterStep } from "./control.ts";
import { FaultRuntime, hardwareFrom } from "./fault-runtime.ts";
import type { FaultSpec } from "./faults.ts";
import { Firmware } from "./firmware.ts";
import { checkPerson, type PersonSpec } from "./person.ts";
import { Plant } from "./plant.ts";
import { Prng } from "./prng.ts";
import { TelemetryTask } from "./telemetry.ts";
import { buildTruth, conditionValue, type SimTruth } from "./truth.ts";
import { SimWire } from "./wire.ts";

export type { PersonSpec, SpineTruth } from "./person.ts";
export type { SimTruth, ZoneTruth } from "./truth.ts";
export { parseFaultSpec, parseOneFault, loadScenario, parseScenario, FaultSpecError, FAULT_KIND_NAMES, type FaultSpec, type FaultKind, type Scenario } from "./faults.ts";

export interface SimOptions {
  clock: Clock;
  seed?: number;
  /** Who lies on the bed at start; null = nobody. Default: 170 cm, 72 kg. */
  person?: PersonSpec | null;
  faults?: FaultSpec[];
  protocolVersion?: number;
  logger?: Logger;
  identity?: Partial<{ model: string; serial: string; hw: string; fw: string }>;
  telemetryHz?: number;
  /** Pace bytes as a serial line at this rate (10 bits per byte); undefined = unpaced. */
  baud?: number;
  /** After an `unplug` fault: returns the port to reattach to (replug). Without it the bed stays unplugged. */
  replug?: () => BytePort | Promise<BytePort>;
  /** Called with each wire-log entry as it happens (`bedlink sim --trace`). */
  onWireEntry?: (entry: string) => void;
  /** Called when an `unplug` fault pulls the cable (the CLI closes its pty/socket). */
  onUnplug?: (durationMs: number) => void;
}

/** Power off long enough for the supply capacitors to drain before a reboot powers on again. */
const REBOOT_OFF_MS = 100;
const DEFAULT_PERSON: PersonSpec = { heightCm: 170, weightKg: 72 };

export class SimulatedBed {
  readonly wireLog: string[] = [];
  readonly plant: Plant;
  readonly firmware: Firmware;
  readonly wire: SimWire;
  readonly faults: FaultRuntime;
  readonly bootloader: Bootloader;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly epochMs: number;
  private readonly baseProtocolVersion: number;
  private physicsAtMs: number;
  private tickTimer: TimerHandle | undefined;
  private tickMs = 100;
  private readonly telemetry: TelemetryTask;
  private leaseTimer: TimerHandle | undefined;
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly opts: SimOptions) {
    this.clock = opts.clock;
    this.epochMs = opts.clock.now();
    this.physicsAtMs = this.epochMs;
    const rng = new Prng(opts.seed ?? 1);
    const person = opts.person === undefined ? DEFAULT_PERSON : opts.person;
    if (person) {
      const bad = checkPerson(person);
      if (bad) throw new RangeError(bad);
    }
    this.plant = new Plant(rng.fork(10), person);
    this.baseProtocolVersion = opts.protocolVersion ?? SIM_PROTOCOL_VERSION;
    const logger = opts.logger ?? pino({ level: "silent" });
    this.log = logger;
    const identity = { ...SIM_IDENTITY, ...opts.identity };
    this.bootloader = new Bootloader({
      clock: this.clock,
      factoryVersion: identity.fw,
      faultActive: (kind) => this.faults.list().some((f) => f.kind === kind),
      // Deferred: a fault fired by this chunk (boot-interrupt) acts after the chunk's ACK is out.
      onProgress: () => this.later(() => this.faults.checkConditions(), 0),
      requestReboot: () => this.later(() => this.powerCycle(), 20),
      note: (text) => this.wire.note(text),
    });
    this.firmware = new Firmware({
      clock: this.clock,
      plant: this.plant,
      logger,
      identity,
      protocolVersion: this.baseProtocolVersion,
      telemetryHz: opts.telemetryHz ?? TELEMETRY_HZ_DEFAULT,
      epochMs: this.epochMs,
      send: (line, kind) => this.wire.send(line, kind === "reply"),
      advance: () => this.advance(),
      rateChanged: () => this.restartTick(),
      bootloader: this.bootloader,
    });
    this.telemetry = new TelemetryTask(this.firmware, this.clock, (line) => this.wire.send(line, false));
    this.faults = new FaultRuntime({
      clock: this.clock,
      epochMs: this.epochMs,
      condition: (field) => conditionValue(this.plant, this.firmware, field),
      fire: (f) => this.fire(f),
      applyHardware: (active) => this.applyHardware(active),
      note: (text) => this.wire.note(text),
    });
    this.wire = new SimWire({
      clock: this.clock,
      rng: rng.fork(20),
      faults: this.faults,
      baud: opts.baud,
      epochMs: this.epochMs,
      log: this.wireLog,
      onLog: opts.onWireEntry,
      onLine: (line) => this.firmware.receiveLine(line),
    });
    for (const f of opts.faults ?? []) this.faults.inject(f);
  }

  // ------------------------------------------------------------------ ports and power

  attach(port: BytePort): void {
    this.wire.attach(port, () => this.wire.detach());
    if (!this.firmware.powered) this.powerOn();
  }

  detach(): void {
    this.wire.detach();
  }

  powerOn(): void {
    if (this.stopped || this.firmware.powered) return;
    this.advance();
    this.telemetry.restart();
    this.firmware.powerOn();
    this.restartTick();
  }

  powerCycle(): void {
    this.advance();
    this.firmware.powerOff();
    this.clock.clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.later(() => this.powerOn(), REBOOT_OFF_MS);
  }

  personGetsOn(p: PersonSpec): void {
    const bad = checkPerson(p);
    if (bad) throw new RangeError(bad);
    this.advance();
    this.plant.personGetsOn(p);
  }

  personGetsOff(): void {
    this.advance();
    this.plant.personGetsOff();
  }

  injectFault(f: FaultSpec): void {
    this.advance();
    this.faults.inject(f);
  }

  clearFault(kind: string): void {
    this.advance();
    this.faults.clear(kind);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearInterval(this.tickTimer);
    this.clock.clearTimeout(this.leaseTimer);
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.faults.stop();
    this.firmware.powerOff();
    this.wire.detach();
  }

  // ------------------------------------------------------------------ time

  /** Brings physics (and the firmware's inner loops) up to the clock, in fixed steps. */
  advance(): void {
    const now = this.clock.now();
    const fw = this.firmware;
    while (this.physicsAtMs < now) {
      // Motion needs the fine step; with the carriage standing only the thermal model moves (τ ≥ 2 s).
      const stepMs = this.plant.carriage.targetMm !== undefined || this.plant.carriage.speedMmS !== 0 ? PHYSICS_STEP_MS : QUIET_STEP_MS;
      const dt = Math.min(stepMs, now - this.physicsAtMs);
      if (fw.powered) controlBeforeStep(fw, dt);
      this.plant.step(dt);
      this.physicsAtMs += dt;
      if (fw.powered) superviseAfterStep(fw, dt);
    }
  }

  private restartTick(): void {
    this.clock.clearInterval(this.tickTimer);
    const periodMs = 1000 / this.firmware.telemetryHz;
    this.tickMs = periodMs / Math.ceil(periodMs / FIRMWARE_TICK_MAX_MS);
    this.tickTimer = this.clock.setInterval(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    this.advance();
    this.faults.checkConditions();
    const fw = this.firmware;
    if (!fw.powered) return;
    this.checkLease();
    this.telemetry.tick();
  }

  private checkLease(): void {
    const fw = this.firmware;
    if (!fw.leaseArmed) return;
    const dueMs = fw.lastHostFrameMs + SIM_LIMITS.leaseMs;
    const now = this.clock.now();
    if (dueMs <= now) {
      fw.leaseArmed = false;
      // Parking in `safe` is motion too: it needs a live host like any other.
      if (fw.state === "idle" || fw.state === "active" || seekingHome(fw)) fw.trip("safe", "W_LEASE_EXPIRED");
    } else if (dueMs < now + this.tickMs && !this.leaseTimer) {
      // Expires before the next tick: check at the exact moment, so "safe within the lease" holds.
      this.leaseTimer = this.clock.setTimeout(() => {
        this.leaseTimer = undefined;
        this.advance();
        if (fw.powered) this.checkLease();
      }, dueMs - now);
    }
  }

  private later(fn: () => void, ms: number): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }

  // ------------------------------------------------------------------ faults

  private fire(f: FaultSpec): void {
    const fw = this.firmware;
    switch (f.kind) {
      case "reboot":
        return this.powerCycle();
      case "brownout":
        if (!fw.powered) return;
        this.advance();
        if (fw.state === "estop" || fw.state === "cutout") fw.raise("W_BROWNOUT");
        else fw.trip("safe", "W_BROWNOUT", { detail: "supply sag: actuators reset" });
        return;
      case "person-off":
        return this.personGetsOff();
      case "overweight":
        return this.personGetsOn({ heightCm: this.plant.person?.heightCm ?? 175, weightKg: f.kg ?? 150 });
      case "unplug":
        return this.unplug(f.ms ?? 5000);
      case "boot-interrupt":
        // The bed resets mid-transfer; the partial image stays in flash for a resume.
        return fw.powered ? this.powerCycle() : undefined;
      case "boot-corrupt":
        return this.bootloader.corruptNextChunk();
      default:
        return;
    }
  }

  private unplug(durationMs: number): void {
    const port = this.wire.port;
    this.wire.detach();
    this.opts.onUnplug?.(durationMs);
    port?.close().catch((err: unknown) => this.log.warn({ err }, "unplug: the port did not close cleanly"));
    this.later(() => {
      const replug = this.opts.replug;
      if (!replug || this.stopped) return;
      Promise.resolve(replug())
        .then((p) => {
          if (!this.stopped) this.attach(p);
        })
        .catch((err: unknown) => this.log.error({ err }, "replug failed: the bed stays unplugged"));
    }, durationMs);
  }

  private applyHardware(active: readonly FaultSpec[]): void {
    this.advance();
    const hw = hardwareFrom(active);
    Object.assign(this.plant.heaterFault, hw.heater);
    Object.assign(this.plant.sensorFault, hw.sensor);
    this.plant.carriage.jammed = hw.jammed;
    this.plant.carriage.homeSwitchFault = hw.homeSwitch;
    this.plant.carriage.endSwitchFault = hw.endSwitch;
    Object.assign(this.plant.cutWelded, hw.cutWelded);
    this.firmware.protocolVersion = hw.protocolVersion ?? this.baseProtocolVersion;
    this.firmware.bugs = hw.bugs;
    this.telemetry.setFrozen(hw.telemetryFrozen);
  }

  // ------------------------------------------------------------------ ground truth

  get truth(): SimTruth {
    this.advance();
    return buildTruth(this.plant, this.firmware, this.clock.now() - this.epochMs, this.faults.list());
  }
}
