// The bed as the therapy engine sees it: typed commands checked against the device's own
// limits, a telemetry stream with the latest reading, events, identity, and the link state.
// Every command passes one gate (its order's AbortSignal, the emergency-stop latch) at the
// moment it would go on the wire; safety orders count as done only when telemetry shows it.
import type { Clock } from "../../protocols/clock.ts";
import { describeIssue, parseReply } from "../../protocols/codec.ts";
import type { Zone } from "../../protocols/constants.ts";
import { CommandBodies, type CommandType, type EventBody, type Identity, ReplyBodies, type Telemetry } from "../../protocols/messages.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { TypedEmitter } from "../link/emitter.ts";
import { Link, type LinkOptions, type LinkState } from "../link/link.ts";
import type { LinkStats } from "../link/stats.ts";
import { Waitress } from "../link/waitress.ts";
import { abortedError, type SendOptions } from "../link/window.ts";
import type { TransportFactory } from "../transport/types.ts";
import type { z } from "zod";
import { checkHeat, checkLift, checkMove, checkTelemetryRate } from "./arguments.ts";
import { BedLatch, type GaveUp, type Latch } from "./latch.ts";
import { complies, confirmWindowMs, showsApplied, STILL_POSITION_MM, type SafetyOrder } from "./orders.ts";

/** After a technician's RESET the bed leaves estop at its next reading or two; allow for a slow line. */
const RELEASE_SETTLE_MS = 1_000;

export type { LinkState, LinkStats, TransportFactory };
export type { GaveUp, Latch } from "./latch.ts";
export type LogReply = z.infer<typeof ReplyBodies.LOG>;
export type InfoReply = z.infer<typeof ReplyBodies.INFO>;

/** The driver connects with exactly the link's options (transport, clock, reconnect, seeded randomness, baud). */
export type BedConnectOptions = LinkOptions;

export type BedEvents = {
  telemetry: (t: Telemetry) => void;
  event: (e: EventBody) => void;
  link: (s: LinkState) => void;
  identity: (id: Identity) => void;
  /** The latch changed: an emergency stop, the controller giving up on the bed, or a technician's release. */
  latch: (l: Latch | undefined) => void;
  /** A safety order went unconfirmed: heartbeats stopped, everything but ESTOP refused. */
  gaveUp: (g: GaveUp) => void;
};

/** What a command may carry: the order it belongs to. */
export interface CommandOptions {
  signal?: AbortSignal;
}

type TelemetryPredicate = (t: Telemetry) => boolean;

export class BedDriver extends TypedEmitter<BedEvents> {
  private latestTelemetry: Telemetry | undefined;
  private latestTelemetryAtMs: number | undefined;
  private telemetryHz: number;
  private readonly telemetryWaiters: Waitress<Telemetry, TelemetryPredicate>;
  private readonly latchState: BedLatch;
  private pendingEstop: Promise<void> | undefined;

  private constructor(
    private readonly link: Link,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    super((event, err) => log.error({ err, event }, "bed listener threw"));
    this.telemetryHz = link.identity!.telemetryHz;
    this.telemetryWaiters = new Waitress<Telemetry, TelemetryPredicate>(clock, (t, pred) => pred(t), () => "matching telemetry");
    this.latchState = new BedLatch(link, clock, log, {
      latch: (l) => this.emit("latch", l),
      gaveUp: (g) => this.emit("gaveUp", g),
    });
    link.setGate((type, body) => this.latchState.refusal(type, body));
    link.on("telemetry", (t) => {
      this.latestTelemetry = t;
      this.latestTelemetryAtMs = clock.now();
      // A stop latched on the bed is a stop for the controller too, whoever pressed it; and a bed
      // that leaves its stop by itself (a reboot, a firmware that drops its latch) is stopped again.
      if (t.state === "estop") this.latchState.engage("estop", "The bed reports its emergency stop engaged.");
      else if (this.latchState.needsRestop(t.state)) this.restop();
      this.emit("telemetry", t);
      // Every waiter whose predicate holds gets this reading.
      while (this.telemetryWaiters.resolve(t));
    });
    link.on("event", (e) => {
      if (e.code === "E_ESTOP") this.latchState.engage("estop", "The bed reports its emergency stop engaged.");
      this.emit("event", e);
    });
    link.on("state", (s) => this.emit("link", s));
    link.on("identity", (id) => {
      this.telemetryHz = id.telemetryHz;
      this.emit("identity", id);
    });
  }

  /** Opens the transport and handshakes; resolves with a driver whose identity is known. */
  static async connect(opts: BedConnectOptions): Promise<BedDriver> {
    const log = (opts.logger ?? silentLogger()).child({ ns: "bedlink:device" });
    const link = new Link({ ...opts, logger: opts.logger });
    await link.open();
    return new BedDriver(link, opts.clock, log);
  }

  get identity(): Identity {
    return this.link.identity!;
  }

  get linkState(): LinkState {
    return this.link.state;
  }

  get latest(): Telemetry | undefined {
    return this.latestTelemetry;
  }

  /** Clock time the latest telemetry arrived. */
  get latestAtMs(): number | undefined {
    return this.latestTelemetryAtMs;
  }

  /** Why actuator commands are refused now (an emergency stop, or the controller gave up on the bed). */
  get latch(): Latch | undefined {
    return this.latchState.current;
  }

  /** The telemetry rate last negotiated (handshake or RATE), Hz. */
  get telemetryRateHz(): number {
    return this.telemetryHz;
  }

  /** How long a safety order's effect may take to show in telemetry, at the current rate. */
  get confirmWindowMs(): number {
    return confirmWindowMs(this.telemetryHz, this.link.rtt.stats().srttMs);
  }

  // ---- actuator commands: the gate, then the ACK, then telemetry showing the effect ----

  async setHeat(zone: Zone, targetC: number, opts: CommandOptions = {}): Promise<void> {
    checkHeat(this.identity.limits, zone, targetC);
    await this.applied("HEAT", { zone, targetC }, opts);
  }

  async moveTo(positionMm: number, speedMmS: number, opts: CommandOptions = {}): Promise<void> {
    checkMove(this.identity.limits, positionMm, speedMmS);
    await this.applied("MOVE", { positionMm, speedMmS }, opts);
  }

  async halt(opts: CommandOptions = {}): Promise<void> {
    await this.applied("HALT", {}, opts);
  }

  async setLift(level: number, opts: CommandOptions = {}): Promise<void> {
    checkLift(this.identity.limits, level);
    await this.applied("LIFT", { level }, opts);
  }

  async home(opts: CommandOptions = {}): Promise<void> {
    await this.link.send("HOME", {}, opts);
  }

  async setTelemetryRate(hz: number, opts: CommandOptions = {}): Promise<void> {
    checkTelemetryRate(hz);
    await this.link.send("RATE", { hz }, opts);
    this.telemetryHz = hz;
  }

  // ---- safety orders: confirmed from telemetry, or the controller gives up on the bed ----

  /**
   * Emergency stop, out of band. Latches at once (no HEAT/MOVE/LIFT/HOME reaches the wire until
   * a technician releases it) and holds heartbeats until telemetry confirms the stop. Unconfirmed
   * within two telemetry periods: the controller gives up (DeviceNotComplying).
   */
  estop(): Promise<void> {
    // One stop at a time: a second press while the first awaits its confirmation shares it.
    this.pendingEstop ??= this.stopAndConfirm().finally(() => (this.pendingEstop = undefined));
    return this.pendingEstop;
  }

  private async stopAndConfirm(): Promise<void> {
    this.latchState.engage("estop", "Emergency stop pressed.");
    if (this.link.state === "closed") throw new BedlinkError(ErrorCode.LinkDown, "cannot send ESTOP: the link is closed");
    const release = this.link.holdHeartbeats();
    // The ACK is not the confirmation; a missing ACK is reported through the confirmation failing.
    this.link.estop().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "ESTOP not acknowledged"));
    try {
      await this.confirmed("estop");
    } catch (err) {
      const linkState = this.link.state;
      this.latchState.giveUp("estop", (err as Error).message);
      // Not answering at all is told apart: its own lease makes the bed safe within a second.
      if (linkState !== "up") throw new BedlinkError(ErrorCode.LinkDown, `the emergency stop could not be confirmed: the link is ${linkState}`, { order: "estop", linkState });
      throw new BedlinkError(ErrorCode.DeviceNotComplying, "the bed did not confirm the emergency stop", { order: "estop" });
    } finally {
      release();
    }
  }

  /** SAFE (heaters off and cut, carriage stopped, lift retracted), confirmed; unconfirmed → emergency stop. Returns the order that held. */
  async safe(): Promise<SafetyOrder> {
    // The window counts from now: a bed that neither answers nor obeys gets no retry cycle's grace.
    const confirm = this.confirmed("safe");
    confirm.catch(() => {});
    const sent = this.link.send("SAFE", {}, { urgent: true }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    try {
      await confirm;
      return "safe";
    } catch {
      const refused = await Promise.race([sent, this.clock.sleep(0).then(() => undefined)]);
      if (refused && this.isLinkDown(refused)) throw refused;
      this.log.error({ refused: refused?.message }, "SAFE not confirmed by telemetry: emergency stop");
      await this.estop();
      return "estop";
    }
  }

  /** Heaters off, carriage halted, lift retracted, confirmed; unconfirmed → SAFE → emergency stop. */
  async idle(opts: CommandOptions = {}): Promise<SafetyOrder> {
    const refused = this.latchState.refusal("HEAT", {});
    if (refused) throw refused;
    const confirm = this.confirmed("idle", opts.signal);
    confirm.catch(() => {});
    const errors: Error[] = [];
    const send = (type: CommandType, body: unknown): void => {
      this.link.send(type, body, { ...opts, urgent: true } satisfies SendOptions).catch((err: unknown) => void errors.push(err as Error));
    };
    send("HEAT", { zone: "projector", targetC: 0 });
    send("HEAT", { zone: "mat", targetC: 0 });
    send("HALT", {});
    send("LIFT", { level: 0 });
    try {
      await confirm;
      return "idle";
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError("idle", opts.signal);
      const down = errors.find((e) => this.isLinkDown(e));
      if (down) throw down;
      this.log.error({ refused: errors.map((e) => e.message), why: (err as Error).message }, "heaters off not confirmed by telemetry: SAFE");
      return this.safe();
    }
  }

  /** The bed left a stop the controller still holds: ESTOP again (and give up if that is not confirmed either). */
  private restop(): void {
    const state = this.latestTelemetry?.state;
    this.log.warn({ state }, "the bed left its emergency stop by itself: stopping it again");
    // A bed booting (or not yet handshaken again) gets the ESTOP at once, before its power-up homing
    // run starts; judging its compliance waits until it is up again (the next reading that isn't estop).
    if (this.latchState.gaveUpOn || this.link.state !== "up" || state === "boot") {
      this.link.estop().catch(() => {
        // Unanswered: the bed's lease (no heartbeats) is what makes it safe now.
      });
      return;
    }
    this.estop().catch((err: unknown) => this.log.error({ err: (err as Error).message }, "the bed did not stop again"));
  }

  /** Staff's release of a safe state (a new start, a resume). An emergency stop needs a technician (releaseLatch). */
  async reset(opts: CommandOptions = {}): Promise<void> {
    await this.link.send("RESET", {}, opts);
  }

  /**
   * Technician: RESET, and once telemetry shows the bed out of its emergency stop the latch is
   * cleared and heartbeats resume. A RESET the bed refuses, or a bed still in estop, keeps the latch.
   */
  async releaseLatch(): Promise<void> {
    const end = this.latchState.beginRelease();
    try {
      await this.link.send("RESET", {});
      await this.waitForTelemetry((t) => t.state !== "estop", this.confirmWindowMs + RELEASE_SETTLE_MS);
      end(true);
    } catch (err) {
      end(false);
      throw err;
    }
  }

  async session(state: "start" | "end"): Promise<void> {
    if (state !== "start" && state !== "end") {
      throw new BedlinkError(ErrorCode.InvalidArgument, `state must be "start" or "end" (got ${JSON.stringify(state)})`, { field: "state", allowed: ["start", "end"] });
    }
    await this.link.send("SESSION", { state });
  }

  async readLog(opts: { clear?: boolean } = {}): Promise<LogReply> {
    const body = opts.clear === undefined ? {} : { clear: opts.clear };
    return this.typedReply("LOG", await this.link.send("LOG", body));
  }

  async info(): Promise<InfoReply> {
    return this.typedReply("INFO", await this.link.send("INFO", {}));
  }

  /** Escape hatch (bootloader transfer): any command type, body checked against its schema, raw reply. */
  async request(type: CommandType, body: unknown): Promise<Record<string, unknown> | undefined> {
    if (type !== "DATA") {
      const schema = CommandBodies[type];
      if (!schema) throw new BedlinkError(ErrorCode.InvalidArgument, `unknown command type ${JSON.stringify(type)}`, { field: "type" });
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new BedlinkError(ErrorCode.InvalidArgument, `${type} body: ${describeIssue(parsed.error)}`, { field: "body", type });
      body = parsed.data;
    }
    if (type === "ESTOP") {
      await this.estop();
      return undefined;
    }
    return this.link.send(type, body);
  }

  /** Resolves with the first telemetry (from now on) for which pred holds; rejects with DeviceNotReady after timeoutMs, or when signal aborts. */
  async waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<Telemetry> {
    if (signal?.aborted) throw abortedError("wait", signal);
    const wait = this.telemetryWaiters.waitFor(pred, timeoutMs);
    const onAbort = (): void => {
      wait.cancel();
      rejectAbort(abortedError("wait", signal!));
    };
    let rejectAbort: (err: Error) => void = () => {};
    const aborted = new Promise<never>((_, reject) => (rejectAbort = reject));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([wait.promise, aborted]);
    } catch (err) {
      if (signal?.aborted) throw abortedError("wait", signal);
      throw new BedlinkError(ErrorCode.DeviceNotReady, `no matching telemetry within ${timeoutMs} ms`, { timeoutMs, cause: (err as Error).message });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  stats(): LinkStats {
    return this.link.stats();
  }

  /** SAFE, confirmed (an emergency stop if not), then close; no reconnect afterwards. */
  async close(): Promise<void> {
    if (this.link.state === "up" && !this.latchState.gaveUpOn) {
      try {
        await this.safe();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "the bed did not confirm SAFE before close; its lease will make it safe");
      }
    }
    this.telemetryWaiters.rejectAll(new BedlinkError(ErrorCode.LinkDown, "driver closed"));
    await this.link.close();
  }

  private async applied(type: "HEAT" | "MOVE" | "HALT" | "LIFT", body: Record<string, unknown>, opts: CommandOptions): Promise<void> {
    // Watch from the moment it is written: a reading that shows it may arrive before the ACK.
    let watch: Promise<Telemetry> | undefined;
    const onSent = (): void => {
      watch = this.waitForTelemetry((t) => showsApplied(type, body, t), this.confirmWindowMs + 5_000, opts.signal);
      watch.catch(() => {});
    };
    await this.link.send(type, body, { signal: opts.signal, onSent });
    try {
      await withDeadline(this.clock, watch!, this.confirmWindowMs);
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError(type, opts.signal);
      throw new BedlinkError(ErrorCode.CommandNotApplied, `the bed acknowledged ${type} ${JSON.stringify(body)} but telemetry does not show it applied`, { type, body, cause: (err as Error).message });
    }
  }

  /** Waits for a reading that shows the order carried out, within the confirmation window. */
  /**
   * Waits for readings that show the order carried out: two in a row with the carriage in the same
   * place (a speed field that says 0 while the position moves is not a stop). When the window
   * closes after one such reading and nothing since contradicted it (a frame lost on the way), that
   * one counts.
   */
  private async confirmed(order: SafetyOrder, signal?: AbortSignal): Promise<void> {
    let previous: Telemetry | undefined;
    let contradicted = false;
    try {
      await this.waitForTelemetry(
        (t) => {
          const ok = complies(order, t, this.identity);
          const still = previous !== undefined && (t.state === "homing" || Math.abs(t.positionMm - previous.positionMm) < STILL_POSITION_MM);
          if (ok && previous !== undefined && !still) contradicted = true;
          previous = ok ? t : undefined;
          return ok && still;
        },
        this.confirmWindowMs,
        signal,
      );
    } catch (err) {
      if (previous === undefined || contradicted || signal?.aborted) throw err;
    }
  }

  private isLinkDown(err: Error): boolean {
    return err instanceof BedlinkError && err.code === ErrorCode.LinkDown;
  }

  private typedReply<T extends "LOG" | "INFO">(type: T, body: unknown): z.infer<(typeof ReplyBodies)[T]> {
    const r = parseReply(type, body);
    if (!r.ok) throw new BedlinkError(ErrorCode.BadReply, `${type} reply is malformed: ${r.error}`, { type, body });
    return r.value;
  }
}

/** The watch must hold within ms of now (the ACK), whatever its own timeout. */
async function withDeadline<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<Clock["setTimeout"]> | undefined;
  const late = new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new Error(`not shown within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clock.clearTimeout(timer);
  }
}
