// The bed as the therapy engine sees it: typed commands checked against the device's own
// limits, a telemetry stream with the latest reading, events, identity, and the link state.
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
import type { TransportFactory } from "../transport/types.ts";
import type { z } from "zod";
import { checkHeat, checkLift, checkMove, checkTelemetryRate } from "./arguments.ts";

export type { LinkState, LinkStats, TransportFactory };
export type LogReply = z.infer<typeof ReplyBodies.LOG>;
export type InfoReply = z.infer<typeof ReplyBodies.INFO>;

/** The driver connects with exactly the link's options (transport, clock, reconnect, seeded randomness, baud). */
export type BedConnectOptions = LinkOptions;

export type BedEvents = {
  telemetry: (t: Telemetry) => void;
  event: (e: EventBody) => void;
  link: (s: LinkState) => void;
  identity: (id: Identity) => void;
};

type TelemetryPredicate = (t: Telemetry) => boolean;

export class BedDriver extends TypedEmitter<BedEvents> {
  private latestTelemetry: Telemetry | undefined;
  private latestTelemetryAtMs: number | undefined;
  private readonly telemetryWaiters: Waitress<Telemetry, TelemetryPredicate>;

  private constructor(
    private readonly link: Link,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    super((event, err) => log.error({ err, event }, "bed listener threw"));
    this.telemetryWaiters = new Waitress<Telemetry, TelemetryPredicate>(clock, (t, pred) => pred(t), () => "matching telemetry");
    link.on("telemetry", (t) => {
      this.latestTelemetry = t;
      this.latestTelemetryAtMs = clock.now();
      this.emit("telemetry", t);
      // Every waiter whose predicate holds gets this reading.
      while (this.telemetryWaiters.resolve(t));
    });
    link.on("event", (e) => this.emit("event", e));
    link.on("state", (s) => this.emit("link", s));
    link.on("identity", (id) => this.emit("identity", id));
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

  async setHeat(zone: Zone, targetC: number): Promise<void> {
    checkHeat(this.identity.limits, zone, targetC);
    await this.link.send("HEAT", { zone, targetC });
  }

  async moveTo(positionMm: number, speedMmS: number): Promise<void> {
    checkMove(this.identity.limits, positionMm, speedMmS);
    await this.link.send("MOVE", { positionMm, speedMmS });
  }

  async halt(): Promise<void> {
    await this.link.send("HALT", {});
  }

  async setLift(level: number): Promise<void> {
    checkLift(this.identity.limits, level);
    await this.link.send("LIFT", { level });
  }

  async home(): Promise<void> {
    await this.link.send("HOME", {});
  }

  async setTelemetryRate(hz: number): Promise<void> {
    checkTelemetryRate(hz);
    await this.link.send("RATE", { hz });
  }

  async safe(): Promise<void> {
    await this.link.send("SAFE", {});
  }

  async reset(): Promise<void> {
    await this.link.send("RESET", {});
  }

  /** Out of band: bypasses the command window, repeated until the device confirms. */
  async estop(): Promise<void> {
    await this.link.estop();
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
      await this.link.estop();
      return undefined;
    }
    return this.link.send(type, body);
  }

  /** Resolves with the first telemetry (from now on) for which pred holds; rejects with DeviceNotReady after timeoutMs. */
  async waitForTelemetry(pred: (t: Telemetry) => boolean, timeoutMs: number): Promise<Telemetry> {
    const wait = this.telemetryWaiters.waitFor(pred, timeoutMs);
    try {
      return await wait.promise;
    } catch (err) {
      throw new BedlinkError(ErrorCode.DeviceNotReady, `no matching telemetry within ${timeoutMs} ms`, { timeoutMs, cause: (err as Error).message });
    }
  }

  stats(): LinkStats {
    return this.link.stats();
  }

  /** Best-effort SAFE (heaters off, carriage stopped), then close; no reconnect afterwards. */
  async close(): Promise<void> {
    if (this.link.state === "up") {
      try {
        await this.link.send("SAFE", {});
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "SAFE before close failed; the lease will make the bed safe");
      }
    }
    this.telemetryWaiters.rejectAll(new BedlinkError(ErrorCode.LinkDown, "driver closed"));
    await this.link.close();
  }

  private typedReply<T extends "LOG" | "INFO">(type: T, body: unknown): z.infer<(typeof ReplyBodies)[T]> {
    const r = parseReply(type, body);
    if (!r.ok) throw new BedlinkError(ErrorCode.BadReply, `${type} reply is malformed: ${r.error}`, { type, body });
    return r.value;
  }
}
