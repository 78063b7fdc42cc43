// Technician jobs (self-test, firmware update) own the bed while they run: one at a time, never
// alongside a therapy session. Also the technician's live stream, where their progress is pushed.
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { PanelContext } from "./context.ts";
import type { Panel } from "./panel.ts";

export type TechJob = "diagnostics" | "firmware";
const JOB_WORDS: Record<TechJob, string> = { diagnostics: "the self-test is running", firmware: "a firmware update is running" };

/** Progress is pushed at most 5 times a second: a bar a person watches, not telemetry. */
export const TECH_PUSH_MS = 200;
/** EventSource reconnect delay the page is told to use. */
const RETRY_MS = 1000;

const busy = (message: string, state: string): BedlinkError => new BedlinkError(ErrorCode.NotAllowedInState, message, { state });

export class TechWork {
  private job: TechJob | undefined;
  /** Session starts being handled right now (they await the bed before the session exists). */
  private readonly starting = new Set<FastifyRequest>();
  private readonly subscribers = new Set<ServerResponse>();
  private readonly sources = new Map<string, () => unknown>();
  private readonly dirty = new Set<string>();
  private flushTimer: TimerHandle | undefined;

  constructor(
    private readonly panel: Panel,
    private readonly serverClock: Clock,
  ) {}

  get running(): TechJob | undefined {
    return this.job;
  }

  /** Takes the bed for `job`, or throws 409 naming what is in the way. Returns the release. */
  claim(job: TechJob): () => void {
    if (this.job) throw busy(`Cannot start ${job === "diagnostics" ? "the self-test" : "a firmware update"}: ${JOB_WORDS[this.job]}.`, this.job);
    const session = this.panel.sessionView();
    if (session || this.starting.size > 0) {
      const what = session ? `${session.programName} is ${session.stateText.toLowerCase()}` : "a session is being started";
      throw busy(`Cannot start ${job === "diagnostics" ? "the self-test" : "a firmware update"} during a therapy session (${what}); stop it first.`, session?.state ?? "starting");
    }
    if (this.panel.bed.linkState !== "up") throw busy("The bed is not connected. Check the cable and the bed's power, then try again.", `link ${this.panel.bed.linkState}`);
    this.job = job;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.job = undefined;
    };
  }

  /** Root onRequest hook: a session may not start while a technician job has the bed. */
  readonly guardSessionStart = async (request: FastifyRequest): Promise<void> => {
    if (request.method !== "POST" || request.routeOptions.url !== "/api/session/start") return;
    if (this.job) throw busy(`Cannot start a program: ${JOB_WORDS[this.job]} from the technician page. Wait for it to finish.`, this.job);
    this.starting.add(request);
  };

  /** Root onResponse / onRequestAbort hook: the start request is over, one way or the other. */
  readonly sessionStartDone = async (request: FastifyRequest): Promise<void> => {
    this.starting.delete(request);
  };

  // ---- the technician's live stream ----

  /** A named state pushed as an SSE event of that name (on connect and whenever `changed(name)`). */
  publish(name: string, view: () => unknown): void {
    this.sources.set(name, view);
  }

  changed(name: string, now = false): void {
    this.dirty.add(name);
    if (now) {
      this.serverClock.clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.flush();
    } else this.flushTimer ??= this.serverClock.setTimeout(() => this.flush(), TECH_PUSH_MS);
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
    let frame = `retry: ${RETRY_MS}\n\n`;
    for (const [name, view] of this.sources) frame += `event: ${name}\ndata: ${JSON.stringify(view())}\n\n`;
    res.write(frame);
    this.subscribers.add(res);
    res.on("close", () => this.subscribers.delete(res));
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.serverClock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  private flush(): void {
    this.flushTimer = undefined;
    let frame = "";
    for (const name of this.dirty) frame += `event: ${name}\ndata: ${JSON.stringify(this.sources.get(name)?.())}\n\n`;
    this.dirty.clear();
    if (!frame) return;
    for (const res of this.subscribers) {
      try {
        res.write(frame);
      } catch {
        this.subscribers.delete(res);
      }
    }
  }
}

export interface TechJobRouteOptions {
  ctx: PanelContext;
  work: TechWork;
  /** The bed's clock: the jobs run on it. */
  clock: Clock;
}

/** GET /api/tech/live: the technician's progress stream (the login cookie authenticates an EventSource). */
export const techLiveRoutes: FastifyPluginAsync<TechJobRouteOptions> = async (app, { ctx, work }) => {
  app.addHook("onRequest", ctx.auth.require);
  app.addHook("preClose", async () => work.close());
  app.get("/api/tech/live", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Server-sent events: `diag` and `firmware` progress, current state on connect" },
    handler: async (_request, reply) => {
      reply.hijack();
      work.subscribe(reply.raw);
    },
  });
};
