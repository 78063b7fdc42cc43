// Alarms in three priorities (IEC 60601-1-8 style): the live list and acknowledgement.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { BedlinkError, ErrorCode } from "../../errors.ts";
import { staffOf, type RouteGroupOptions } from "../context.ts";
import { AlarmBody, AlarmIdParams, ErrorBody } from "../schemas.ts";

export const alarmRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.get("/api/alarms", {
    config: { access: "staff" },
    schema: {
      tags: ["alarms"],
      summary: "Unacknowledged alarms (high first) and the 50 most recent",
      response: { 200: z.object({ active: z.array(AlarmBody), recent: z.array(AlarmBody) }) },
    },
    handler: async () => ({ active: [...ctx.panel.alarms.active], recent: ctx.store.alarms.recent(50) }),
  });

  app.post("/api/alarms/:id/ack", {
    config: { access: "staff" },
    schema: { tags: ["alarms"], summary: "Acknowledge an alarm", params: AlarmIdParams, response: { 200: AlarmBody, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request, reply) => {
      const who = staffOf(request, ctx);
      const r = ctx.panel.alarms.acknowledge(request.params.id, who.name);
      if (r === undefined) return reply.code(404).send({ statusCode: 404, code: "NOT_FOUND", field: "id", message: `id: no alarm ${request.params.id}` });
      if (r === "already") throw new BedlinkError(ErrorCode.NotAllowedInState, `Alarm ${request.params.id} was already acknowledged.`, { state: "acknowledged" });
      ctx.store.audit.record(who.actor, "alarm.ack", { alarmId: r.id, code: r.code }, who.remote);
      return r;
    },
  });
};
