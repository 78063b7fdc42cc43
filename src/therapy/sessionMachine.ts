// The therapy session as a statechart, the whole spec of what the bed is doing and what may
// happen next: policies are guards, the work ordered on the bed is invoked actors (stopped, and
// so aborted, when their state is left), reasons come from one table. Over 300 lines because
// it is one statechart; the work itself lives in work.ts, the reason texts in reasons.ts.
import { and, assign, cancel, fromPromise, not, raise, setup } from "xstate";
import type { Priority, Zone } from "../../protocols/constants.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";
import type { SpineMap } from "./programs/landmarks.ts";
import type { ProgramDefinition } from "./programs/schema.ts";
import { reasonOf, type SessionCode, type SessionReason } from "./reasons.ts";

export type { SessionReason } from "./reasons.ts";

/** Where a resume goes back to (the phase that was interrupted). */
export type Phase = "homing" | "running" | "coolingDown";
export type AfterLinkLoss = "ask" | "abort" | "resume";

export interface SessionContext {
  program: ProgramDefinition;
  confirmations: { cover: boolean; screening: boolean };
  afterLinkLoss: AfterLinkLoss;
  /** Unattended runs: how long to wait for someone to lie (back) down before the run stops; undefined on the panel. */
  vacancyWaitMs: number | undefined;
  occupied: boolean;
  weightKg: number | undefined;
  spine: SpineMap | undefined;
  stepIndex: number;
  /** The phase to resume after a pause or a link loss. */
  resumeTo: Phase;
  /** The link went while paused: after it is back the pause stands. */
  wasPaused: boolean;
  /** Time left in the current step or cool-down, armed as the phase timer on (re-)entry. */
  phaseRemainingMs: number;
  /** When the current phase ends, on the session clock (remaining time is derived from it). */
  phaseDeadlineMs: number;
  /** The operator just started or resumed: the next readiness check may release a safe bed. */
  releaseAllowed: boolean;
  /** How a parking run ends. */
  ending: "completed" | "stopped";
  reason: SessionReason | undefined;
  /** The zone a fault concerns, when it concerns one. */
  faultZone: Zone | undefined;
}

export type SessionEvent =
  | { type: "LINK_HANDSHAKING"; atMs: number }
  | { type: "LINK_UP"; atMs: number }
  | { type: "LINK_LOST"; atMs: number }
  | { type: "LINK_FAILED"; atMs: number; text: string }
  | { type: "CONFIRM"; atMs: number; cover: boolean; screening: boolean }
  /** The load sensor crossed the occupancy threshold, or the weight changed (not debounced). */
  | { type: "PRESENCE"; atMs: number; present: boolean; weightKg: number }
  | { type: "OCCUPANCY_LOST"; atMs: number }
  | { type: "PAUSE"; atMs: number }
  | { type: "RESUME"; atMs: number }
  | { type: "STOP"; atMs: number }
  | { type: "ABORT"; atMs: number }
  | { type: "ESTOP"; atMs: number; source: "operator" | "device" }
  /** A device event (EVT) as the bed sent it; the machine decides which are faults. */
  | { type: "DEVICE_EVENT"; atMs: number; code: string; priority: Priority; zone?: Zone; detail?: string; text: string }
  /** A supervisor trip (or stale telemetry), already with its words. */
  | { type: "FAULT"; atMs: number; code: string; priority: Priority; text: string; zone?: Zone }
  /** The driver gave up on the bed: it did not confirm a safety order. */
  | { type: "GAVE_UP"; atMs: number; text: string };

export interface SessionInput {
  program: ProgramDefinition;
  confirmations?: { cover: boolean; screening: boolean };
  afterLinkLoss?: AfterLinkLoss;
  vacancyWaitMs?: number;
}

/** How long each waiting state may wait before the session gives up (and why). */
export const SESSION_TIMEOUTS_MS = {
  /** Pre-checks: someone must lie down and the operator confirm within 5 min. */
  prechecks: 5 * 60_000,
  /** Homing takes ~16 s for the full 780 mm track at 50 mm/s; 60 s means it is stuck. */
  homing: 60_000,
  /** A scan sweep of the full track at scan speed, with margin. */
  scanning: 90_000,
  /** A pause longer than 10 min ends the session (the person has left or the bed is needed). */
  paused: 10 * 60_000,
  /** Link lost for 2 min: give up waiting, the session is over. */
  linkLost: 2 * 60_000,
  /** The operator has 5 min to choose resume or abort after the link comes back. */
  resumeOffer: 5 * 60_000,
} as const;

/** Nobody on the bed this long → pause (brief: "pause within a couple of seconds"); shorter is shifting about. */
export const OCCUPANCY_LOSS_PAUSE_MS = 800;

/** Device events that end a session as a fault (the rest are informational or handled elsewhere). */
export const DEVICE_FAULT_CODES: ReadonlySet<string> = new Set(["E_CUTOUT", "E_SENSOR_OPEN", "E_SENSOR_SHORT", "E_MOTOR_OVERCURRENT", "E_LIMIT_SWITCH", "E_HOMING_FAILED", "W_BROWNOUT", "W_LEASE_EXPIRED"]);

/** The end states: the session's outcome. */
export const OUTCOMES = ["completed", "stopped", "faulted", "estopped"] as const;
export type Outcome = (typeof OUTCOMES)[number];

// Inputs of the work the machine orders (work.ts does it on the bed).
export interface PrepareInput {
  needCarriage: boolean;
  release: boolean;
}
export interface StepInput {
  index: number;
  spine: SpineMap | undefined;
  release: boolean;
}
export interface FaultInput {
  code: string;
  zone: Zone | undefined;
}

/** A heater that warms although its power was cut: the one fault that escalates past SAFE to an emergency stop. */
export const HEATER_NOT_CUT = "S_HEATER_NOT_CUT";

/** When an event happened, on the session clock: operator and bed events carry it, work results in their output. */
function atMsOf(event: unknown): number {
  const e = event as { atMs?: number; output?: { atMs?: number } };
  return e.atMs ?? e.output?.atMs ?? 0;
}

const stepDurationMs = (program: ProgramDefinition, index: number): number => program.steps[index]?.durationMs ?? 0;
const noWork = fromPromise<void, unknown>(async () => {});

/** Why ordered work failed, as a session reason. */
function workFailure(error: unknown, atMs: number, fallback: SessionCode): SessionReason {
  const code = error instanceof BedlinkError ? error.code : undefined;
  if (code === ErrorCode.CommandNotApplied) return reasonOf("S_NOT_APPLIED", atMs);
  if (fallback === "S_SCAN_FAILED") return reasonOf(fallback, atMs, `Spine scan failed: ${(error as Error).message}`);
  return reasonOf(fallback, atMs, `A command to the bed failed: ${(error as Error).message}`);
}

/**
 * Where a piece of work's failure leads: a bed the driver gave up on → faulted at once (nothing can
 * be sent); an emergency stop latched meanwhile → the emergency stop; anything else → SAFE, with
 * the reason. The one rule for every invoked piece of work.
 */
function failedWork(fallback: "S_COMMAND_FAILED" | "S_SCAN_FAILED") {
  return [
    { guard: "gaveUp", target: "#session.faulted" },
    { guard: "latched", target: "#session.estopping" },
    { target: "#session.safing", actions: fallback === "S_SCAN_FAILED" ? "scanFailed" : "workFailed" },
  ] as const;
}

/** Guards on why invoked work failed (its error event is not one of SessionEvent's). */
const errorIs =
  (code: ErrorCode) =>
  ({ event }: { event: unknown }): boolean => {
    const error = (event as { error?: unknown }).error;
    return error instanceof BedlinkError && error.code === code;
  };

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    // The work: provided by the session runner (session.ts → work.ts); no-ops for model-based tests.
    prepare: fromPromise<void, PrepareInput>(async () => {}),
    scan: fromPromise<{ spine: SpineMap; atMs: number }, void>(async () => {
      throw new Error("no scanner provided");
    }),
    step: fromPromise<void, StepInput>(async () => {}),
    coolDown: noWork,
    park: noWork,
    pauseOutputs: noWork,
    quietOutputs: noWork,
    faultSafe: fromPromise<void, FaultInput>(async () => {}),
    emergencyStop: noWork,
  },
  actions: {
    // Bookkeeping hooks for the runner (step timing); no bed work happens in actions.
    stepStarted: () => {},
    // Remaining time is derived from the stored deadline, so a pause or a lost link re-arms the
    // phase timer with exactly what was left.
    rememberRunning: assign({
      resumeTo: "running" as Phase,
      phaseRemainingMs: ({ context, event }) => Math.max(0, context.phaseDeadlineMs - (event as { atMs: number }).atMs),
    }),
    rememberCoolDown: assign({
      resumeTo: "coolingDown" as Phase,
      phaseRemainingMs: ({ context, event }) => Math.max(0, context.phaseDeadlineMs - (event as { atMs: number }).atMs),
    }),
    rememberHoming: assign({ resumeTo: "homing" as Phase }),
    startFirstStep: assign({
      stepIndex: 0,
      phaseRemainingMs: ({ context }) => stepDurationMs(context.program, 0),
      // Done events of invoked work carry their time in the output (a scan's end, say).
      phaseDeadlineMs: ({ context, event }) => atMsOf(event) + stepDurationMs(context.program, 0),
    }),
    rearm: assign({ phaseDeadlineMs: ({ context, event }) => (event as { atMs: number }).atMs + context.phaseRemainingMs }),
    allowRelease: assign({ releaseAllowed: true, reason: undefined }),
    releaseUsed: assign({ releaseAllowed: false }),
    watchVacancy: raise(({ event }) => ({ type: "OCCUPANCY_LOST" as const, atMs: (event as { atMs: number }).atMs + OCCUPANCY_LOSS_PAUSE_MS }), { id: "vacancy", delay: OCCUPANCY_LOSS_PAUSE_MS }),
    forgetVacancy: cancel("vacancy"),
    workFailed: assign({ reason: ({ event }) => workFailure((event as { error?: unknown }).error, 0, "S_COMMAND_FAILED") }),
    scanFailed: assign({ reason: ({ event }) => workFailure((event as { error?: unknown }).error, 0, "S_SCAN_FAILED") }),
    nobodyCame: assign({
      ending: "stopped" as const,
      reason: ({ context }) => reasonOf("NOBODY_ON_BED", 0, `Nobody on the bed for ${Math.round((context.vacancyWaitMs ?? 0) / 1000)} s: this unattended run stopped (--occupancy-wait).`),
    }),
    faultReason: assign({
      reason: ({ event }) => (event.type === "FAULT" ? { code: event.code, priority: event.priority, text: event.text, atMs: event.atMs } : undefined),
      faultZone: ({ event }) => (event.type === "FAULT" ? event.zone : undefined),
    }),
  },
  guards: {
    roller: ({ context }) => context.program.requiresRoller,
    overweight: ({ context }) => context.program.maxWeightKg !== undefined && context.weightKg !== undefined && context.weightKg > context.program.maxWeightKg,
    ready: ({ context }) => context.occupied && context.confirmations.cover && context.confirmations.screening,
    hasNextStep: ({ context }) => context.stepIndex + 1 < context.program.steps.length,
    occupied: ({ context }) => context.occupied,
    endsCompleted: ({ context }) => context.ending === "completed",
    resumeToCoolDown: ({ context }) => context.resumeTo === "coolingDown",
    resumeToHoming: ({ context }) => context.resumeTo === "homing",
    wasPaused: ({ context }) => context.wasPaused,
    unattendedAbort: ({ context }) => context.afterLinkLoss === "abort",
    unattendedVacant: ({ context }) => context.vacancyWaitMs !== undefined && !context.occupied,
    unattendedResume: ({ context }) => context.afterLinkLoss === "resume",
    personLeft: ({ context, event }) => event.type === "PRESENCE" && !event.present && context.occupied,
    personBack: ({ event }) => event.type === "PRESENCE" && event.present,
    deviceEstop: ({ event }) => event.type === "DEVICE_EVENT" && event.code === "E_ESTOP",
    deviceFault: ({ context, event }) => event.type === "DEVICE_EVENT" && (DEVICE_FAULT_CODES.has(event.code) || (event.code === "E_OVERWEIGHT" && context.program.requiresRoller)),
    heaterNotCut: ({ event }) => event.type === "FAULT" && event.code === HEATER_NOT_CUT,
    endsFaulted: ({ context }) => context.reason?.code === HEATER_NOT_CUT,
    gaveUp: errorIs(ErrorCode.DeviceNotComplying),
    latched: errorIs(ErrorCode.DeviceLatched),
  },
  delays: {
    phaseRemaining: ({ context }) => Math.max(0, context.phaseRemainingMs),
    prechecksTimeout: SESSION_TIMEOUTS_MS.prechecks,
    homingTimeout: SESSION_TIMEOUTS_MS.homing,
    scanTimeout: SESSION_TIMEOUTS_MS.scanning,
    pauseTimeout: SESSION_TIMEOUTS_MS.paused,
    linkLostTimeout: SESSION_TIMEOUTS_MS.linkLost,
    resumeOfferTimeout: SESSION_TIMEOUTS_MS.resumeOffer,
    vacancyWait: ({ context }) => context.vacancyWaitMs ?? SESSION_TIMEOUTS_MS.paused,
  },
}).createMachine({
  id: "session",
  context: ({ input }) => ({
    program: input.program,
    confirmations: input.confirmations ?? { cover: false, screening: false },
    afterLinkLoss: input.afterLinkLoss ?? "ask",
    vacancyWaitMs: input.vacancyWaitMs,
    occupied: false,
    weightKg: undefined,
    spine: undefined,
    stepIndex: 0,
    resumeTo: "running",
    wasPaused: false,
    phaseRemainingMs: 0,
    phaseDeadlineMs: 0,
    releaseAllowed: true,
    ending: "stopped",
    reason: undefined,
    faultZone: undefined,
  }),
  initial: "linking",
  // What may happen in any working state; the ending states below forbid what no longer applies.
  on: {
    STOP: { target: ".parking", actions: assign({ ending: "stopped" as const, reason: ({ event }) => reasonOf("STOPPED", event.atMs) }) },
    ESTOP: { target: ".estopping", actions: assign({ reason: ({ event }) => reasonOf(event.source === "device" ? "E_ESTOP_DEVICE" : "E_ESTOP", event.atMs) }) },
    FAULT: [
      { guard: "heaterNotCut", target: ".estopping", actions: "faultReason" },
      { target: ".safing", actions: "faultReason" },
    ],
    GAVE_UP: { target: ".faulted", actions: assign({ reason: ({ event }) => reasonOf("S_BED_NOT_STOPPED", event.atMs, event.text) }) },
    DEVICE_EVENT: [
      { guard: "deviceEstop", target: ".estopping", actions: assign({ reason: ({ event }) => reasonOf("E_ESTOP_DEVICE", event.atMs) }) },
      { guard: "deviceFault", target: ".safing", actions: assign({ reason: ({ event }) => ({ code: event.code, priority: event.priority, text: event.text, atMs: event.atMs }) }) },
    ],
    PRESENCE: [
      { guard: "personLeft", actions: [assign({ occupied: false }), "watchVacancy"] },
      { guard: "personBack", actions: ["forgetVacancy", assign({ occupied: true, weightKg: ({ event }) => event.weightKg })] },
    ],
    CONFIRM: { actions: assign({ confirmations: ({ event }) => ({ cover: event.cover, screening: event.screening }) }) },
  },
  states: {
    linking: {
      initial: "connecting",
      states: {
        connecting: { on: { LINK_HANDSHAKING: "handshaking" } },
        handshaking: {},
      },
      on: {
        LINK_UP: "prechecks",
        LINK_FAILED: { target: "faulted", actions: assign({ reason: ({ event }) => reasonOf("S_LINK_FAILED", event.atMs, event.text) }) },
      },
    },
    prechecks: {
      always: [
        {
          guard: "overweight",
          target: "parking",
          actions: assign({
            ending: "stopped" as const,
            reason: ({ context }) => reasonOf("OVERWEIGHT", 0, `Weight ${context.weightKg?.toFixed(0)} kg is over this program's ${context.program.maxWeightKg} kg limit: choose a heat-only program.`),
          }),
        },
        // Heat-only programs never move the carriage: no homing run, no scan (and the firmware
        // refuses carriage motion for someone over the roller weight limit anyway).
        { guard: and(["ready", not("roller")]), target: "running", actions: "startFirstStep" },
        { guard: "ready", target: "homing" },
      ],
      on: { LINK_LOST: "linking" },
      after: {
        vacancyWait: { guard: "unattendedVacant", target: "parking", actions: "nobodyCame" },
        prechecksTimeout: { target: "parking", actions: assign({ ending: "stopped" as const, reason: () => reasonOf("PRECHECK_TIMEOUT", 0) }) },
      },
    },
    homing: {
      invoke: {
        src: "prepare",
        id: "prepare",
        input: ({ context }) => ({ needCarriage: true, release: context.releaseAllowed }),
        onDone: { target: "scanning", actions: "releaseUsed" },
        onError: failedWork("S_COMMAND_FAILED"),
      },
      on: {
        LINK_LOST: { target: "linkLost", actions: ["rememberHoming", assign({ wasPaused: false })] },
        OCCUPANCY_LOST: { target: "paused", actions: ["rememberHoming", assign({ reason: ({ event }) => reasonOf("OCCUPANCY_LOST", event.atMs) })] },
      },
      after: { homingTimeout: { target: "safing", actions: assign({ reason: () => reasonOf("S_HOMING_TIMEOUT", 0) }) } },
    },
    scanning: {
      invoke: {
        src: "scan",
        id: "scan",
        onDone: { target: "running", actions: [assign({ spine: ({ event }) => event.output.spine }), "startFirstStep"] },
        onError: failedWork("S_SCAN_FAILED"),
      },
      on: {
        LINK_LOST: { target: "linkLost", actions: ["rememberHoming", assign({ wasPaused: false })] },
        // Got off during the scan: it stops, and a resume homes and scans again.
        OCCUPANCY_LOST: { target: "paused", actions: ["rememberHoming", assign({ reason: ({ event }) => reasonOf("OCCUPANCY_LOST", event.atMs) })] },
      },
      after: { scanTimeout: { target: "safing", actions: assign({ reason: () => reasonOf("S_SCAN_FAILED", 0, "Spine scan did not finish in time.") }) } },
    },
    running: {
      initial: "step",
      states: {
        step: {
          entry: "stepStarted",
          invoke: {
            src: "step",
        id: "step",
            input: ({ context }) => ({ index: context.stepIndex, spine: context.spine, release: context.releaseAllowed }),
            onError: failedWork("S_COMMAND_FAILED"),
          },
          after: {
            phaseRemaining: [
              {
                guard: "hasNextStep",
                target: "step",
                reenter: true,
                actions: assign({
                  stepIndex: ({ context }) => context.stepIndex + 1,
                  phaseRemainingMs: ({ context }) => stepDurationMs(context.program, context.stepIndex + 1),
                  phaseDeadlineMs: ({ context }) => context.phaseDeadlineMs + stepDurationMs(context.program, context.stepIndex + 1),
                  releaseAllowed: false,
                }),
              },
              {
                target: "#session.coolingDown",
                actions: assign({
                  phaseRemainingMs: ({ context }) => context.program.coolDown.durationMs,
                  phaseDeadlineMs: ({ context }) => context.phaseDeadlineMs + context.program.coolDown.durationMs,
                  releaseAllowed: false,
                }),
              },
            ],
          },
        },
      },
      on: {
        PAUSE: { target: "paused", actions: ["rememberRunning", assign({ reason: ({ event }) => reasonOf("PAUSED", event.atMs) })] },
        OCCUPANCY_LOST: { target: "paused", actions: ["rememberRunning", assign({ reason: ({ event }) => reasonOf("OCCUPANCY_LOST", event.atMs) })] },
        LINK_LOST: { target: "linkLost", actions: ["rememberRunning", assign({ wasPaused: false })] },
      },
    },
    paused: {
      invoke: {
        src: "pauseOutputs",
        id: "pauseOutputs",
        onError: failedWork("S_COMMAND_FAILED"),
      },
      on: {
        RESUME: [
          { guard: and(["occupied", "resumeToHoming"]), target: "homing", actions: "allowRelease" },
          { guard: and(["occupied", "resumeToCoolDown"]), target: "coolingDown", actions: ["rearm", "allowRelease"] },
          { guard: "occupied", target: "running", actions: ["rearm", "allowRelease"] },
          { actions: assign({ reason: ({ event }) => reasonOf("NOT_OCCUPIED", event.atMs) }) },
        ],
        LINK_LOST: { target: "linkLost", actions: assign({ wasPaused: true }) },
      },
      after: {
        vacancyWait: { guard: "unattendedVacant", target: "parking", actions: "nobodyCame" },
        pauseTimeout: { target: "parking", actions: assign({ ending: "stopped" as const, reason: () => reasonOf("PAUSE_TIMEOUT", 0) }) },
      },
    },
    coolingDown: {
      invoke: {
        src: "coolDown",
        id: "coolDown",
        onError: failedWork("S_COMMAND_FAILED"),
      },
      after: { phaseRemaining: { target: "parking", actions: assign({ ending: "completed" as const }) } },
      on: {
        PAUSE: { target: "paused", actions: ["rememberCoolDown", assign({ reason: ({ event }) => reasonOf("PAUSED", event.atMs) })] },
        LINK_LOST: { target: "linkLost", actions: ["rememberCoolDown", assign({ wasPaused: false })] },
      },
    },
    linkLost: {
      entry: assign({ reason: ({ event }) => reasonOf("S_LINK_LOST", (event as { atMs?: number }).atMs ?? 0) }),
      on: { LINK_UP: "resumeOffer" },
      after: { linkLostTimeout: { target: "faulted", actions: assign({ reason: () => reasonOf("S_LINK_LOST_LONG", 0) }) } },
    },
    resumeOffer: {
      // After a link loss the bed went safe by itself; idling it again is belt and braces.
      invoke: { src: "quietOutputs",
        id: "quietOutputs", onError: [{ guard: "gaveUp", target: "faulted" }, { guard: "latched", target: "estopping" }] },
      always: [
        { guard: "unattendedAbort", target: "parking", actions: assign({ ending: "stopped" as const, reason: () => reasonOf("ABORTED_UNATTENDED", 0) }) },
        { guard: and(["unattendedResume", "wasPaused"]), target: "paused", actions: assign({ reason: undefined, wasPaused: false }) },
        { guard: and(["unattendedResume", "occupied", "resumeToHoming"]), target: "homing", actions: "allowRelease" },
        { guard: and(["unattendedResume", "occupied", "resumeToCoolDown"]), target: "coolingDown", actions: ["rearm", "allowRelease"] },
        { guard: and(["unattendedResume", "occupied"]), target: "running", actions: ["rearm", "allowRelease"] },
      ],
      on: {
        RESUME: [
          // Paused before the link went: the pause stands until the operator resumes it.
          { guard: "wasPaused", target: "paused", actions: assign({ reason: undefined, wasPaused: false }) },
          { guard: and(["occupied", "resumeToHoming"]), target: "homing", actions: "allowRelease" },
          { guard: and(["occupied", "resumeToCoolDown"]), target: "coolingDown", actions: ["rearm", "allowRelease"] },
          { guard: "occupied", target: "running", actions: ["rearm", "allowRelease"] },
          { actions: assign({ reason: ({ event }) => reasonOf("NOT_OCCUPIED", event.atMs) }) },
        ],
        ABORT: { target: "parking", actions: assign({ ending: "stopped" as const, reason: ({ event }) => reasonOf("ABORTED", event.atMs) }) },
        LINK_LOST: "linkLost",
      },
      after: { resumeOfferTimeout: { target: "parking", actions: assign({ ending: "stopped" as const, reason: () => reasonOf("RESUME_TIMEOUT", 0) }) } },
    },
    // ---- ending: the last orders, then the outcome ----
    parking: {
      invoke: {
        src: "park",
        id: "park",
        onDone: [{ guard: "endsCompleted", target: "completed" }, { target: "stopped" }],
        onError: [
          { guard: "gaveUp", target: "faulted" },
          { guard: "latched", target: "estopped" },
          { target: "safing", actions: assign({ reason: ({ event }) => workFailure(event.error, 0, "S_COMMAND_FAILED") }) },
        ],
      },
      on: {
        STOP: {},
        PRESENCE: {},
        LINK_LOST: { target: "faulted", actions: assign({ reason: ({ event }) => reasonOf("S_LINK_LOST", event.atMs, "Link to the bed lost while parking; the bed went safe on its own.") }) },
      },
    },
    safing: {
      invoke: {
        src: "faultSafe",
        id: "faultSafe",
        input: ({ context }) => ({ code: context.reason?.code ?? "S_COMMAND_FAILED", zone: context.faultZone }),
        onDone: "faulted",
        onError: [{ guard: "latched", target: "estopped" }, { target: "faulted" }],
      },
      on: {
        STOP: {},
        // Only a heater that keeps warming after its cut goes further: to the emergency stop. (The
        // bed's own E_ESTOP here is ours, when SAFE went unconfirmed: the outcome stays the fault.)
        FAULT: [{ guard: "heaterNotCut", target: "estopping", actions: "faultReason" }, { actions: [] }],
        DEVICE_EVENT: {},
        PRESENCE: {},
        LINK_LOST: "faulted",
      },
    },
    estopping: {
      invoke: {
        src: "emergencyStop",
        id: "emergencyStop",
        onDone: [{ guard: "endsFaulted", target: "faulted" }, { target: "estopped" }],
        onError: [{ guard: "endsFaulted", target: "faulted" }, { target: "estopped" }],
      },
      on: { STOP: {}, ESTOP: {}, FAULT: {}, DEVICE_EVENT: {}, PRESENCE: {}, LINK_LOST: {} },
    },
    completed: { type: "final" },
    stopped: { type: "final" },
    faulted: { type: "final" },
    estopped: { type: "final" },
  },
});
