// Suggests a program from the runner's day (the brief's weekly schedule), with the overrides that
// come first: acute swelling (no heat, no deep pressure), weight over the roller limit (heat only).
import { ROLLER_MAX_WEIGHT_KG } from "./limits.ts";

export const ACTIVITIES = ["rest", "intervals", "easy-run", "tempo-run", "long-run", "cross-training"] as const;
export type Activity = (typeof ACTIVITIES)[number];
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The runner's week from the brief: training that day → the technique's built-in program. */
export const WEEKLY_SCHEDULE: Record<Weekday, { activity: Activity; programId: string }> = {
  monday: { activity: "rest", programId: "full-body-relaxation" },
  tuesday: { activity: "intervals", programId: "deep-tissue" },
  wednesday: { activity: "easy-run", programId: "myofascial-release" },
  thursday: { activity: "tempo-run", programId: "sports-massage" },
  friday: { activity: "rest", programId: "swedish" },
  saturday: { activity: "long-run", programId: "post-run-recovery" },
  sunday: { activity: "cross-training", programId: "trigger-point" },
};

/** Post-run recovery belongs within 1–2 h of the run (brief, runner-specific notes). */
export const RECOVERY_WINDOW_H = 2;
const HEAT_ONLY_ID = "heat-only";
const RUNS: readonly Activity[] = ["intervals", "easy-run", "tempo-run", "long-run"];

export interface SuggestInput {
  activity?: Activity;
  day?: Weekday;
  weightKg?: number;
  /** An acutely swollen joint (first 48–72 h). */
  acuteSwelling?: boolean;
  hoursSinceRun?: number;
}

export type SuggestRule = "acute-swelling" | "over-roller-weight" | "recovery-window-passed" | "schedule";

export interface Suggestion {
  /** null: nothing on this bed is advisable today (the reason says why). */
  programId: string | null;
  reason: string;
  rule: SuggestRule;
  /** Other built-ins that fit, best first. */
  alternatives: string[];
}

/** Throws only when neither activity nor day is given (the CLI checks that first). */
export function suggestProgram(input: SuggestInput): Suggestion {
  if (input.acuteSwelling) {
    return {
      programId: null,
      rule: "acute-swelling",
      alternatives: [],
      reason:
        "No program: an acutely swollen joint (first 48–72 h) should get no heat and no deep pressure. " +
        "Rest it; heat and the roller help with stiffness once the swelling has settled.",
    };
  }
  if (input.weightKg !== undefined && input.weightKg > ROLLER_MAX_WEIGHT_KG) {
    return {
      programId: HEAT_ONLY_ID,
      rule: "over-roller-weight",
      alternatives: ["quick-20-leg-warmth"],
      reason: `Weight ${input.weightKg} kg is over the roller limit of ${ROLLER_MAX_WEIGHT_KG} kg: heat only, with the carriage parked.`,
    };
  }
  const activity = input.activity ?? (input.day ? WEEKLY_SCHEDULE[input.day].activity : undefined);
  if (!activity) throw new Error("suggestProgram needs an activity or a day");

  if (activity === "long-run") {
    if (input.hoursSinceRun !== undefined && input.hoursSinceRun > RECOVERY_WINDOW_H) {
      return {
        programId: "full-body-relaxation",
        rule: "recovery-window-passed",
        alternatives: ["quick-10-relax", "swedish"],
        reason: `The long run was ${input.hoursSinceRun} h ago, past the 1–2 h window for post-run recovery: a gentle full-body relaxation instead.`,
      };
    }
    return {
      programId: "post-run-recovery",
      rule: "schedule",
      alternatives: ["quick-20-leg-warmth"],
      reason: `Post-run recovery after the long run: 10–15 light minutes with the leg mat on, best within 1–2 h of the run.`,
    };
  }
  // Two rest days in the plan: Monday relaxation, Friday Swedish.
  const programId = activity === "rest" && input.day === "friday" ? "swedish" : programForActivity(activity);
  const alternatives: string[] = [];
  if (RUNS.includes(activity) && input.hoursSinceRun !== undefined && input.hoursSinceRun <= RECOVERY_WINDOW_H) {
    alternatives.push("post-run-recovery");
  }
  const planDay = WEEKDAYS.find((d) => WEEKLY_SCHEDULE[d].programId === programId)!;
  const why = input.activity
    ? `after ${words(activity)}, as on ${title(planDay)} in the runner's weekly plan`
    : `${title(input.day!)} is ${words(activity)} in the runner's weekly plan`;
  return {
    programId,
    rule: "schedule",
    alternatives,
    reason: `${programId}: ${why}.` + (alternatives.length > 0 ? " Within 2 h of the run, post-run-recovery is the lighter choice." : ""),
  };
}

const words = (a: Activity): string => (a === "rest" ? "a rest day" : a === "intervals" ? "interval training" : a.replace("-", " "));
const title = (d: Weekday): string => d[0]!.toUpperCase() + d.slice(1);

function programForActivity(activity: Activity): string {
  const day = WEEKDAYS.find((d) => WEEKLY_SCHEDULE[d].activity === activity)!;
  return WEEKLY_SCHEDULE[day].programId;
}
