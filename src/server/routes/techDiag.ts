// The self-test from the technician page: started in the background (never during a session or a
// flash), progress per check pushed on the technician stream, the last report kept for reading as HTML.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CHECK_IDS, CHECK_TITLES, renderHtmlReport, runDiagnostics, type CheckId, type CheckStatus, type DiagProgress, type DiagReport, type Measurement } from "../../diag/index.ts";
import { BedlinkError, ErrorCode } from "../../errors.ts";
import type { Clock } from "../../../protocols/clock.ts";
import type { Logger } from "../../log.ts";
import { systemWallClock, type PanelStore } from "../../store/index.ts";
import type { BedDriver } from "../../device/bed.ts";
import { staffOf } from "../context.ts";
import { ErrorBody } from "../schemas.ts";
import type { TechJobRouteOptions, TechWork } from "../techWork.ts";

/** On shutdown, how long (bed time) an aborted run gets to switch heaters off and park before the bed is closed (SAFE). */
const SHUTDOWN_WAIT_MS = 3000;
/** The report is served from our origin: it may style itself and draw inline SVG, nothing else. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

export type DiagRowStatus = "pending" | "running" | CheckStatus;

export type DiagRow = { id: CheckId; title: string; status: DiagRowStatus; message: string; step?: string; fraction?: number; measurements: Measurement[] };

export type DiagView = {
  state: "idle" | "running" | "aborting" | "finished" | "failed";
  runId?: string;
  clearLog?: boolean;
  /** The whole run, 0–1. */
  fraction: number;
  checks: DiagRow[];
  result?: { overall: "pass" | "fail"; aborted: boolean; linkLost: boolean; durationMs: number; logCleared: boolean; endState?: DiagReport["endState"]; reportUrl: string };
  error?: string;
};

const pendingRows = (): DiagRow[] => CHECK_IDS.map((id) => ({ id, title: CHECK_TITLES[id], status: "pending", message: "", measurements: [] }));

interface Who {
  remote?: string;
}

export class DiagJob {
  private view: DiagView = { state: "idle", fraction: 0, checks: pendingRows() };
  private report: DiagReport | undefined;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly deps: { bed: BedDriver; clock: Clock; store: PanelStore; work: TechWork; logger: Logger },
  ) {
    deps.work.publish("diag", () => this.view);
    // The last report survives a restart: a technician may send it after the service visit.
    try {
      this.report = JSON.parse(readFileSync(this.reportPath, "utf8")) as DiagReport;
    } catch {
      this.report = undefined; // none yet, or unreadable: the next run writes a fresh one
    }
  }

  private get reportPath(): string {
    return join(this.deps.store.dataDir, "diag", "last-report.json");
  }

  private keep(report: DiagReport): void {
    try {
      mkdirSync(dirname(this.reportPath), { recursive: true, mode: 0o700 });
      writeFileSync(this.reportPath, JSON.stringify(report));
    } catch (err) {
      this.deps.logger.warn({ err }, "could not save the self-test report; it stays available until the server restarts");
    }
  }

  get state(): DiagView {
    return this.view;
  }

  get lastReport(): DiagReport | undefined {
    return this.report;
  }

  start(clearLog: boolean, who: Who): DiagView {
    const { work, store, bed, clock, logger } = this.deps;
    const release = work.claim("diagnostics");
    const runId = randomUUID();
    const controller = new AbortController();
    this.controller = controller;
    this.view = { state: "running", runId, clearLog, fraction: 0, checks: pendingRows() };
    store.audit.record("technician", "diag.start", { runId, clearLog, serial: bed.identity.serial }, who.remote);
    const log = logger.child({ runId, serial: bed.identity.serial });
    log.info({ clearLog }, "self-test started from the technician page");
    this.running = runDiagnostics(bed, { clock, clearLog, signal: controller.signal, logger: log, wallTime: () => new Date(systemWallClock()), onProgress: (p) => this.onProgress(p) })
      .then(
        (report) => {
          this.report = report;
          this.keep(report);
          const aborted = controller.signal.aborted;
          this.view = {
            ...this.view,
            state: "finished",
            fraction: 1,
            checks: this.view.checks.map((row) => rowOf(report, row)),
            result: { overall: report.overall, aborted, linkLost: report.linkLost, durationMs: report.durationMs, logCleared: report.logCleared, endState: report.endState, reportUrl: "/api/tech/diag/report.html" },
          };
          const failed = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.status}`);
          if (!this.closed) store.audit.record("technician", "diag.finish", { runId, overall: report.overall, aborted, linkLost: report.linkLost, failed, durationMs: Math.round(report.durationMs) }, who.remote);
          log.info({ overall: report.overall, failed }, "self-test finished");
        },
        (err: Error) => {
          // runDiagnostics turns check failures into results; a throw here is a bug or a closed bed.
          this.view = { ...this.view, state: "failed", error: `The self-test stopped: ${err.message}` };
          if (!this.closed) store.audit.record("technician", "diag.failed", { runId, error: err.message }, who.remote);
          log.error({ err }, "self-test failed");
        },
      )
      .finally(() => {
        release();
        this.controller = undefined;
        if (!this.closed) work.changed("diag", true);
      });
    work.changed("diag", true);
    return this.view;
  }

  abort(who: Who): DiagView {
    if (!this.controller || this.view.state !== "running") throw new BedlinkError(ErrorCode.NotAllowedInState, "No self-test is running.", { state: this.view.state });
    this.deps.store.audit.record("technician", "diag.abort", { runId: this.view.runId }, who.remote);
    this.controller.abort();
    this.view = { ...this.view, state: "aborting" };
    this.deps.work.changed("diag", true);
    return this.view;
  }

  /** Server shutdown: stop the run and give it a moment to leave the bed idle; the bed is closed (SAFE) after. */
  async close(): Promise<void> {
    if (!this.running || !this.controller) return;
    this.deps.store.audit.record("system", "diag.interrupted", { runId: this.view.runId, reason: "server shutdown" });
    this.closed = true;
    this.controller.abort();
    const { clock } = this.deps;
    let timer;
    await Promise.race([this.running, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clock.clearTimeout(timer);
  }

  private onProgress(p: DiagProgress): void {
    const rows = this.view.checks;
    if (p.kind === "check-start") {
      for (const row of rows) if (p.ids.includes(row.id)) Object.assign(row, { status: "running", step: undefined, fraction: undefined });
    } else if (p.kind === "check-step") {
      const row = rows.find((r) => r.id === p.id);
      if (row) Object.assign(row, { step: p.text, fraction: p.fraction });
    } else {
      const i = rows.findIndex((r) => r.id === p.result.id);
      if (i >= 0) rows[i] = { id: p.result.id, title: p.result.title, status: p.result.status, message: p.result.message, measurements: p.result.measurements };
    }
    const done = rows.filter((r) => r.status !== "pending" && r.status !== "running").length;
    const partial = rows.reduce((sum, r) => sum + (r.status === "running" ? (r.fraction ?? 0) : 0), 0);
    this.view.fraction = Math.min(1, (done + partial) / rows.length);
    this.deps.work.changed("diag");
  }
}

/** The report's verdict for a row; checks not run (aborted, link lost) are in the report as skipped. */
function rowOf(report: DiagReport, row: DiagRow): DiagRow {
  const c = report.checks.find((x) => x.id === row.id);
  return c ? { id: c.id, title: c.title, status: c.status, message: c.message, measurements: c.measurements } : { ...row, status: "skipped", message: row.message || "not run" };
}

const DiagViewBody = z.looseObject({ state: z.enum(["idle", "running", "aborting", "finished", "failed"]), fraction: z.number(), checks: z.array(z.looseObject({ id: z.string(), status: z.string() })) });

export const techDiagRoutes: FastifyPluginAsyncZod<TechJobRouteOptions> = async (app, { ctx, work, clock }) => {
  app.addHook("onRequest", ctx.auth.require);
  const job = new DiagJob({ bed: ctx.panel.bed, clock, store: ctx.store, work, logger: app.log as unknown as Logger });
  app.addHook("preClose", async () => job.close());

  app.post("/api/tech/diag", {
    config: { access: "technician" },
    schema: {
      tags: ["technician"],
      summary: "Start the self-test in the background (refused during a session or a firmware update); progress on /api/tech/live",
      body: z.strictObject({ clearLog: z.boolean({ error: "must be true or false" }).optional() }).optional(),
      response: { 202: DiagViewBody, 400: ErrorBody, 409: ErrorBody },
    },
    handler: async (request, reply) => reply.code(202).send(job.start(request.body?.clearLog === true, staffOf(request, ctx))),
  });

  app.get("/api/tech/diag", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "The self-test's state: each check's status and measurements, progress, the last result", response: { 200: DiagViewBody } },
    handler: async () => job.state,
  });

  app.post("/api/tech/diag/abort", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Stop the running self-test; the bed is still left idle, cold and parked", response: { 200: DiagViewBody, 409: ErrorBody } },
    handler: async (request) => job.abort(staffOf(request, ctx)),
  });

  app.get("/api/tech/diag/report.html", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "The last self-test report as one self-contained HTML page (verdicts, curves, measurements, device log); 404 before the first run" },
    handler: async (_request, reply) => {
      const report = job.lastReport;
      if (!report) return reply.code(404).send({ statusCode: 404, code: "NO_REPORT", message: "No self-test report yet: run the self-test first." });
      return reply.type("text/html; charset=utf-8").header("content-security-policy", REPORT_CSP).header("cache-control", "no-store").send(renderHtmlReport(report));
    },
  });
};
