// The program library and the runner's-day suggestion.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { describeCoolDown, describeDuration, describeStep } from "../../therapy/programs/describe.ts";
import type { ProgramDefinition } from "../../therapy/programs/schema.ts";
import { suggestProgram, WEEKLY_SCHEDULE } from "../../therapy/programs/suggest.ts";
import { BedlinkError, ErrorCode } from "../../errors.ts";
import type { RouteGroupOptions } from "../context.ts";
import { SuggestionQuery } from "../schemas.ts";

const ProgramSummary = z.object({
  id: z.string(),
  name: z.string(),
  family: z.string(),
  technique: z.string(),
  description: z.string(),
  requiresRoller: z.boolean(),
  maxWeightKg: z.number().optional(),
  durationMs: z.number(),
  durationText: z.string(),
  maxProjectorC: z.number(),
  maxMatC: z.number(),
  maxLift: z.number(),
  steps: z.array(z.object({ label: z.string(), durationMs: z.number(), text: z.string() })),
  coolDown: z.string(),
  planDays: z.array(z.string()),
});

function summary(p: ProgramDefinition): z.infer<typeof ProgramSummary> {
  const durationMs = p.steps.reduce((a, s) => a + s.durationMs, 0) + p.coolDown.durationMs;
  return {
    id: p.id,
    name: p.name,
    family: p.family,
    technique: p.technique,
    description: p.description,
    requiresRoller: p.requiresRoller,
    maxWeightKg: p.maxWeightKg,
    durationMs,
    durationText: describeDuration(Math.round(durationMs / 60_000) * 60_000),
    maxProjectorC: Math.max(...p.steps.map((s) => s.heat.projectorC)),
    maxMatC: Math.max(...p.steps.map((s) => s.heat.matC)),
    maxLift: Math.max(...p.steps.map((s) => s.lift)),
    steps: p.steps.map((s) => ({ label: s.label, durationMs: s.durationMs, text: describeStep(s) })),
    coolDown: describeCoolDown(p),
    planDays: Object.entries(WEEKLY_SCHEDULE)
      .filter(([, v]) => v.programId === p.id)
      .map(([d]) => d),
  };
}

export const programRoutes: FastifyPluginAsyncZod<RouteGroupOptions> = async (app, { ctx }) => {
  app.get("/api/programs", {
    config: { access: "staff" },
    schema: { tags: ["programs"], summary: "The built-in programs, in display order", response: { 200: z.object({ programs: z.array(ProgramSummary) }) } },
    handler: async () => ({ programs: ctx.panel.programs().map(summary) }),
  });

  app.get("/api/programs/suggestion", {
    config: { access: "staff" },
    schema: {
      tags: ["programs"],
      summary: "The suggested program for the runner's day (activity or weekday), with the overrides (acute swelling, weight)",
      querystring: SuggestionQuery,
      response: {
        200: z.object({ programId: z.string().nullable(), reason: z.string(), rule: z.string(), alternatives: z.array(z.string()), program: ProgramSummary.nullable() }),
      },
    },
    handler: async (request) => {
      const q = request.query;
      if (!q.day && !q.activity) throw new BedlinkError(ErrorCode.InvalidArgument, "day or activity: give one (e.g. ?day=monday or ?activity=long-run)", { field: "day" });
      const s = suggestProgram({ day: q.day, activity: q.activity, weightKg: q.weightKg, hoursSinceRun: q.hoursSinceRun, acuteSwelling: q.acuteSwelling === "true" });
      const program = s.programId ? ctx.panel.programs().find((p) => p.id === s.programId) : undefined;
      return { ...s, program: program ? summary(program) : null };
    },
  });
};
