// Session history: who started what, when, for how long, the outcome and the faults.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteGroupOptions } from "../context.ts";
import { ErrorBody, HistoryQuery, SessionIdParams, SessionRecordBody } from "../schemas.ts";

export const historyRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.get("/api/sessions", {
    config: { access: "staff" },
    schema: {
      tags: ["history"],
      summary: "Past and current sessions, newest first (page with ?before=startedAt)",
      querystring: HistoryQuery,
      response: { 200: z.object({ sessions: z.array(SessionRecordBody) }) },
    },
    handler: async (request) => ({ sessions: ctx.store.sessions.list({ limit: request.query.limit, before: request.query.before }) }),
  });

  app.get("/api/sessions/:id", {
    config: { access: "staff" },
    schema: { tags: ["history"], summary: "One session", params: SessionIdParams, response: { 200: SessionRecordBody, 404: ErrorBody } },
    handler: async (request, reply) => {
      const s = ctx.store.sessions.get(request.params.id);
      if (!s) return reply.code(404).send({ statusCode: 404, code: "NOT_FOUND", field: "id", message: `id: no session ${request.params.id}` });
      return s;
    },
  });
};
