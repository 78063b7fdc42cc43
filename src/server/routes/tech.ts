// Technician routes: the login (open), and the group behind it: device log, link statistics, device
// counters, reset of a latched stop, the audit log. Diagnostics and firmware routes join this group.
import type { TechWork } from "../techWork.ts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { BedlinkError, ErrorCode } from "../../errors.ts";
import { TECH_COOKIE, TECH_SESSION_MS, tokenOf } from "../auth.ts";
import type { RouteGroupOptions } from "../context.ts";
import { ErrorBody, LoginBody } from "../schemas.ts";

export const techLoginRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.post("/api/tech/login", {
    config: { access: "public" },
    schema: {
      tags: ["technician"],
      summary: "Technician login with the secret printed at first start (or by `bedlink tech rotate-secret`); rate-limited",
      body: LoginBody,
      response: { 200: z.object({ token: z.string(), expiresAt: z.number() }), 401: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const r = await ctx.auth.login(request.body.secret, request.ip);
      ctx.store.audit.record("technician", r.ok ? "tech.login" : `tech.login.${r.reason}`, {}, request.ip);
      if (!r.ok && r.reason === "rate-limited") {
        return reply.code(429).header("retry-after", String(r.retryAfterS)).send({ statusCode: 429, code: "RATE_LIMITED", message: `Too many wrong attempts: try again in ${r.retryAfterS} s.` });
      }
      if (!r.ok) return reply.code(401).send({ statusCode: 401, code: "WRONG_SECRET", field: "secret", message: "secret: not the technician secret." });
      reply.header("set-cookie", `${TECH_COOKIE}=${encodeURIComponent(r.token)}; Path=/api/tech; HttpOnly; SameSite=Strict; Max-Age=${TECH_SESSION_MS / 1000}`);
      return { token: r.token, expiresAt: r.expiresAt };
    },
  });
};

export const techRoutes: FastifyPluginAsyncZod<RouteGroupOptions & { work?: TechWork }> = async (app, { ctx, work }) => {
  app.addHook("onRequest", ctx.auth.require);
  const bed = ctx.panel.bed;

  app.post("/api/tech/logout", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "End this technician session", response: { 200: z.object({ ok: z.literal(true) }) } },
    handler: async (request, reply) => {
      const token = tokenOf(request);
      if (token) ctx.auth.logout(token);
      ctx.store.audit.record("technician", "tech.logout", {}, request.ip);
      reply.header("set-cookie", `${TECH_COOKIE}=; Path=/api/tech; HttpOnly; SameSite=Strict; Max-Age=0`);
      return { ok: true as const };
    },
  });

  app.get("/api/tech/device-log", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "The bed's own error log (firmware)", response: { 200: z.looseObject({ entries: z.array(z.looseObject({ atMs: z.number(), code: z.string() })), dropped: z.number() }) } },
    handler: async () => bed.readLog(),
  });

  app.post("/api/tech/device-log/clear", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Read and clear the bed's error log", response: { 200: z.looseObject({ entries: z.array(z.looseObject({ atMs: z.number(), code: z.string() })), dropped: z.number() }) } },
    handler: async (request) => {
      const log = await bed.readLog({ clear: true });
      ctx.store.audit.record("technician", "device.log.clear", { entries: log.entries.length }, request.ip);
      return log;
    },
  });

  app.get("/api/tech/link-stats", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Link counters: frames, CRC errors, retries, round-trip times" },
    handler: async () => bed.stats(),
  });

  app.get("/api/tech/device-info", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Identity, limits table and usage counters (heater hours, carriage cycles)" },
    handler: async () => ({ identity: bed.identity, info: await bed.info() }),
  });

  app.post("/api/tech/reset", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "Release a latched emergency stop, a bed the controller gave up on, or a safe state (no session may be running)", response: { 200: z.object({ ok: z.literal(true) }), 409: ErrorBody } },
    handler: async (request) => {
      const s = ctx.panel.sessionView();
      if (s) throw new BedlinkError(ErrorCode.NotAllowedInState, `Cannot reset the bed during a session (${s.stateText.toLowerCase()}); stop it first.`, { state: s.state });
      // The self-test and a firmware update own the bed while they run: a reset would undo their safe state.
      const job = work?.running;
      if (job) throw new BedlinkError(ErrorCode.NotAllowedInState, `Cannot reset the bed while ${job === "diagnostics" ? "the self-test" : "a firmware update"} is running; wait for it or stop it first.`, { state: job });
      await ctx.panel.release({ actor: "technician", name: "technician", remote: request.ip });
      return { ok: true as const };
    },
  });

  app.get("/api/tech/audit", {
    config: { access: "technician" },
    schema: {
      tags: ["technician"],
      summary: "The audit log of operator and technician actions, newest first",
      querystring: z.strictObject({ limit: z.coerce.number({ error: "must be a whole number 1–500" }).int("must be a whole number").min(1, "must be 1–500").max(500, "must be 1–500").default(100) }),
    },
    handler: async (request) => ({ entries: ctx.store.audit.recent(request.query.limit) }),
  });
};
