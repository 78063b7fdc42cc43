// The controller's own safety numbers, independent of the program and of the firmware's limits.
// Each has its source; tighter than the brief is fine, looser is not. Reason texts: reasons.ts.

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
/** IEC 60601-1 table 24 (applied parts): skin contact ≥ 10 min at most 43 °C, 1–10 min at most 48 °C. */
export const IEC_LONG_CONTACT_MAX_C = 43;
export const IEC_LONG_CONTACT_MS = 10 * 60_000;
export const IEC_SHORT_CONTACT_MAX_C = 48;

/** Runaway: heater driven hard this long without a 1 °C rise = heater dead or sensor off the element. */
export const RUNAWAY_NO_RISE_WATCH_MS = 45_000;
export const RUNAWAY_NO_RISE_MIN_DUTY_PCT = 60;
export const RUNAWAY_NO_RISE_MIN_RISE_C = 1;
/** …counted only while the element is this far below its setpoint (the PI loop is at full power there). */
export const RUNAWAY_NO_RISE_BELOW_SETPOINT_C = 3;
/**
 * Runaway: at full power (≥ 95 % duty) and more than 5 °C below its setpoint, a zone must warm at
 * least this fast over each minute, or its reading is not its element's (a sensor half out of its
 * pocket). Half the slowest healthy rate on our physics at those temperatures (projector 60 W into
 * 600 J/K ≈ 0.07 K/s, mat 200 W into 3000 J/K ≈ 0.04 K/s, both net of losses to room and person).
 * Our estimate: a bed's own profile should carry its heaters' rates (protocol issue).
 */
export const RUNAWAY_FULL_POWER_MIN_RISE_K_PER_S = { projector: 0.035, mat: 0.02 } as const;
export const RUNAWAY_FULL_POWER_DUTY_PCT = 95;
export const RUNAWAY_FULL_POWER_BELOW_SETPOINT_C = 5;
export const RUNAWAY_FULL_POWER_WINDOW_MS = 60_000;
/**
 * Runaway: a heater commanded off (setpoint 0, duty 0, or the element above its setpoint, where a
 * PI loop's overshoot stays under 1 °C) whose element warms this much above the coolest reading
 * since = a stuck switch. 0.8 °C on a 1-s average: a stuck projector heater (60 W into 600 J/K)
 * warms ≈ 0.07 K/s and a stuck mat (200 W into 3000 J/K) ≈ 0.04 K/s, so it shows within 12–22 s
 * of being commanded off (30 s required). Marlin's watch (2 °C in 20–60 s) is the anchor, tightened
 * for a person lying on it; the floor is the sensor's lag behind a heater that just switched off
 * (τ 2–3 s at ≤ 0.1 K/s: ≈ 0.3 °C) plus the average's own lag, so a healthy zone never trips.
 */
export const RUNAWAY_OFF_RISING_C = 0.8;
export const RUNAWAY_ABOVE_SETPOINT_C = 1;
/** …counted only above body temperature: a person lying on a cold element warms it to ~35 °C, a stuck heater goes on past it. */
export const RUNAWAY_OFF_RISING_ABOVE_C = 37;
/** Averaging time of the readings the runaway checks compare (sensor noise σ 0.1–0.15 °C becomes ~0.03 °C). */
export const RUNAWAY_FILTER_TAU_MS = 1_000;
/** A power cut closed this long, with the zone heating again, ends its watch (a flag that chatters never does). */
export const CUT_CLOSED_RESET_MS = 10_000;
/** After the power cut, a zone must cool (or at least not warm by RUNAWAY_OFF_RISING_C) within this: else it cannot be switched off. */
export const CUT_WATCH_MS = 60_000;

/** Telemetry older than this many periods is stale (brief: "a few periods"); 5 × 100 ms stays inside the 1 s lease. */
export const STALE_TELEMETRY_PERIODS = 5;

/** How old telemetry may be at the bed's rate before it is stale (periods of at least 100 ms: faster rates don't shorten it). */
export function staleAfterMs(telemetryHz: number): number {
  return STALE_TELEMETRY_PERIODS * Math.max(1000 / telemetryHz, 100);
}
/** Readings that repeat exactly for this long with someone on the bed are frozen: a breathing person never loads the cells the same way 50 frames running. */
export const FROZEN_TELEMETRY_MS = 5_000;

/** Carriage stall: commanded to move, yet this little progress in this long. */
export const STALL_WATCH_MS = 2_000;
export const STALL_MIN_PROGRESS_MM = 1; // half of what the slowest allowed creep (1 mm/s) covers in the watch
/** A carriage commanded this far from where it is counts as wanting to move. */
export const STALL_TARGET_MIN_MM = 5;
/** Fraction of the firmware's motor trip at which the controller already calls it a stall. */
export const STALL_CURRENT_FRACTION = 0.9;
/** …held this long (two telemetry periods): the firmware itself filters 100 ms, reversals peak for less. */
export const STALL_CURRENT_MS = 200;

/** Hard maximum session length (brief: 60 min), plus the cool-down allowance beyond the program. */
export const SESSION_CAP_MS = 60 * 60_000;
export const SESSION_CAP_GRACE_MS = 2 * 60_000;

/** Someone counts as on the bed above this load (a pillow or a bag is not a person). */
export const OCCUPIED_MIN_KG = 20;
/** A weight change the session is told about (someone shifting is less; someone else lying down is more). */
export const PRESENCE_WEIGHT_CHANGE_KG = 5;
/** Roller programs are refused above this weight (brief: Nuga Best operator rules, 136 kg). */
export const ROLLER_MAX_WEIGHT_KG = 136;
