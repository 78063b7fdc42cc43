// The panel's controller: one therapy session at a time on one bed. Turns operator commands into
// session calls (refusing, with the reason, what the session's state does not allow), keeps the
// session row in the store up to date as it goes, and raises alarms.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../protocols/clock.ts";
import { EVENT_CODES } from "../../protocols/constants.ts";
import type { EventBody, Telemetry } from "../../protocols/messages.ts";
import type { BedDriver, GaveUp, LinkState } from "../device/bed.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { PanelStore, StoredFault } from "../store/index.ts";
import { builtInPrograms, findProgram } from "../therapy/programs/library.ts";
import type { ProgramDefinition } from "../therapy/programs/schema.ts";
import { TherapySession, type SessionCommand, type SessionResult, type SessionView } from "../therapy/session.ts";
import type { SessionReason } from "../therapy/sessionMachine.ts";
import { HeaterWatch } from "../therapy/heaterWatch.ts";
import { SUPERVISOR_CODES, withZone } from "../therapy/reasons.ts";
import { AlarmBoard } from "./alarmBoard.ts";
import { screeningRefusal, type ScreeningAnswers } from "./screening.ts";
import { stateWords } from "./stateWords.ts";
import { TelemetryHistory } from "./telemetryHistory.ts";

/** How often a running session's row is refreshed even when nothing changed (bounds what a kill -9 loses). */
export const PROGRESS_WRITE_MS = 2000;

export interface Who {
  actor: "staff" | "technician";
  name: string;
  remote?: string;
}

export interface StartRequest {
  programId: string;
  confirmations: { cover: true; screening: ScreeningAnswers };
}

export type { SessionCommand };

// Type aliases (not interfaces) so they fit the API schemas' open objects.
export type PanelSessionView = Omit<SessionView, "program"> & {
  id: string;
  programId: string;
  programName: string;
  stateText: string;
  startedBy: string;
};

export type EndedSessionView = {
  id: string;
  programId: string;
  programName: string;
  outcome: string;
  stateText: string;
  reason: SessionReason | undefined;
};

interface ActiveSession {
  id: string;
  program: ProgramDefinition;
  startedBy: string;
  session: TherapySession;
  lastWrittenState: string;
  lastWrittenAtMs: number;
  maxC: { projector: number; mat: number };
  alarmedFaults: number;
}

export interface PanelOptions {
  bed: BedDriver;
  /** The bed's clock (the session runs on it). */
  clock: Clock;
  store: PanelStore;
  logger: Logger;
}

const notAllowed = (message: string, state: string): BedlinkError => new BedlinkError(ErrorCode.NotAllowedInState, message, { state });

export class Panel {
  readonly alarms: AlarmBoard;
  readonly history = new TelemetryHistory();
  private current: ActiveSession | undefined;
  private last: EndedSessionView | undefined;
  private closing = false;
  /** Emergency stops pressed so far: a start that straddles one is refused. */
  private estops = 0;
  private readonly detach: (() => void)[] = [];
  /** The heater rules between sessions; made afresh at each session's end (its supervisor watched meanwhile). */
  private heaterWatch: HeaterWatch | undefined;

  constructor(private readonly opts: PanelOptions) {
    const { bed, store, logger } = opts;
    this.alarms = new AlarmBoard(store, logger);
    const interrupted = store.sessions.markInterrupted();
    if (interrupted > 0) {
      logger.warn({ interrupted }, "sessions left running by a previous server are marked interrupted");
      this.alarms.raise({ code: "S_INTERRUPTED", priority: "medium", text: "The controller restarted during a session; that session was interrupted (see history).", source: "session" });
    }
    const onTelemetry = (t: Telemetry): void => this.onTelemetry(t);
    const onEvent = (e: EventBody): void => this.onDeviceEvent(e);
    const onLink = (s: LinkState): void => this.onLink(s);
    const onGaveUp = (g: GaveUp): void => this.onGaveUp(g);
    bed.on("telemetry", onTelemetry);
    bed.on("event", onEvent);
    bed.on("link", onLink);
    bed.on("gaveUp", onGaveUp);
    this.detach.push(() => bed.off("telemetry", onTelemetry), () => bed.off("event", onEvent), () => bed.off("link", onLink), () => bed.off("gaveUp", onGaveUp));
  }

  get bed(): BedDriver {
    return this.opts.bed;
  }

  /** Now on the bed's clock (telemetry ages are measured on it). */
  nowMs(): number {
    return this.opts.clock.now();
  }

  programs(): ProgramDefinition[] {
    return builtInPrograms();
  }

  sessionView(): PanelSessionView | undefined {
    const a = this.current;
    if (!a) return undefined;
    const { program: _program, ...v } = a.session.view();
    return { ...v, id: a.id, programId: a.program.id, programName: a.program.name, stateText: stateWords(v.state), startedBy: a.startedBy };
  }

  lastSession(): EndedSessionView | undefined {
    return this.last;
  }

  // ---- operator commands ----

  async start(req: StartRequest, who: Who): Promise<PanelSessionView> {
    const { bed, clock, store, logger } = this.opts;
    const program = findProgram(req.programId);
    if (!program) {
      const allowed = builtInPrograms().map((p) => p.id);
      throw new BedlinkError(ErrorCode.UnknownProgram, `programId: no program "${req.programId}"; choose one of ${allowed.join(", ")}`, { field: "programId", allowed });
    }
    if (this.current) {
      const state = this.current.session.state;
      throw notAllowed(`A session is already in progress (${this.current.program.name}: ${stateWords(state).toLowerCase()}). Stop it before starting another.`, state);
    }
    if (this.closing) throw notAllowed("The panel is shutting down.", "closing");
    if (bed.linkState !== "up") throw notAllowed("The bed is not connected. Check the cable and the bed's power, then try again.", `link ${bed.linkState}`);
    const refusal = screeningRefusal(req.confirmations.screening);
    if (refusal) {
      store.audit.record(who.actor, "session.refused", { programId: program.id, reason: "screening" }, who.remote);
      throw notAllowed(refusal, "prechecks");
    }

    // An emergency stop stays latched until a technician releases it: staff cannot start over it.
    if (bed.latch) throw notAllowed(`${bed.latch.text} A technician must release it (Technician → Release the emergency stop) before a program can start.`, "latched");
    // A safe state is released by starting anew: the operator has just confirmed the cover and the
    // screening, a deliberate act. (Roller programs would reset while homing anyway.)
    const estopsBefore = this.estops;
    if (bed.latest?.state === "safe") {
      try {
        await bed.reset();
      } catch (err) {
        // The driver refuses a RESET once an ESTOP was pressed: that is the stop winning, not a fault.
        if (this.estops !== estopsBefore || bed.latch) throw notAllowed("Emergency stop pressed while the program was starting; the bed stays stopped.", "estopped");
        throw err;
      }
      store.audit.record(who.actor, "bed.release", { from: "safe" }, who.remote);
    }
    // An emergency stop pressed while this start was on its way wins: never start over it.
    if (this.estops !== estopsBefore || bed.latch) throw notAllowed("Emergency stop pressed while the program was starting; the bed stays stopped.", "estopped");
    // Someone else may have started one while the reset was on its way.
    const raced = this.current as ActiveSession | undefined;
    if (raced) throw notAllowed("A session was started from another screen a moment ago.", raced.session.state);

    const id = randomUUID();
    store.sessions.begin({ id, programId: program.id, programName: program.name, startedBy: who.name, deviceSerial: bed.identity.serial });
    store.audit.record(who.actor, "session.start", { sessionId: id, programId: program.id, confirmations: req.confirmations }, who.remote);
    const active: ActiveSession = {
      id,
      program,
      startedBy: who.name,
      session: undefined as unknown as TherapySession,
      lastWrittenState: "starting",
      lastWrittenAtMs: clock.now(),
      maxC: { projector: -Infinity, mat: -Infinity },
      alarmedFaults: 0,
    };
    active.session = new TherapySession({
      program,
      bed,
      clock,
      logger: logger.child({ sessionId: id, serial: bed.identity.serial }),
      onChange: (view) => {
        if (view.state !== active.lastWrittenState) this.writeProgress(active, view);
      },
    });
    this.current = active;
    active.session.start().then(
      (result) => this.onSessionEnd(active, result),
      (err) => {
        logger.error({ err, sessionId: id }, "session runner failed");
        this.onSessionEnd(active, undefined);
      },
    );
    // The operator confirmed the cover and the screening in the same request.
    active.session.confirm(true, true);
    return this.sessionView()!;
  }

  command(cmd: SessionCommand, who: Who): PanelSessionView {
    const a = this.current;
    if (!a) throw notAllowed(`Nothing to ${cmd}: no session is running.`, "idle");
    const state = a.session.state;
    if (!a.session.allowedCommands()[cmd]) {
      throw notAllowed(`Cannot ${cmd} now: the session is ${stateWords(state).toLowerCase()}.`, state);
    }
    this.opts.store.audit.record(who.actor, `session.${cmd}`, { sessionId: a.id, state }, who.remote);
    a.session[cmd]();
    const after = a.session.view();
    // RESUME is refused inside the machine when nobody is on the bed: it stays paused and says why.
    if (cmd === "resume" && after.state === state) throw notAllowed(after.reason?.text ?? `Cannot resume: the session is ${stateWords(state).toLowerCase()}.`, state);
    return this.sessionView()!;
  }

  /**
   * Emergency stop: the ESTOP goes to the bed before any bookkeeping. Resolves when the bed's
   * telemetry confirmed it; rejects when it did not (the driver has then given up on the bed).
   */
  async estop(who: Who): Promise<void> {
    this.estops++;
    const a = this.current;
    const sent = a && !a.session.ended ? a.session.estop() : this.opts.bed.estop();
    // Bookkeeping must never stand between the button and the bed, nor fail it.
    try {
      this.opts.store.audit.record(who.actor, "estop", { sessionId: a?.id }, who.remote);
      this.alarms.raise({ code: "E_ESTOP", priority: "high", text: "Emergency stop pressed. A technician must release it before the next program.", source: "operator", sessionId: a?.id });
    } catch (err) {
      this.opts.logger.error({ err }, "could not record the emergency stop");
    }
    await sent;
  }

  /** Technician: releases an emergency stop or a bed the controller gave up on, else a safe state. */
  async release(who: Who): Promise<void> {
    const { bed, store } = this.opts;
    const latch = bed.latch;
    if (latch) await bed.releaseLatch();
    else await bed.reset();
    store.audit.record(who.actor, "device.reset", { latch: latch?.kind ?? null }, who.remote);
    if (latch) {
      this.alarms.resolve("E_ESTOP", who.name);
      this.alarms.resolve("S_BED_NOT_STOPPED", who.name);
    }
  }

  /** Graceful shutdown: the session is saved as stopped; the caller then closes the bed (SAFE). */
  shutdown(): void {
    this.closing = true;
    const a = this.current;
    if (a) {
      const view = a.session.view();
      // An emergency stop on its way (or latched) stays the session's outcome; the shutdown does not overwrite it.
      const estopped = view.state === "estopping" || view.state === "estopped" || this.opts.bed.latch?.kind === "estop";
      const ending = estopped
        ? { outcome: "estopped" as const, reasonCode: "E_ESTOP", reasonText: "Emergency stop pressed; the panel server was then shut down." }
        : { outcome: "stopped" as const, reasonCode: "SHUTDOWN", reasonText: "The panel server was shut down; the bed was told to go safe (its own lease makes it safe within a second)." };
      this.opts.store.sessions.finish(a.id, ending.outcome, { ...this.progressOf(a, view), reasonCode: ending.reasonCode, reasonText: ending.reasonText });
      this.opts.store.audit.record("system", "session.shutdown", { sessionId: a.id });
      a.session.halt();
    }
    for (const d of this.detach) d();
  }

  /** Called on the server's housekeeping tick: refreshes the running session's row. */
  housekeeping(): void {
    const a = this.current;
    if (!a || this.closing) return;
    const view = a.session.view();
    if (this.opts.clock.now() - a.lastWrittenAtMs >= PROGRESS_WRITE_MS || view.state !== a.lastWrittenState) this.writeProgress(a, view);
  }

  // ---- what happened ----

  private writeProgress(a: ActiveSession, view: SessionView): void {
    if (this.closing) return;
    a.lastWrittenState = view.state;
    a.lastWrittenAtMs = this.opts.clock.now();
    this.opts.store.sessions.progress(a.id, this.progressOf(a, view));
    this.alarmNewFaults(a, view);
  }

  private progressOf(a: ActiveSession, view: SessionView): { lastState: string; faults: StoredFault[]; maxProjectorC?: number; maxMatC?: number; reasonCode: string | null; reasonText: string | null } {
    return {
      lastState: view.state,
      faults: view.faults.map((f) => ({ code: f.code, priority: f.priority, text: f.text, atMs: f.atMs })),
      maxProjectorC: Number.isFinite(a.maxC.projector) ? a.maxC.projector : undefined,
      maxMatC: Number.isFinite(a.maxC.mat) ? a.maxC.mat : undefined,
      reasonCode: view.reason?.code ?? null,
      reasonText: view.reason?.text ?? null,
    };
  }

  /** Supervisor and session faults become alarms; device faults arrive as events (onDeviceEvent). */
  private alarmNewFaults(a: ActiveSession, view: SessionView): void {
    for (const f of view.faults.slice(a.alarmedFaults)) {
      if (f.source !== "device") this.alarms.raise({ code: f.code, priority: f.priority, text: f.text, zone: f.zone, source: f.source, sessionId: a.id });
    }
    a.alarmedFaults = view.faults.length;
  }

  private onSessionEnd(a: ActiveSession, result: SessionResult | undefined): void {
    if (this.current === a) this.current = undefined;
    this.heaterWatch = undefined;
    if (this.closing) return;
    const view = a.session.view();
    const outcome = result?.outcome ?? "faulted";
    const reason = result?.reason ?? view.reason;
    this.opts.store.sessions.finish(a.id, outcome, { ...this.progressOf(a, view), lastState: outcome, reasonCode: reason?.code ?? null, reasonText: reason?.text ?? null });
    this.alarmNewFaults(a, view);
    if (outcome === "completed") {
      this.alarms.raise({ code: "I_SESSION_DONE", priority: "low", text: `${a.program.name} finished. The bed has cooled down and parked.`, source: "session", sessionId: a.id });
    } else if (reason && outcome !== "estopped") {
      this.alarms.raise({ code: reason.code, priority: reason.priority, text: reason.text, source: "session", sessionId: a.id });
    }
    this.last = { id: a.id, programId: a.program.id, programName: a.program.name, outcome, stateText: stateWords(outcome), reason };
    this.opts.logger.info({ sessionId: a.id, outcome, reason }, "session ended");
  }

  private onTelemetry(t: Telemetry): void {
    this.history.add(t);
    const a = this.current;
    if (a) {
      a.maxC.projector = Math.max(a.maxC.projector, t.projectorC);
      a.maxC.mat = Math.max(a.maxC.mat, t.matC);
    }
    // Between sessions nobody else watches the heaters: a switch can weld during parking, or after.
    if (!a || a.session.ended) this.watchHeaters(t);
  }

  private watchHeaters(t: Telemetry): void {
    const { bed, clock, logger } = this.opts;
    this.heaterWatch ??= new HeaterWatch(bed.identity);
    const trip = this.heaterWatch.onTelemetry(t, clock.now());
    if (!trip) return;
    const info = SUPERVISOR_CODES[trip.code];
    const text = withZone(info.text, trip.zone);
    logger.error({ trip }, "a heater misbehaves between sessions");
    this.alarms.raise({ code: trip.code, priority: info.priority, text, zone: trip.zone, source: "supervisor" });
    // A heater that cannot be cut: the emergency stop (the operator must act); otherwise SAFE cuts it.
    const order = trip.code === "S_HEATER_NOT_CUT" ? bed.estop() : bed.safe();
    order.catch((err: unknown) => logger.error({ err: (err as Error).message, code: trip.code }, "the bed did not confirm the order after a heater fault"));
  }

  private onDeviceEvent(e: EventBody): void {
    // Informational events (boot, homed, occupancy) are in the device log, not on the alarm list.
    if (e.priority === "low") return;
    const text = `${EVENT_CODES[e.code].text}${e.detail ? ` (${e.detail})` : ""}`;
    this.alarms.raise({ code: e.code, priority: e.priority, text, zone: e.zone, source: "device", sessionId: this.current?.id });
  }

  /** The bed did not confirm a safety order: staff must act, the controller can do no more. */
  private onGaveUp(g: GaveUp): void {
    this.alarms.raise({ code: g.code, priority: "high", text: g.text, source: "device", sessionId: this.current?.id });
  }

  private onLink(s: LinkState): void {
    if (s === "down") this.alarms.raise({ code: "S_LINK_LOST", priority: "medium", text: "The bed is not answering; it goes safe on its own within a second.", source: "link", sessionId: this.current?.id });
    else if (s === "up") this.alarms.resolve("S_LINK_LOST", "system");
  }
}
