// Request and response shapes of the panel's REST API (zod; the OpenAPI document is built from them).
// Every message names the allowed values, so a 400 tells the caller how to fix the request.
import { z } from "zod";
import { ACTIVITIES, WEEKDAYS } from "../therapy/programs/suggest.ts";
import { SCREENING_QUESTIONS } from "./screening.ts";

const yesNo = (text: string) => z.boolean({ error: `must be true (yes) or false (no): "${text}"` });

export const ScreeningBody = z.strictObject(
  Object.fromEntries(SCREENING_QUESTIONS.map((q) => [q.key, yesNo(q.text)])) as Record<(typeof SCREENING_QUESTIONS)[number]["key"], z.ZodBoolean>,
  { error: `must answer each screening question: ${SCREENING_QUESTIONS.map((q) => q.key).join(", ")}` },
);

export const StartBody = z.strictObject({
  programId: z.string({ error: "must be a program id (see GET /api/programs)" }).min(1, "must be a program id (see GET /api/programs)").max(64, "must be at most 64 characters"),
  confirmations: z.strictObject(
    {
      cover: z.literal(true, { error: "must be true: put a cover or towel on the bed first" }),
      screening: ScreeningBody,
    },
    { error: "must be { cover: true, screening: { … } }: confirm the cover and the screening questions before starting" },
  ),
});

export const SuggestionQuery = z.strictObject({
  day: z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }).optional(),
  activity: z.enum(ACTIVITIES, { error: `must be one of ${ACTIVITIES.join(", ")}` }).optional(),
  weightKg: z.coerce.number({ error: "must be a number of kg, 25–250" }).min(25, "must be 25–250 kg").max(250, "must be 25–250 kg").optional(),
  hoursSinceRun: z.coerce.number({ error: "must be a number of hours, 0–72" }).min(0, "must be 0–72 h").max(72, "must be 0–72 h").optional(),
  acuteSwelling: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
});

export const HistoryQuery = z.strictObject({
  limit: z.coerce.number({ error: "must be a whole number 1–200" }).int("must be a whole number 1–200").min(1, "must be 1–200").max(200, "must be 1–200").default(50),
  before: z.coerce.number({ error: "must be a time in ms since 1970" }).int("must be a whole number of ms").min(0, "must be >= 0").optional(),
});

export const SessionIdParams = z.strictObject({
  id: z.uuid({ error: "must be a session id (a UUID from GET /api/sessions)" }),
});

export const AlarmIdParams = z.strictObject({
  id: z.coerce.number({ error: "must be an alarm id (a whole number from GET /api/alarms)" }).int("must be a whole number").min(1, "must be >= 1"),
});

export const LoginBody = z.strictObject({
  secret: z.string({ error: "must be the technician secret (text)" }).min(1, "must not be empty").max(200, "must be at most 200 characters"),
});

export const DeviceLogQuery = z.strictObject({
  clear: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
});

/** Error bodies: 400 names the field, 409 says what state refused the command. */
export const ErrorBody = z.object({
  statusCode: z.number(),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  state: z.string().optional(),
});

export const Reason = z.object({ code: z.string(), priority: z.enum(["high", "medium", "low"]), text: z.string(), atMs: z.number() });

export const SessionViewBody = z.looseObject({
  id: z.string(),
  programId: z.string(),
  programName: z.string(),
  state: z.string(),
  stateText: z.string(),
  stepIndex: z.number(),
  stepCount: z.number(),
  stepLabel: z.string().optional(),
  timeLeftMs: z.number(),
  reason: Reason.optional(),
  allowed: z.object({ pause: z.boolean(), resume: z.boolean(), stop: z.boolean(), abort: z.boolean() }),
});

export const StatusBody = z.looseObject({
  link: z.string(),
  bed: z.looseObject({ model: z.string(), serial: z.string(), hw: z.string(), fw: z.string() }).nullable(),
  telemetry: z.looseObject({ state: z.string(), projectorC: z.number(), matC: z.number(), positionMm: z.number() }).nullable(),
  session: SessionViewBody.nullable(),
  lastSession: z.looseObject({ id: z.string(), outcome: z.string(), reason: Reason.optional() }).nullable(),
});

export const AlarmBody = z.object({
  id: z.number(),
  code: z.string(),
  priority: z.enum(["high", "medium", "low"]),
  text: z.string(),
  zone: z.string().nullable(),
  source: z.string(),
  sessionId: z.string().nullable(),
  raisedAt: z.number(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
});

export const SessionRecordBody = z.object({
  id: z.string(),
  programId: z.string(),
  programName: z.string(),
  startedBy: z.string(),
  startedAt: z.number(),
  updatedAt: z.number(),
  endedAt: z.number().nullable(),
  durationMs: z.number(),
  outcome: z.enum(["running", "completed", "stopped", "faulted", "estopped", "interrupted"]),
  lastState: z.string(),
  reasonCode: z.string().nullable(),
  reasonText: z.string().nullable(),
  faults: z.array(z.object({ code: z.string(), priority: z.string(), text: z.string(), atMs: z.number() })),
  maxProjectorC: z.number().nullable(),
  maxMatC: z.number().nullable(),
  deviceSerial: z.string().nullable(),
});
