// The controller's own safety numbers, independent of the program and of the firmware's limits.
// Each has its source; tighter than the brief is fine, looser is not.
import type { Priority } from "../../protocols/constants.ts";

/** Element ceilings per zone (brief: projector 65 °C, mat 60 °C); +1 °C tolerance for sensor noise. */
export const ELEMENT_CEILING_C = { projector: 65, mat: 60 } as const;
export const ELEMENT_CEILING_TOLERANCE_C = 1;
/** Readings outside this are a sensor fault, not a temperature (no bed is below 5 °C or above 90 °C). */
export const SENSOR_PLAUSIBLE_MIN_C = 5;
export const SENSOR_PLAUSIBLE_MAX_C = 90;

/** Moritz–Henriques: dose accrues at 2^(T−44) per second while skin ≥ 43 °C; burn at 360 min-equivalent at 44 °C. */
export const DOSE_START_C = 43;
export const DOSE_REFERENCE_C = 44;
export const BURN_DOSE_S = 360 * 60;
/** Trip at 10 % of the burn dose (brief: "trip well before", e.g. 10 %). */
export const DOSE_TRIP_FRACTION = 0.1;

/** Runaway: heater driven hard this long without a 1 °C rise = heater dead or sensor off the element. */
export const RUNAWAY_NO_RISE_WATCH_MS = 45_000;
export const RUNAWAY_NO_RISE_MIN_DUTY = 60;
export const RUNAWAY_NO_RISE_MIN_RISE_C = 1;
/** Runaway: heater commanded off but the element warms this much above its coolest reading since = stuck switch. */
export const RUNAWAY_OFF_RISING_C = 2;
/** …counted only above body temperature: a person lying on a cold element warms it to ~35 °C, a stuck heater goes on past it. */
export const RUNAWAY_OFF_RISING_ABOVE_C = 37;
/** An element this far above its setpoint has its heater off (controller overshoot stays under ~1 °C). */
export const RUNAWAY_ABOVE_SETPOINT_C = 2;

/** Telemetry older than this many periods is stale (brief: "a few periods"); 5 × 100 ms stays inside the 1 s lease. */
export const STALE_TELEMETRY_PERIODS = 5;

/** Carriage stall: commanded to move, yet this little progress in this long. */
export const STALL_WATCH_MS = 2_000;
export const STALL_MIN_PROGRESS_MM = 1; // half of what the slowest allowed creep (1 mm/s) covers in the watch
/** Fraction of the firmware's motor trip at which the controller already calls it a stall. */
export const STALL_CURRENT_FRACTION = 0.9;
/** …held this long (two telemetry periods): the firmware itself filters 100 ms, reversals peak for less. */
export const STALL_CURRENT_MS = 200;

/** Hard maximum session length (brief: 60 min), plus the cool-down allowance beyond the program. */
export const SESSION_CAP_MS = 60 * 60_000;
export const SESSION_CAP_GRACE_MS = 2 * 60_000;

/** Someone counts as on the bed above this load (a pillow or a bag is not a person). */
export const OCCUPIED_MIN_KG = 20;
/** Occupancy lost for this long → pause (brief: "pause within a couple of seconds"). */
export const OCCUPANCY_LOSS_PAUSE_MS = 800;
/** Roller programs are refused above this weight (brief: Nuga Best operator rules, 136 kg). */
export const ROLLER_MAX_WEIGHT_KG = 136;

/** Supervisor and session fault codes, with IEC 60601-1-8-style priorities. */
export const SUPERVISOR_CODES = {
  S_ELEMENT_OVER: { priority: "high", text: "Element temperature above its ceiling." },
  S_BURN_DOSE: { priority: "high", text: "Skin heat dose reached its trip level." },
  S_NO_RISE: { priority: "high", text: "Heater on but not warming (heater dead or sensor off the element)." },
  S_OFF_RISING: { priority: "high", text: "Heater should be off but the element keeps warming (stuck heater switch)." },
  S_SENSOR_RANGE: { priority: "high", text: "Temperature reading out of the sensor's plausible range." },
  S_TELEMETRY_STALE: { priority: "medium", text: "No fresh telemetry from the bed." },
  S_CARRIAGE_STALL: { priority: "high", text: "Carriage stalled or over-current." },
  S_SESSION_CAP: { priority: "medium", text: "Session reached its maximum length." },
  S_HOMING_TIMEOUT: { priority: "high", text: "Carriage did not finish homing in time." },
  S_SCAN_FAILED: { priority: "high", text: "Spine scan did not find a spine." },
  S_LINK_LOST: { priority: "medium", text: "Link to the bed lost; the bed went safe on its own." },
} as const satisfies Record<string, { priority: Priority; text: string }>;
export type SupervisorCode = keyof typeof SUPERVISOR_CODES;

/** Codes that mean the program or the firmware should have prevented the situation. */
export const VIOLATION_CODES: ReadonlySet<string> = new Set(["S_ELEMENT_OVER", "S_BURN_DOSE", "S_SESSION_CAP"]);
