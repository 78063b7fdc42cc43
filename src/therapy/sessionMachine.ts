// The therapy session as a statechart: what the bed is doing, and what may happen next.
// The machine decides; the work it orders (commands to the bed) is provided by session.ts.
import { and, assign, not, setup } from "xstate";
import type { ProgramDefinition } from "./programs/schema.ts";
import type { SpineMap } from "./programs/landmarks.ts";
import type { Priority } from "../../protocols/constants.ts";

/** Why the session is where it is, in words an operator can act on. */
export interface SessionReason {
  code: string;
  priority: Priority;
  text: string;
  atMs: number;
}

export type Phase = "homing" | "running" | "coolingDown" | "paused";

export interface SessionContext {
  program: ProgramDefinition;
  confirmations: { cover: boolean; screening: boolean };
  occupied: boolean;
  weightKg: number | undefined;
  spine: SpineMap | undefined;
  stepIndex: number;
  /** The phase to resume after a pause or a link loss. */
  resumeTo: Phase;
  /** Time left in the current step or cool-down, armed as the phase timer on (re-)entry. */
  phaseRemainingMs: number;
  /** When the current phase ends, on the session clock (remaining time is derived from it). */
  phaseDeadlineMs: number;
  reason: SessionReason | undefined;
}

export type SessionEvent =
  | { type: "LINK_HANDSHAKING"; atMs: number }
  | { type: "LINK_UP"; atMs: number }
  | { type: "LINK_LOST"; atMs: number }
  | { type: "LINK_FAILED"; atMs: number; text: string }
  | { type: "CONFIRM"; atMs: number; cover: boolean; screening: boolean }
  | { type: "OCCUPANCY"; atMs: number; present: boolean; weightKg: number }
  | { type: "HOMED"; atMs: number }
  | { type: "SCAN_DONE"; atMs: number; spine: SpineMap }
  | { type: "SCAN_FAILED"; atMs: number; text: string }
  | { type: "PAUSE"; atMs: number }
  | { type: "RESUME"; atMs: number }
  | { type: "STOP"; atMs: number }
  | { type: "ABORT"; atMs: number; text?: string }
  | { type: "ESTOP"; atMs: number; source: "operator" | "device" }
  | { type: "FAULT"; atMs: number; code: string; priority: Priority; text: string };

export interface SessionInput {
  program: ProgramDefinition;
  confirmations?: { cover: boolean; screening: boolean };
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

function stepDurationMs(program: ProgramDefinition, index: number): number {
  return program.steps[index]?.durationMs ?? 0;
}

function reasonOf(code: string, priority: Priority, text: string, atMs: number): SessionReason {
  return { code, priority, text, atMs };
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actions: {
    // Effects: provided by the session runner (session.ts); no-ops for model-based tests.
    startHoming: () => {},
    startScan: () => {},
    beginStep: () => {},
    beginCoolDown: () => {},
    pauseOutputs: () => {},
    quietOutputs: () => {},
    parkAndIdle: () => {},
    makeSafe: () => {},
    emergencyStop: () => {},
    announce: () => {},
    // Bookkeeping: remaining time is derived from the stored deadline, so a pause or a lost
    // link re-arms the phase timer with exactly what was left.
    rememberRunning: assign({
      resumeTo: "running" as Phase,
      phaseRemainingMs: ({ context, event }) => Math.max(0, context.phaseDeadlineMs - event.atMs),
    }),
    rememberCoolDown: assign({
      resumeTo: "coolingDown" as Phase,
      phaseRemainingMs: ({ context, event }) => Math.max(0, context.phaseDeadlineMs - event.atMs),
    }),
    rememberHoming: assign({ resumeTo: "homing" as Phase }),
    startFirstStep: assign({
      stepIndex: 0,
      phaseRemainingMs: ({ context }) => stepDurationMs(context.program, 0),
      phaseDeadlineMs: ({ context, event }) => event.atMs + stepDurationMs(context.program, 0),
    }),
    rearm: assign({ phaseDeadlineMs: ({ context, event }) => event.atMs + context.phaseRemainingMs }),
  },
  guards: {
    roller: ({ context }) => context.program.requiresRoller,
    overweight: ({ context }) =>
      context.program.maxWeightKg !== undefined && context.weightKg !== undefined && context.weightKg > context.program.maxWeightKg,
    ready: ({ context }) => context.occupied && context.confirmations.cover && context.confirmations.screening,
    hasNextStep: ({ context }) => context.stepIndex + 1 < context.program.steps.length,
    occupied: ({ context }) => context.occupied,
    resumeToCoolDown: ({ context }) => context.resumeTo === "coolingDown",
    resumeToHoming: ({ context }) => context.resumeTo === "homing",
    resumeToPaused: ({ context }) => context.resumeTo === "paused",
  },
  delays: {
    phaseRemaining: ({ context }) => Math.max(0, context.phaseRemainingMs),
    prechecksTimeout: SESSION_TIMEOUTS_MS.prechecks,
    homingTimeout: SESSION_TIMEOUTS_MS.homing,
    scanTimeout: SESSION_TIMEOUTS_MS.scanning,
    pauseTimeout: SESSION_TIMEOUTS_MS.paused,
    linkLostTimeout: SESSION_TIMEOUTS_MS.linkLost,
    resumeOfferTimeout: SESSION_TIMEOUTS_MS.resumeOffer,
  },
}).createMachine({
  id: "session",
  context: ({ input }) => ({
    program: input.program,
    confirmations: input.confirmations ?? { cover: false, screening: false },
    occupied: false,
    weightKg: undefined,
    spine: undefined,
    stepIndex: 0,
    resumeTo: "running",
    phaseRemainingMs: 0,
    phaseDeadlineMs: 0,
    reason: undefined,
  }),
  initial: "linking",
  on: {
    STOP: { target: ".stopped", actions: assign({ reason: ({ event }) => reasonOf("STOPPED", "low", "Stopped by the operator.", event.atMs) }) },
    ESTOP: {
      target: ".estopped",
      actions: assign({
        reason: ({ event }) =>
          reasonOf("E_ESTOP", "high", event.source === "device" ? "Emergency stop reported by the bed." : "Emergency stop pressed.", event.atMs),
      }),
    },
    FAULT: { target: ".faulted", actions: assign({ reason: ({ event }) => reasonOf(event.code, event.priority, event.text, event.atMs) }) },
    OCCUPANCY: { actions: assign({ occupied: ({ event }) => event.present, weightKg: ({ event, context }) => (event.present ? event.weightKg : context.weightKg) }) },
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
        LINK_FAILED: { target: "faulted", actions: assign({ reason: ({ event }) => reasonOf("S_LINK_FAILED", "medium", event.text, event.atMs) }) },
      },
    },
    prechecks: {
      entry: "announce",
      always: [
        {
          guard: "overweight",
          target: "stopped",
          actions: assign({
            reason: ({ context }) =>
              reasonOf("OVERWEIGHT", "medium", `Weight ${context.weightKg?.toFixed(0)} kg is over this program's ${context.program.maxWeightKg} kg limit: choose a heat-only program.`, 0),
          }),
        },
        // Heat-only programs never move the carriage: no homing run, no scan (and the firmware
        // refuses carriage motion for someone over the roller weight limit anyway).
        { guard: and(["ready", not("roller")]), target: "running", actions: "startFirstStep" },
        { guard: "ready", target: "homing" },
      ],
      on: { LINK_LOST: "linking" },
      after: {
        prechecksTimeout: {
          target: "stopped",
          actions: assign({ reason: () => reasonOf("PRECHECK_TIMEOUT", "low", "Nobody lay down, or the cover and screening were not confirmed, within 5 minutes.", 0) }),
        },
      },
    },
    homing: {
      entry: "startHoming",
      on: { HOMED: "scanning", LINK_LOST: { target: "linkLost", actions: "rememberHoming" } },
      after: { homingTimeout: { target: "faulted", actions: assign({ reason: () => reasonOf("S_HOMING_TIMEOUT", "high", "Carriage did not finish homing in time.", 0) }) } },
    },
    scanning: {
      entry: "startScan",
      on: {
        SCAN_DONE: [
          // Got off during the scan (the occupancy change was recorded, not acted on): start paused.
          {
            guard: not("occupied"),
            target: "paused",
            actions: [
              assign({ spine: ({ event }) => event.spine }),
              "startFirstStep",
              "rememberRunning",
              assign({ reason: ({ event }) => reasonOf("OCCUPANCY_LOST", "medium", "Nobody on the bed: paused, heaters idle.", event.atMs) }),
            ],
          },
          { target: "running", actions: [assign({ spine: ({ event }) => event.spine }), "startFirstStep"] },
        ],
        SCAN_FAILED: { target: "faulted", actions: assign({ reason: ({ event }) => reasonOf("S_SCAN_FAILED", "high", event.text, event.atMs) }) },
        LINK_LOST: { target: "linkLost", actions: "rememberHoming" },
      },
      after: { scanTimeout: { target: "faulted", actions: assign({ reason: () => reasonOf("S_SCAN_FAILED", "high", "Spine scan did not finish in time.", 0) }) } },
    },
    running: {
      initial: "step",
      states: {
        step: {
          entry: "beginStep",
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
                }),
              },
              {
                target: "#session.coolingDown",
                actions: assign({
                  phaseRemainingMs: ({ context }) => context.program.coolDown.durationMs,
                  phaseDeadlineMs: ({ context }) => context.phaseDeadlineMs + context.program.coolDown.durationMs,
                }),
              },
            ],
          },
        },
      },
      on: {
        PAUSE: { target: "paused", actions: ["rememberRunning", assign({ reason: ({ event }) => reasonOf("PAUSED", "low", "Paused by the operator.", event.atMs) })] },
        OCCUPANCY: {
          guard: ({ event }) => !event.present,
          target: "paused",
          actions: [
            assign({ occupied: false }),
            "rememberRunning",
            assign({ reason: ({ event }) => reasonOf("OCCUPANCY_LOST", "medium", "Nobody on the bed: paused, heaters idle.", event.atMs) }),
          ],
        },
        LINK_LOST: { target: "linkLost", actions: "rememberRunning" },
      },
    },
    paused: {
      entry: "pauseOutputs",
      on: {
        RESUME: [
          { guard: "occupied", target: "running", actions: ["rearm", assign({ reason: undefined })] },
          { actions: assign({ reason: ({ event }) => reasonOf("NOT_OCCUPIED", "low", "Cannot resume: nobody on the bed.", event.atMs) }) },
        ],
        LINK_LOST: { target: "linkLost", actions: assign({ resumeTo: "paused" as Phase }) },
      },
      after: { pauseTimeout: { target: "stopped", actions: assign({ reason: () => reasonOf("PAUSE_TIMEOUT", "low", "Paused for more than 10 minutes: session ended.", 0) }) } },
    },
    coolingDown: {
      entry: "beginCoolDown",
      after: { phaseRemaining: "completed" },
      on: { LINK_LOST: { target: "linkLost", actions: "rememberCoolDown" } },
    },
    linkLost: {
      entry: assign({ reason: ({ event }) => reasonOf("S_LINK_LOST", "medium", "Link to the bed lost; the bed went safe on its own.", event.atMs) }),
      on: { LINK_UP: "resumeOffer" },
      after: { linkLostTimeout: { target: "faulted", actions: assign({ reason: () => reasonOf("S_LINK_LOST", "medium", "Link to the bed lost for more than 2 minutes.", 0) }) } },
    },
    resumeOffer: {
      entry: "quietOutputs",
      on: {
        RESUME: [
          { guard: "resumeToCoolDown", target: "coolingDown", actions: ["rearm", assign({ reason: undefined })] },
          { guard: and(["resumeToHoming", "occupied"]), target: "homing", actions: assign({ reason: undefined }) },
          // Paused before the link went: the pause stands until the operator resumes it.
          { guard: "resumeToPaused", target: "paused", actions: assign({ reason: undefined }) },
          { guard: "occupied", target: "running", actions: ["rearm", assign({ reason: undefined })] },
          { actions: assign({ reason: ({ event }) => reasonOf("NOT_OCCUPIED", "low", "Cannot resume: nobody on the bed.", event.atMs) }) },
        ],
        ABORT: { target: "stopped", actions: assign({ reason: ({ event }) => reasonOf("ABORTED", "low", event.text ?? "Aborted by the operator after the link came back.", event.atMs) }) },
        LINK_LOST: "linkLost",
      },
      after: { resumeOfferTimeout: { target: "stopped", actions: assign({ reason: () => reasonOf("RESUME_TIMEOUT", "low", "No resume-or-abort choice within 5 minutes.", 0) }) } },
    },
    completed: { type: "final", entry: "parkAndIdle" },
    stopped: { type: "final", entry: "parkAndIdle" },
    faulted: { type: "final", entry: "makeSafe" },
    estopped: { type: "final", entry: "emergencyStop" },
  },
});
