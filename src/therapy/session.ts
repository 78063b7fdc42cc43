// Runs one therapy session: feeds the session machine what happened (telemetry through the
// safety supervisor, the load sensor, device events, the link) and hands it the work it may
// order (work.ts). The machine decides everything; this module only translates and reports.
import { createActor, fromPromise, type Actor } from "xstate";
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { EVENT_CODES } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { BedDriver, GaveUp, LinkState } from "../device/bed.ts";
import type { Logger } from "../log.ts";
import { OCCUPIED_MIN_KG, PRESENCE_WEIGHT_CHANGE_KG, staleAfterMs } from "./limits.ts";
import type { ProgramDefinition } from "./programs/schema.ts";
import { VIOLATION_CODES, withZone } from "./reasons.ts";
import { SESSION_TELEMETRY_HZ } from "./scan.ts";
import { sessionMachine, type AfterLinkLoss, type SessionEvent } from "./sessionMachine.ts";
import { SafetySupervisor, type Trip } from "./supervisor.ts";
import { FINAL_STATES, stateName, timeLeftMs, type Outcome, type SessionCommand, type SessionFault, type SessionResult, type SessionView, type StepTiming } from "./sessionTypes.ts";
import * as work from "./work.ts";

export { stateName, type Outcome, type SessionCommand, type SessionFault, type SessionResult, type SessionView, type StepTiming } from "./sessionTypes.ts";

export interface SessionOptions {
  program: ProgramDefinition;
  bed: BedDriver;
  clock: Clock;
  logger: Logger;
  confirmations?: { cover: boolean; screening: boolean };
  /** Called with the view on every state change (the panel keeps the session's row up to date). */
  onChange?: (view: SessionView) => void;
  /** When the link comes back after a loss: wait for the operator (panel), or decide at once (unattended runs). */
  afterLinkLoss?: AfterLinkLoss;
  /** Unattended runs: nobody on the bed this long (before the start or after getting up) ends the run. */
  vacancyWaitMs?: number;
}

type SessionActor = Actor<typeof sessionMachine>;

const COMMAND_EVENT = { pause: "PAUSE", resume: "RESUME", stop: "STOP", abort: "ABORT" } as const satisfies Record<SessionCommand, SessionEvent["type"]>;

export class TherapySession {
  readonly actor: SessionActor;
  private readonly supervisor: SafetySupervisor;
  private readonly startMs: number;
  private endMs: number | undefined;
  private readonly faults: SessionFault[] = [];
  private readonly steps: StepTiming[];
  private firstStepAtMs: number | undefined;
  private staleTimer: TimerHandle | undefined;
  private linkUp = true;
  /** Telemetry age counts from here after a reconnect (the last reading before the loss is old by design). */
  private linkUpAtMs = -Infinity;
  private lastPresence: { present: boolean; weightKg: number } | undefined;
  private readonly finished: Promise<SessionResult>;
  private resolveFinished!: (r: SessionResult) => void;
  private readonly detach: (() => void)[] = [];

  constructor(private readonly opts: SessionOptions) {
    const { bed, clock, program, logger } = opts;
    this.startMs = clock.now();
    this.supervisor = new SafetySupervisor(bed.identity, this.startMs);
    let plannedMs = 0;
    this.steps = program.steps.map((s, index) => {
      const t: StepTiming = { index, label: s.label, plannedStartMs: plannedMs, actualStartMs: undefined };
      plannedMs += s.durationMs;
      return t;
    });
    this.finished = new Promise((r) => (this.resolveFinished = r));
    const w: work.WorkContext = { bed, clock, logger, program };
    const machine = sessionMachine.provide({
      actors: {
        prepare: fromPromise(({ input, signal }) => work.scoped(signal, (s) => work.prepare(w, input, s))),
        scan: fromPromise(({ signal }) => work.scoped(signal, (s) => work.scan(w, s))),
        step: fromPromise(({ input, signal }) => work.scoped(signal, (s) => work.step(w, input, s))),
        coolDown: fromPromise(({ signal }) => work.scoped(signal, (s) => work.coolDown(w, s))),
        park: fromPromise(({ signal }) => work.scoped(signal, (s) => work.park(w, s))),
        pauseOutputs: fromPromise(({ signal }) => work.scoped(signal, (s) => work.pauseOutputs(w, s))),
        quietOutputs: fromPromise(({ signal }) => work.scoped(signal, (s) => work.quietOutputs(w, s))),
        faultSafe: fromPromise(({ input, signal }) => work.scoped(signal, (s) => work.faultSafe(w, input, s))),
        emergencyStop: fromPromise(() => work.emergencyStop(w)),
      },
      actions: {
        stepStarted: ({ context }) => this.stepStarted(context.stepIndex),
      },
    });
    this.actor = createActor(machine, {
      input: { program, confirmations: opts.confirmations, afterLinkLoss: opts.afterLinkLoss ?? "ask", vacancyWaitMs: opts.vacancyWaitMs },
      clock: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h as TimerHandle) },
    });
    let lastState = "";
    this.actor.subscribe({
      next: (snap) => {
        const state = stateName(snap.value);
        if (state !== lastState) {
          lastState = state;
          logger.info({ state }, "session state");
          opts.onChange?.(this.view());
        }
        if (snap.status === "done") this.finish();
      },
      // Every invoked piece of work has its onError; an error here is a bug in the machine.
      error: (err) => {
        logger.error({ err }, "session machine failed");
        this.finish();
      },
    });
  }

  /** Starts the session against an already-connected bed. Resolves when it ends. */
  start(): Promise<SessionResult> {
    const { bed, clock, logger } = this.opts;
    const onTelemetry = (t: Telemetry): void => this.onTelemetry(t);
    const onEvent = (e: EventBody): void => this.onDeviceEvent(e);
    const onLink = (s: LinkState): void => this.onLink(s);
    const onGaveUp = (g: GaveUp): void => this.onGaveUp(g);
    bed.on("telemetry", onTelemetry);
    bed.on("event", onEvent);
    bed.on("link", onLink);
    bed.on("gaveUp", onGaveUp);
    this.detach.push(() => bed.off("telemetry", onTelemetry), () => bed.off("event", onEvent), () => bed.off("link", onLink), () => bed.off("gaveUp", onGaveUp));
    this.staleTimer = clock.setInterval(() => this.checkStale(), 1000 / SESSION_TELEMETRY_HZ);
    this.actor.start();
    this.send({ type: "LINK_HANDSHAKING", atMs: clock.now() });
    bed.session("start").catch((err: unknown) => logger.warn({ err: (err as Error).message }, "SESSION start not acknowledged"));
    this.send({ type: "LINK_UP", atMs: clock.now() });
    if (bed.latch) this.send({ type: "FAULT", atMs: clock.now(), code: "S_ESTOP_LATCHED", priority: "high", text: `${bed.latch.text} A technician must release it before a session can start.` });
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
    this.send({ type: "RESUME", atMs: this.opts.clock.now() });
  }
  stop(): void {
    this.send({ type: "STOP", atMs: this.opts.clock.now() });
  }
  abort(): void {
    this.send({ type: "ABORT", atMs: this.opts.clock.now() });
  }

  /** Emergency stop: the ESTOP goes to the bed first; resolves when telemetry confirms it, rejects when the bed did not. */
  estop(): Promise<void> {
    const confirmed = this.opts.bed.estop();
    this.send({ type: "ESTOP", atMs: this.opts.clock.now(), source: "operator" });
    return confirmed;
  }

  /** The controller is shutting down: the machine stops and its work is aborted; the caller makes the bed safe. */
  halt(): void {
    this.actor.stop();
    this.finish();
  }

  /** Which operator commands the session takes now (the panel enables its buttons from this). */
  allowedCommands(): Record<SessionCommand, boolean> {
    const snap = this.actor.getSnapshot();
    const atMs = this.opts.clock.now();
    const out = {} as Record<SessionCommand, boolean>;
    for (const [cmd, type] of Object.entries(COMMAND_EVENT) as [SessionCommand, (typeof COMMAND_EVENT)[SessionCommand]][]) {
      out[cmd] = snap.status === "active" && snap.can({ type, atMs });
    }
    return out;
  }

  get state(): string {
    return stateName(this.actor.getSnapshot().value);
  }

  get ended(): boolean {
    return this.actor.getSnapshot().status !== "active";
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
      timeLeftMs: timeLeftMs(snap, this.opts.clock.now()),
      reason: context.reason,
      spine: context.spine,
      doses: { projector: doses.projector.fraction, mat: doses.mat.fraction },
      skinC: { projector: doses.projector.skinC, mat: doses.mat.skinC },
      faults: [...this.faults],
      allowed: this.allowedCommands(),
    };
  }

  private send(event: SessionEvent): void {
    if (this.actor.getSnapshot().status !== "active") return;
    this.actor.send(event);
  }

  private stepStarted(index: number): void {
    const now = this.opts.clock.now();
    if (index === 0 && this.firstStepAtMs === undefined) this.firstStepAtMs = now;
    const timing = this.steps[index];
    if (timing && timing.actualStartMs === undefined) timing.actualStartMs = now - (this.firstStepAtMs ?? now);
    this.opts.logger.info({ step: index, label: timing?.label }, "step begins");
  }

  // ---- what happened ----
  private onTelemetry(t: Telemetry): void {
    const now = this.opts.clock.now();
    if (this.ended) return;
    const trip = this.supervisor.onTelemetry(t, now);
    if (trip) this.onTrip(trip);
    this.trackPresence(t, now);
  }

  /** The load sensor as the machine wants it: crossings of the occupancy threshold and weight changes. */
  private trackPresence(t: Telemetry, now: number): void {
    const present = t.loadKg >= OCCUPIED_MIN_KG;
    const last = this.lastPresence;
    if (last && last.present === present && (!present || Math.abs(last.weightKg - t.loadKg) <= PRESENCE_WEIGHT_CHANGE_KG)) return;
    this.lastPresence = { present, weightKg: t.loadKg };
    this.send({ type: "PRESENCE", atMs: now, present, weightKg: t.loadKg });
  }

  private onTrip(trip: Trip): void {
    this.opts.logger.error({ trip }, "supervisor trip: heaters off");
    const text = withZone(trip.text, trip.zone);
    this.recordFault({ code: trip.code, priority: trip.priority, text, atMs: trip.atMs, zone: trip.zone, source: "supervisor" });
    // The machine's safing state sends SAFE at once (same call), and its work confirms it.
    this.send({ type: "FAULT", atMs: trip.atMs, code: trip.code, priority: trip.priority, text, zone: trip.zone });
  }

  private onDeviceEvent(e: EventBody): void {
    const now = this.opts.clock.now();
    if (this.ended || e.priority === "low") return;
    const text = withZone(`${EVENT_CODES[e.code].text}${e.detail ? ` (${e.detail})` : ""}`, e.zone);
    this.recordFault({ code: e.code, priority: e.priority, text, atMs: now, zone: e.zone, source: "device" });
    this.send({ type: "DEVICE_EVENT", atMs: now, code: e.code, priority: e.priority, zone: e.zone, detail: e.detail, text });
  }

  private onGaveUp(g: GaveUp): void {
    if (this.ended) return;
    this.recordFault({ code: g.code, priority: "high", text: g.text, atMs: g.atMs, source: "device" });
    this.send({ type: "GAVE_UP", atMs: g.atMs, text: g.text });
  }

  private onLink(s: LinkState): void {
    const now = this.opts.clock.now();
    // "handshaking" while up means the bed rebooted under us: it lost its outputs and its homing.
    if (s === "down" || (s === "handshaking" && this.linkUp)) {
      this.linkUp = false;
      this.send({ type: "LINK_LOST", atMs: now });
    } else if (s === "up" && !this.linkUp) {
      this.linkUp = true;
      this.linkUpAtMs = now;
      this.send({ type: "LINK_UP", atMs: now });
    }
  }

  private checkStale(): void {
    const { bed, clock } = this.opts;
    if (!this.linkUp || bed.linkState !== "up" || this.ended || bed.latestAtMs === undefined) return;
    const ageMs = clock.now() - Math.max(bed.latestAtMs, this.linkUpAtMs);
    // Periods of the bed's own rate (it may still run slower until the session sets its rate).
    const limitMs = staleAfterMs(bed.telemetryRateHz);
    if (ageMs > limitMs) {
      const trip = this.supervisor.staleTelemetry(clock.now(), ageMs, limitMs);
      if (trip) this.onTrip(trip);
    }
  }

  private recordFault(f: SessionFault): void {
    this.faults.push({ ...f, atMs: f.atMs - this.startMs });
  }

  private finish(): void {
    if (this.endMs !== undefined) return;
    const { bed, clock, logger } = this.opts;
    this.endMs = clock.now();
    clock.clearInterval(this.staleTimer);
    for (const d of this.detach) d();
    const result = this.result();
    // The end states' work (heaters off, park, SAFE, ESTOP) is done before a final state is reached.
    bed.session("end").then(
      () => this.resolveFinished(result),
      (err: unknown) => {
        logger.debug({ err: (err as Error).message }, "SESSION end not acknowledged");
        this.resolveFinished(result);
      },
    );
  }

  private result(): SessionResult {
    const snap = this.actor.getSnapshot();
    const name = stateName(snap.value);
    const outcome: Outcome = (FINAL_STATES as readonly string[]).includes(name) ? (name as Outcome) : "faulted";
    const doses = this.supervisor.doses;
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
      violations: this.faults.filter((f) => VIOLATION_CODES.has(f.code)),
    };
  }
}
