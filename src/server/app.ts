// Builds the panel server: fastify with zod schemas, the OpenAPI document, the route groups as
// plugins (technician group behind its login hook), the live push, and onClose releasing the bed.
import fastifySwagger from "@fastify/swagger";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Clock } from "../../protocols/clock.ts";
import type { SimulatedBed } from "../../simulator/index.ts";
import type { BedDriver } from "../device/bed.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { PanelStore } from "../store/index.ts";
import { TechnicianAuth } from "./auth.ts";
import type { Access, PanelContext } from "./context.ts";
import { notFoundHandler, panelErrorHandler } from "./errors.ts";
import { sameOriginGuard } from "./origin.ts";
import { LiveHub } from "./live.ts";
import { Panel } from "./panel.ts";
import { alarmRoutes } from "./routes/alarms.ts";
import { historyRoutes } from "./routes/history.ts";
import { pageRoutes } from "./routes/page.ts";
import { programRoutes } from "./routes/programs.ts";
import { sessionRoutes } from "./routes/session.ts";
import { statusRoutes } from "./routes/status.ts";
import { techLoginRoutes, techRoutes } from "./routes/tech.ts";
import { techDiagRoutes } from "./routes/techDiag.ts";
import { techFirmwareRoutes } from "./routes/techFirmware.ts";
import { techLiveRoutes, TechWork } from "./techWork.ts";

/** Housekeeping (session row refresh) once a second of server time. */
const HOUSEKEEPING_MS = 1000;
/** Requests to the panel are small; anything bigger is not ours. */
const BODY_LIMIT_BYTES = 16 * 1024;

export interface BuildAppOptions {
  bed: BedDriver;
  /** The built-in simulator behind `bed`, when there is one (closed with the app). */
  sim?: SimulatedBed;
  /** The bed's clock: the therapy session runs on it. */
  clock: Clock;
  /** Live push, housekeeping and login rate limits (default: the bed's clock). */
  serverClock?: Clock;
  store: PanelStore;
  logger?: Logger;
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route as registered, with its declared access level (the auth sweep walks this). */
    panelRoutes: RouteEntry[];
    panel: PanelContext;
  }
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const logger = opts.logger ?? silentLogger();
  const serverClock = opts.serverClock ?? opts.clock;
  const app = Fastify({ loggerInstance: logger.child({ ns: "bedlink:server" }), bodyLimit: BODY_LIMIT_BYTES, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(panelErrorHandler);
  app.setNotFoundHandler(notFoundHandler);

  const routes: RouteEntry[] = [];
  app.decorate("panelRoutes", routes);
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) if (method !== "HEAD") routes.push({ method, url: r.url, access: r.config?.access });
  });

  const panel = new Panel({ bed: opts.bed, clock: opts.clock, store: opts.store, logger });
  const live = new LiveHub(panel, serverClock, logger);
  const ctx: PanelContext = { panel, live, auth: new TechnicianAuth(opts.store, serverClock), store: opts.store, sim: opts.sim };
  app.decorate("panel", ctx);
  app.addHook("onRequest", sameOriginGuard);
  // Self-test and firmware update own the bed while they run: no session may start meanwhile.
  const work = new TechWork(panel, serverClock);
  app.addHook("onRequest", work.guardSessionStart);
  app.addHook("onResponse", work.sessionStartDone);
  app.addHook("onRequestAbort", work.sessionStartDone);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "bedlink panel API", version: "0.1.0", description: "Showroom panel for a thermal massage bed: status, programs, sessions, alarms, history; technician routes behind a login." },
      components: { securitySchemes: { technician: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
  });
  app.get("/api/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => app.swagger());

  await app.register(pageRoutes);
  await app.register(statusRoutes, { ctx });
  await app.register(programRoutes, { ctx });
  await app.register(sessionRoutes, { ctx });
  await app.register(alarmRoutes, { ctx });
  await app.register(historyRoutes, { ctx });
  await app.register(techLoginRoutes, { ctx });
  await app.register(techRoutes, { ctx, work });
  await app.register(techDiagRoutes, { ctx, work, clock: opts.clock });
  await app.register(techFirmwareRoutes, { ctx, work, clock: opts.clock });
  await app.register(techLiveRoutes, { ctx, work, clock: opts.clock });

  const housekeeping = serverClock.setInterval(() => {
    panel.housekeeping();
    // History writes queued while the disk was full or the database locked are retried here.
    opts.store.retry();
  }, HOUSEKEEPING_MS);
  // preClose, not onClose: fastify waits for open connections before onClose, and a kiosk page
  // always holds its live stream open. The bed goes safe first, then the streams end.
  app.addHook("preClose", async () => {
    serverClock.clearInterval(housekeeping);
    // The session row is written as stopped first; then the bed is told SAFE and released.
    panel.shutdown();
    panel.alarms.detach();
    live.close();
    await opts.bed.close();
    opts.sim?.stop();
  });
  // Callers (serve, tests) need only the plain instance: inject, listen, close.
  return app as unknown as FastifyInstance;
}
