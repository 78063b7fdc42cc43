// Runs one therapy session: the session machine decides, this module does the work it
// orders on the bed, feeds it what happened, and keeps the safety supervisor in the loop.
import { createActor, type Actor } from "xstate";
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { EVENT_CODES } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { BedDriver, LinkState } from "../device/bed.ts";
import type { Logger } from "../log.ts";
import { OCCUPANCY_LOSS_PAUSE_MS, OCCUPIED_MIN_KG, STALE_TELEMETRY_PERIODS, VIOLATION_CODES } from "./limits.ts";
import { makeReady, parkCarriage, settled } from "./bedReady.ts";
import { MotionPlayer } from "./motion.ts";
import type { ProgramDefinition } from "./programs/schema.ts";
import type { SpineMap } from "./programs/landmarks.ts";
import { resolveMotion } from "./programs/landmarks.ts";
import { scanSpine, SESSION_TELEMETRY_HZ } from "./scan.ts";
import { sessionMachine, type SessionEvent } from "./sessionMachine.ts";
import { FINAL_STATES, stateName, type Outcome, type SessionFault, type SessionResult, type SessionView, type StepTiming } from "./sessionTypes.ts";

export { stateName, type Outcome, type SessionFault, type SessionResult, type SessionView, type StepTiming } from "./sessionTypes.ts";
import { SafetySupervisor, type Trip } from "./supervisor.ts";

export interface SessionOptions {
  program: ProgramDefinition;
  bed: BedDriver;
  clock: Clock;
  logger: Logger;
  confirmations?: { cover: boolean; screening: boolean };
  /** Called with the machine's persisted snapshot on every state change (resume after a restart). */
  persist?: (snapshot: unknown, view: SessionView) => void;
  /** Restores a persisted snapshot instead of starting fresh. */
  snapshot?: unknown;
  /**
   * When the link comes back after a loss: wait for the operator (panel), or decide at once
   * (unattended runs: abort is the safe default).
   */
  afterLinkLoss?: "ask" | "abort" | "resume";
}

type SessionActor = Actor<typeof sessionMachine>;

/** Work that a newer order replaced: dropped quietly, never reported as a failure. */
class Superseded extends Error {
  constructor() {
    super("superseded by a newer order");
  }
}

/** Device events that end a session as a fault (the rest are informational or handled elsewhere). */
const DEVICE_FAULT_CODES = new Set(["E_CUTOUT", "E_SENSOR_OPEN", "E_SENSOR_SHORT", "E_MOTOR_OVERCURRENT", "E_LIMIT_SWITCH", "E_HOMING_FAILED", "W_BROWNOUT", "W_LEASE_EXPIRED"]);

export class TherapySession {
  readonly actor: SessionActor;
  private readonly supervisor: SafetySupervisor;
  private readonly startMs: number;
  private endMs: number | undefined;
  private player: MotionPlayer | undefined;
  private readonly faults: SessionFault[] = [];
  private readonly steps: StepTiming[];
  private firstStepAtMs: number | undefined;
  private staleTimer: TimerHandle | undefined;
  private occupancyLostAtMs: number | undefined;
  private linkUp = true;
  /** Telemetry age counts from here after a reconnect (the last reading before the loss is old by design). */
  private linkUpAtMs = -Infinity;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly finished: Promise<SessionResult>;
  private resolveFinished!: (r: SessionResult) => void;
  private readonly detach: (() => void)[] = [];
  /** Bumped on every order from the machine; async work checks it after each await. */
  private epoch = 0;
  /** Set by the operator's start and resume: the next readiness check may release a safe/latched bed. */
  private releaseAllowed = true;

  constructor(private readonly opts: SessionOptions) {
    const { bed, clock, program } = opts;
    this.startMs = clock.now();
    this.supervisor = new SafetySupervisor(bed.identity.limits, this.startMs);
    let plannedMs = 0;
    this.steps = program.steps.map((s, index) => {
      const t: StepTiming = { index, label: s.label, plannedStartMs: plannedMs, actualStartMs: undefined };
      plannedMs += s.durationMs;
      return t;
    });
    this.finished = new Promise((r) => (this.resolveFinished = r));
    const machine = sessionMachine.provide({
      actions: {
        // Every order starts a new epoch: work still running for an older order stops at its
        // next await instead of acting on a bed that has since been stopped or moved on.
        startHoming: () => this.track(this.home(this.nextEpoch())),
        startScan: () => this.track(this.scan(this.nextEpoch())),
        beginStep: ({ context }) => this.beginStep(context.stepIndex, context.spine!, this.nextEpoch()),
        beginCoolDown: () => this.track(this.coolDown(this.nextEpoch())),
        pauseOutputs: () => (this.nextEpoch(), this.track(this.idleOutputs())),
        // After a link loss the bed went safe by itself; idling it again is belt and braces.
        quietOutputs: () => (this.nextEpoch(), void this.idleOutputs().catch((err) => this.opts.logger.warn({ err }, "idling after link loss failed (bed already safe)"))),
        parkAndIdle: () => this.track(this.parkAndIdle(this.nextEpoch())),
        makeSafe: () => (this.nextEpoch(), this.track(this.makeSafe())),
        emergencyStop: () => (this.nextEpoch(), this.track(this.opts.bed.estop())),
        announce: () => {},
      },
    });
    this.actor = createActor(machine, {
      input: { program, confirmations: opts.confirmations },
      snapshot: opts.snapshot as never,
      clock: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h) },
    });
    this.actor.subscribe((snap) => {
      opts.persist?.(this.actor.getPersistedSnapshot(), this.view());
      if (snap.status === "done") void this.finish();
    });
  }

  /** Starts the session against an already-connected bed. Resolves when it ends. */
  start(): Promise<SessionResult> {
    const { bed, clock } = this.opts;
    const onTelemetry = (t: Telemetry): void => this.onTelemetry(t);
    const onEvent = (e: EventBody): void => this.onDeviceEvent(e);
    const onLink = (s: LinkState): void => this.onLink(s);
    bed.on("telemetry", onTelemetry);
    bed.on("event", onEvent);
    bed.on("link", onLink);
    this.detach.push(() => bed.off("telemetry", onTelemetry), () => bed.off("event", onEvent), () => bed.off("link", onLink));
    const periodMs = 1000 / SESSION_TELEMETRY_HZ;
    this.staleTimer = clock.setInterval(() => this.checkStale(periodMs), periodMs);
    this.actor.start();
    this.send({ type: "LINK_HANDSHAKING", atMs: clock.now() });
    this.track(bed.session("start"));
    this.send({ type: "LINK_UP", atMs: clock.now() });
    if (bed.latest) this.onTelemetry(bed.latest);
    return this.finished;
  }

  get done(): Promise<SessionResult> {
    return this.finished;
  }

  // ---- operator commands ----
  confirm(cover: boolean, screening: boolean): void {
    this.send({ type: "CONFIRM", atMs: this.opts.clock.now(), cover, screening });
  }
  pause(): void {
    this.send({ type: "PAUSE", atMs: this.opts.clock.now() });
  }
  resume(): void {
    this.releaseAllowed = true;
    this.send({ type: "RESUME", atMs: this.opts.clock.now() });
  }
  stop(): void {
    this.send({ type: "STOP", atMs: this.opts.clock.now() });
  }
  abort(text?: string): void {
    this.send({ type: "ABORT", atMs: this.opts.clock.now(), text });
  }
  /** Emergency stop: the command goes to the bed first, the bookkeeping after. */
  estop(): Promise<void> {
    this.nextEpoch();
    const sent = this.opts.bed.estop();
    this.track(sent);
    this.send({ type: "ESTOP", atMs: this.opts.clock.now(), source: "operator" });
    return sent;
  }

  get state(): string {
    return stateName(this.actor.getSnapshot().value);
  }

  view(): SessionView {
    const snap = this.actor.getSnapshot();
    const { context } = snap;
    const step = context.program.steps[context.stepIndex];
    const doses = this.supervisor.doses;
    return {
      state: stateName(snap.value),
      program: context.program.id,
      stepIndex: context.stepIndex,
      stepCount: context.program.steps.length,
      stepLabel: step?.label,
      timeLeftMs: this.timeLeftMs(),
      reason: context.reason,
      spine: context.spine,
      doses: { projector: doses.projector.fraction, mat: doses.mat.fraction },
      skinC: { projector: doses.projector.skinC, mat: doses.mat.skinC },
      faults: [...this.faults],
    };
  }

  private timeLeftMs(): number {
    const snap = this.actor.getSnapshot();
    const { context } = snap;
    const state = stateName(snap.value);
    const rest = (from: number): number => context.program.steps.slice(from).reduce((a, s) => a + s.durationMs, 0) + context.program.coolDown.durationMs;
    if (FINAL_STATES.includes(state as Outcome)) return 0;
    const phaseLeft = state.startsWith("running") || state === "coolingDown" ? Math.max(0, context.phaseDeadlineMs - this.opts.clock.now()) : context.phaseRemainingMs;
    if (state === "coolingDown" || context.resumeTo === "coolingDown") return phaseLeft;
    if (!state.startsWith("running") && state !== "paused" && state !== "linkLost" && state !== "resumeOffer") return rest(0);
    return phaseLeft + rest(context.stepIndex + 1);
  }

  private send(event: SessionEvent): void {
    if (this.actor.getSnapshot().status !== "active") return;
    this.actor.send(event);
  }

  private track(p: Promise<unknown>): void {
    const wrapped = p.catch((err) => (err instanceof Superseded ? undefined : this.onCommandError(err))).finally(() => this.pending.delete(wrapped));
    this.pending.add(wrapped);
  }

  private nextEpoch(): number {
    return ++this.epoch;
  }

  /** Throws Superseded when a newer order (or the end of the session) has replaced this work. */
  private current(epoch: number): void {
    if (epoch !== this.epoch || this.actor.getSnapshot().status !== "active") throw new Superseded();
  }

  /** Readiness with the operator's release, if one is pending (consumed by this use). */
  private async ready(epoch: number, needCarriage: boolean): Promise<void> {
    const release = this.releaseAllowed;
    await makeReady(this.opts.bed, needCarriage, release);
    this.current(epoch);
    if (release) this.releaseAllowed = false;
  }

  private async scan(epoch: number): Promise<void> {
    const { bed, clock } = this.opts;
    try {
      const spine = await scanSpine(bed, bed.identity.limits.trackMm);
      this.current(epoch);
      this.opts.logger.info({ spine }, "spine scanned");
      this.send({ type: "SCAN_DONE", atMs: clock.now(), spine });
    } catch (err) {
      if (err instanceof Superseded || epoch !== this.epoch || this.state !== "scanning") return;
      this.send({ type: "SCAN_FAILED", atMs: clock.now(), text: `Spine scan failed: ${(err as Error).message}` });
    }
  }

  // ---- what the machine orders ----
  private async home(epoch: number): Promise<void> {
    await this.ready(epoch, true);
    this.send({ type: "HOMED", atMs: this.opts.clock.now() });
  }

  private beginStep(index: number, spine: SpineMap, epoch: number): void {
    const { bed, clock, program, logger } = this.opts;
    const step = program.steps[index]!;
    const now = clock.now();
    if (index === 0 && this.firstStepAtMs === undefined) this.firstStepAtMs = now;
    const timing = this.steps[index]!;
    if (timing.actualStartMs === undefined) timing.actualStartMs = now - (this.firstStepAtMs ?? now);
    logger.info({ step: index, label: step.label }, "step begins");
    const previous = this.stopMotion();
    this.track(
      (async () => {
        await previous;
        this.current(epoch);
        await this.ready(epoch, program.requiresRoller);
        await Promise.all([bed.setHeat("projector", step.heat.projectorC), bed.setHeat("mat", step.heat.matC)]);
        this.current(epoch);
        this.player = new MotionPlayer(bed, clock, resolveMotion(step.motion, spine, program.coolDown.parkPositionMm ?? 0), step.lift, (err) => this.onCommandError(err));
      })(),
    );
  }

  private async stopMotion(): Promise<void> {
    const p = this.player;
    this.player = undefined;
    await p?.cancel();
  }

  private async idleOutputs(): Promise<void> {
    const { bed } = this.opts;
    const stopped = this.stopMotion();
    await Promise.all([bed.setHeat("projector", 0), bed.setHeat("mat", 0), bed.halt(), bed.setLift(0)]);
    await stopped;
  }

  private async coolDown(epoch: number): Promise<void> {
    const { bed, program } = this.opts;
    await this.idleOutputs();
    this.current(epoch);
    await this.ready(epoch, program.requiresRoller);
    await parkCarriage(bed, program.coolDown.parkPositionMm ?? 0, false);
  }

  private async parkAndIdle(epoch: number): Promise<void> {
    const { bed, program } = this.opts;
    // Heaters off first, at once; a booting bed refuses (its outputs are off already), so retry after.
    const idled = await this.idleOutputs().then(
      () => true,
      () => false,
    );
    // Judge by a fresh reading: a bed that is booting or homing is driving home by itself.
    const t = await settled(bed);
    // The session is over: only this, its last order, may still act (no estop or fault since).
    if (epoch !== this.epoch || t.state === "safe" || t.state === "estop") return;
    if (!idled) await this.idleOutputs();
    await parkCarriage(bed, program.coolDown.parkPositionMm ?? 0, true);
  }

  /** SAFE first (heaters, carriage and lift in one command), then stop issuing motion. */
  private async makeSafe(): Promise<void> {
    const safe = this.opts.bed.safe();
    await this.stopMotion();
    await safe;
  }

  // ---- what happened ----
  private onTelemetry(t: Telemetry): void {
    const now = this.opts.clock.now();
    if (this.actor.getSnapshot().status !== "active") return;
    const trip = this.supervisor.onTelemetry(t, now);
    if (trip) this.onTrip(trip);
    this.trackOccupancy(t, now);
  }

  private trackOccupancy(t: Telemetry, now: number): void {
    const present = t.loadKg >= OCCUPIED_MIN_KG;
    const ctx = this.actor.getSnapshot().context;
    if (present) {
      this.occupancyLostAtMs = undefined;
      if (!ctx.occupied || (ctx.weightKg !== undefined && Math.abs(ctx.weightKg - t.loadKg) > 5)) {
        this.send({ type: "OCCUPANCY", atMs: now, present: true, weightKg: t.loadKg });
      }
    } else if (ctx.occupied) {
      this.occupancyLostAtMs ??= now;
      if (now - this.occupancyLostAtMs >= OCCUPANCY_LOSS_PAUSE_MS) this.send({ type: "OCCUPANCY", atMs: now, present: false, weightKg: t.loadKg });
    }
  }

  private onTrip(trip: Trip): void {
    this.opts.logger.error({ trip }, "supervisor trip: heaters off");
    // Heaters off first (SAFE is one command: heaters, carriage, lift), then tell the machine.
    this.track(this.makeSafe());
    this.recordFault({ code: trip.code, priority: trip.priority, text: trip.text, atMs: trip.atMs, zone: trip.zone, source: "supervisor" });
    this.send({ type: "FAULT", atMs: trip.atMs, code: trip.code, priority: trip.priority, text: trip.text });
  }

  private onDeviceEvent(e: EventBody): void {
    const now = this.opts.clock.now();
    if (e.code === "E_ESTOP") {
      this.recordFault({ code: e.code, priority: e.priority, text: EVENT_CODES.E_ESTOP.text, atMs: now, source: "device" });
      this.send({ type: "ESTOP", atMs: now, source: "device" });
    } else if (DEVICE_FAULT_CODES.has(e.code) || (e.code === "E_OVERWEIGHT" && this.opts.program.requiresRoller)) {
      const text = `${EVENT_CODES[e.code].text}${e.detail ? ` (${e.detail})` : ""}`;
      this.recordFault({ code: e.code, priority: e.priority, text, atMs: now, zone: e.zone, source: "device" });
      this.track(this.makeSafe());
      this.send({ type: "FAULT", atMs: now, code: e.code, priority: e.priority, text });
    }
  }

  private onLink(s: LinkState): void {
    const now = this.opts.clock.now();
    // "handshaking" while up means the bed rebooted under us: it lost its outputs and its homing.
    if (s === "down" || (s === "handshaking" && this.linkUp)) {
      this.linkUp = false;
      void this.stopMotion();
      this.send({ type: "LINK_LOST", atMs: now });
    } else if (s === "up" && !this.linkUp) {
      this.linkUp = true;
      this.linkUpAtMs = now;
      this.send({ type: "LINK_UP", atMs: now });
      if (this.state === "resumeOffer") {
        if (this.opts.afterLinkLoss === "abort") this.abort("Link came back; this unattended run aborts rather than resume (--after-link-loss abort).");
        else if (this.opts.afterLinkLoss === "resume") this.resume();
      }
    }
  }

  private checkStale(periodMs: number): void {
    const { bed, clock } = this.opts;
    if (!this.linkUp || bed.linkState !== "up" || this.actor.getSnapshot().status !== "active" || bed.latestAtMs === undefined) return;
    const ageMs = clock.now() - Math.max(bed.latestAtMs, this.linkUpAtMs);
    const limitMs = periodMs * STALE_TELEMETRY_PERIODS;
    if (ageMs > limitMs) {
      const trip = this.supervisor.staleTelemetry(clock.now(), ageMs, limitMs);
      if (trip) this.onTrip(trip);
    }
  }

  private onCommandError(err: unknown): void {
    if (this.actor.getSnapshot().status !== "active" || !this.linkUp) return;
    const code = (err as { code?: unknown }).code;
    // 204 = LinkDown: the link-lost path handles it.
    if (code === 204) return;
    const text = `A command to the bed failed: ${(err as Error).message}`;
    this.opts.logger.error({ err }, "command failed");
    const now = this.opts.clock.now();
    this.recordFault({ code: "S_COMMAND_FAILED", priority: "medium", text, atMs: now, source: "session" });
    this.track(this.makeSafe());
    this.send({ type: "FAULT", atMs: now, code: "S_COMMAND_FAILED", priority: "medium", text });
  }

  private recordFault(f: SessionFault): void {
    this.faults.push({ ...f, atMs: f.atMs - this.startMs });
  }

  private async finish(): Promise<void> {
    if (this.endMs !== undefined) return;
    const { bed, clock } = this.opts;
    this.endMs = clock.now();
    clock.clearInterval(this.staleTimer);
    // Let the end-state commands (heaters off, park) settle before reporting.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await bed.session("end").catch(() => {});
    for (const d of this.detach) d();
    this.resolveFinished(this.result());
  }

  private result(): SessionResult {
    const snap = this.actor.getSnapshot();
    const outcome = stateName(snap.value) as Outcome;
    const doses = this.supervisor.doses;
    const violations = this.faults.filter((f) => VIOLATION_CODES.has(f.code));
    return {
      program: this.opts.program.id,
      outcome,
      reason: snap.context.reason,
      virtualDurationS: ((this.endMs ?? this.opts.clock.now()) - this.startMs) / 1000,
      steps: this.steps,
      maxElementC: this.supervisor.maxElementC,
      maxSkinC: Math.max(doses.projector.maxSkinC, doses.mat.maxSkinC),
      doseFraction: Math.max(doses.projector.fraction, doses.mat.fraction),
      faults: this.faults,
      violations,
    };
  }
}
