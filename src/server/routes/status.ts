// Bed status and identity, the screening questions, and the live push (server-sent events).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteGroupOptions } from "../context.ts";
import { SCREENING_QUESTIONS } from "../screening.ts";
import { StatusBody } from "../schemas.ts";
import { statusView } from "../statusView.ts";

export const statusRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.get("/api/status", {
    config: { access: "staff" },
    schema: { tags: ["bed"], summary: "Bed link, identity, latest telemetry, the session and the last session's outcome", response: { 200: StatusBody } },
    handler: async () => statusView(ctx.panel),
  });

  app.get("/api/screening", {
    config: { access: "staff" },
    schema: {
      tags: ["session"],
      summary: "The screening questions the operator asks before every program (a yes to any means no session)",
      response: { 200: z.object({ cover: z.string(), questions: z.array(z.object({ key: z.string(), text: z.string() })) }) },
    },
    handler: async () => ({ cover: "A cover or towel is on the bed", questions: SCREENING_QUESTIONS.map((q) => ({ ...q })) }),
  });

  app.get("/api/live", {
    config: { access: "staff" },
    schema: { tags: ["bed"], summary: "Server-sent events: `snapshot` on connect, then `tick` (status) at 10 Hz and `alarms` when they change" },
    handler: async (request, reply) => {
      reply.hijack();
      ctx.live.subscribe(reply.raw);
      request.log.debug({ subscribers: ctx.live.size }, "live subscriber connected");
    },
  });
};
