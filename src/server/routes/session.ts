// Running a program: start (with the pre-start confirmations), pause, resume, stop, abort, and the
// emergency stop, which works in every state and never needs a login.
import type { FastifyPluginAsyncZod, ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteGroupOptions } from "../context.ts";
import { staffOf } from "../context.ts";
import type { SessionCommand } from "../panel.ts";
import { ErrorBody, SessionViewBody, StartBody } from "../schemas.ts";
import { DEVICE_SAFETY_CODES } from "../../device/orders.ts";
import { ErrorCode, isBedlinkError } from "../../errors.ts";

const COMMANDS: { cmd: SessionCommand; summary: string }[] = [
  { cmd: "pause", summary: "Pause the running program (heaters idle, carriage stopped)" },
  { cmd: "resume", summary: "Resume a paused program, or continue after the link came back" },
  { cmd: "stop", summary: "Stop the session: heaters off, carriage parked" },
  { cmd: "abort", summary: "End the session instead of resuming after the link came back" },
];

export const sessionRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.get("/api/session", {
    config: { access: "staff" },
    schema: {
      tags: ["session"],
      summary: "The session in progress (null when none) and how the last one ended",
      response: { 200: z.object({ session: SessionViewBody.nullable(), lastSession: z.looseObject({ id: z.string(), outcome: z.string() }).nullable() }) },
    },
    handler: async () => ({ session: ctx.panel.sessionView() ?? null, lastSession: ctx.panel.lastSession() ?? null }),
  });

  app.post("/api/session/start", {
    config: { access: "staff" },
    schema: {
      tags: ["session"],
      summary: "Start a program after the operator confirmed the cover and the screening questions",
      body: StartBody,
      response: { 201: SessionViewBody, 400: ErrorBody, 409: ErrorBody },
    },
    handler: async (request, reply) => {
      const view = await ctx.panel.start(request.body, staffOf(request, ctx));
      return reply.code(201).send(view);
    },
  });

  for (const { cmd, summary } of COMMANDS) {
    app.post(`/api/session/${cmd}`, {
      config: { access: "staff" },
      schema: { tags: ["session"], summary, response: { 200: SessionViewBody, 409: ErrorBody } },
      handler: async (request) => ctx.panel.command(cmd, staffOf(request, ctx)),
    });
  }

  // The stop button works whatever the request carries: the stop is ordered as the request
  // arrives (onRequest, before any body is read or limited), and the body is drained unread, so
  // no content type, size or malformed body can stand between the button and the bed.
  await app.register(async (scope) => {
    const pending = new WeakMap<object, Promise<Error | undefined>>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => {
      payload.resume();
      done(null, undefined);
    });
    scope.addHook("onRequest", async (request) => {
      // Nothing about the caller may stand between the button and the bed.
      let who;
      try {
        who = staffOf(request, ctx);
      } catch {
        who = { actor: "staff" as const, name: "staff", remote: request.ip };
      }
      pending.set(request.raw, ctx.panel.estop(who).then(() => undefined, (err: unknown) => err as Error));
    });
    scope.withTypeProvider<ZodTypeProvider>().post("/api/estop", {
      config: { access: "staff" },
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ["session"],
        summary: "Emergency stop: heaters off, carriage stopped, latched until a technician releases it. Answers once the bed's telemetry confirmed it",
        response: { 200: z.object({ stopped: z.literal(true), message: z.string() }), 502: ErrorBody },
      },
      handler: async (request, reply) => {
        const err = await pending.get(request.raw);
        if (err) {
          request.log.error({ err }, "emergency stop not confirmed by the bed");
          const linkDown = isBedlinkError(err, ErrorCode.LinkDown);
          return reply.code(502).send({
            statusCode: 502,
            code: "ESTOP_UNCONFIRMED",
            message: linkDown
              ? `The bed is not answering, so the emergency stop could not be confirmed. It goes safe on its own within a second of losing the controller. If it does not stop: ${HELP_OFF_THE_BED_LOWER}`
              : DEVICE_SAFETY_CODES.S_BED_NOT_STOPPED.text,
          });
        }
        return { stopped: true as const, message: "Emergency stop confirmed by the bed: heaters off, carriage stopped." };
      },
    });
  });
};

const HELP_OFF_THE_BED_LOWER = "help the person off the bed and switch it off at the mains switch.";
