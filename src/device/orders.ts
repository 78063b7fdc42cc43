// Safety orders and how the bed shows it obeyed one. The controller believes the bed's
// telemetry, not its ACK: an order counts as done only when a reading shows its effect.
import { CAP_HEAT_CUT, CUT_FLAG, ZONES } from "../../protocols/constants.ts";
import type { Identity, Telemetry } from "../../protocols/messages.ts";

/**
 * estop: the emergency stop. safe: the bed's safe state (SAFE, or a state the firmware reached
 * by itself). idle: heaters off, carriage still, lift retracted (pause, and the start of parking).
 */
export type SafetyOrder = "estop" | "safe" | "idle";

/** Carriage speed below this counts as stopped (the firmware brakes within one step). */
export const STILL_MMS = 0.5;
/** …and its position may change this little between the two readings that confirm a stop (noise, not motion). */
export const STILL_POSITION_MM = 0.5;
/** A reading must show the order's effect within this many telemetry periods of it (issue 9: two). */
export const CONFIRM_PERIODS = 2;
/** Periods shorter than this don't make the bed act faster: the window never shrinks below 2 × 100 ms. */
export const CONFIRM_PERIOD_FLOOR_MS = 100;
/** Line and firmware-queue time on top of the periods (a few frames at 115200 baud, one 2 ms command slot). */
export const CONFIRM_SLACK_MS = 50;

/**
 * How long after an order its effect must show in telemetry: two periods at the bed's rate, plus
 * the line's own round trip as measured (a bridge that delays every frame delays the proof too).
 */
export function confirmWindowMs(telemetryHz: number, srttMs = 0): number {
  return CONFIRM_PERIODS * Math.max(1000 / telemetryHz, CONFIRM_PERIOD_FLOOR_MS) + Math.max(0, srttMs) + CONFIRM_SLACK_MS;
}

function heatersOff(t: Telemetry): boolean {
  return t.projectorSetC === 0 && t.matSetC === 0 && t.projectorDuty === 0 && t.matDuty === 0;
}

function still(t: Telemetry): boolean {
  return Math.abs(t.speedMmS) < STILL_MMS && t.lift === 0;
}

/** Both power cuts open, on a bed that has them. */
function cutsOpen(t: Telemetry, id: Identity): boolean {
  if (!id.caps.includes(CAP_HEAT_CUT)) return true;
  return ZONES.every((z) => (t.flags & CUT_FLAG[z]) !== 0);
}

/** What a reading must show for an order to count as carried out. */
export function complies(order: SafetyOrder, t: Telemetry, id: Identity): boolean {
  switch (order) {
    case "estop":
      return t.state === "estop" && heatersOff(t) && still(t) && cutsOpen(t, id);
    case "safe":
      return (t.state === "safe" || t.state === "estop" || t.state === "cutout") && heatersOff(t) && still(t) && cutsOpen(t, id);
    case "idle":
      // A homing run is the firmware's own motion, lift retracted, towards home: it counts as still.
      return heatersOff(t) && t.lift === 0 && (Math.abs(t.speedMmS) < STILL_MMS || t.state === "homing");
  }
}

/** What an acknowledged actuator command must change in the next readings (believe the bed, not the ACK). */
export function showsApplied(type: "HEAT" | "MOVE" | "HALT" | "LIFT", body: Record<string, unknown>, t: Telemetry): boolean {
  switch (type) {
    case "HEAT":
      return (body.zone === "mat" ? t.matSetC : t.projectorSetC) === body.targetC;
    case "LIFT":
      return t.lift === body.level;
    case "MOVE":
      return Math.abs(t.targetMm - (body.positionMm as number)) < 0.5;
    case "HALT":
      return Math.abs(t.speedMmS) < STILL_MMS;
  }
}

/** Driver-level alarm codes: the bed did not do what the controller's safety depends on. */
export const DEVICE_SAFETY_CODES = {
  S_BED_NOT_STOPPED: {
    priority: "high",
    text: "The bed did not stop. Help the person off the bed and switch it off at the mains switch.",
  },
  S_NOT_APPLIED: {
    priority: "high",
    text: "The bed acknowledged a command but did not carry it out; it was switched to its safe state. Help the person off the bed and call a technician.",
  },
} as const;
export type DeviceSafetyCode = keyof typeof DEVICE_SAFETY_CODES;
