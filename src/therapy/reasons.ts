// Every reason a session can give, in one table: the code, its alarm priority (IEC 60601-1-8
// style) and the words staff read. The machine, the supervisor, the panel and the CLI all take
// their texts from here; device event codes keep theirs in protocols/constants.ts.
import { EVENT_CODES, type EventCode, type Priority } from "../../protocols/constants.ts";
import { DEVICE_SAFETY_CODES } from "../device/orders.ts";

/** Said when someone must act now: the controller cannot make the bed any safer by itself. */
export const HELP_OFF_THE_BED = "Help the person off the bed and switch it off at the mains switch.";

/** Trips of the safety supervisor (src/therapy/supervisor.ts). */
export const SUPERVISOR_CODES = {
  S_ELEMENT_OVER: { priority: "high", text: "The {zone} element is above its temperature ceiling." },
  S_BURN_DOSE: { priority: "high", text: "The skin heat dose under the {zone} reached its trip level." },
  S_SKIN_OVER_43: { priority: "high", text: "The skin under the {zone} was over 43 °C for 10 minutes in all (IEC 60601-1 limit)." },
  S_SKIN_OVER_48: { priority: "high", text: "The skin under the {zone} went over 48 °C (IEC 60601-1 limit)." },
  S_NO_RISE: { priority: "high", text: "The {zone} heater is on but not warming (heater dead or sensor off the element)." },
  S_OFF_RISING: { priority: "high", text: "The {zone} heater keeps warming while switched off (stuck heater switch): its power was cut. Help the person off the bed." },
  S_HEATER_NOT_CUT: { priority: "high", text: `The {zone} heater keeps warming although its power was cut. ${HELP_OFF_THE_BED}` },
  S_SENSOR_RANGE: { priority: "high", text: "The {zone} temperature reading is outside the sensor's plausible range." },
  S_TELEMETRY_STALE: { priority: "medium", text: "No fresh telemetry from the bed." },
  S_TELEMETRY_FROZEN: { priority: "high", text: "The bed's readings stopped changing (its sensors may have hung): it was switched to its safe state." },
  S_CARRIAGE_STALL: { priority: "high", text: "Carriage stalled or over-current." },
  S_SESSION_CAP: { priority: "medium", text: "Session reached its maximum length." },
} as const satisfies Record<string, { priority: Priority; text: string }>;
export type SupervisorCode = keyof typeof SUPERVISOR_CODES;

/** The session's own reasons: operator actions, timeouts, the link, work that failed. */
const SESSION_OWN_CODES = {
  STOPPED: { priority: "low", text: "Stopped by the operator." },
  PAUSED: { priority: "low", text: "Paused by the operator." },
  OCCUPANCY_LOST: { priority: "medium", text: "Nobody on the bed: paused, heaters idle." },
  NOT_OCCUPIED: { priority: "low", text: "Cannot resume: nobody on the bed." },
  NOBODY_ON_BED: { priority: "low", text: "Nobody on the bed for the whole wait: this unattended run stopped (--occupancy-wait)." },
  OVERWEIGHT: { priority: "medium", text: "Weight over this program's limit: choose a heat-only program." },
  PRECHECK_TIMEOUT: { priority: "low", text: "Nobody lay down, or the cover and screening were not confirmed, within 5 minutes." },
  PAUSE_TIMEOUT: { priority: "low", text: "Paused for more than 10 minutes: session ended." },
  RESUME_TIMEOUT: { priority: "low", text: "No resume-or-abort choice within 5 minutes." },
  ABORTED: { priority: "low", text: "Aborted by the operator after the link came back." },
  ABORTED_UNATTENDED: { priority: "low", text: "Link came back; this unattended run aborts rather than resume (--after-link-loss abort)." },
  E_ESTOP: { priority: "high", text: "Emergency stop pressed." },
  E_ESTOP_DEVICE: { priority: "high", text: "Emergency stop reported by the bed." },
  S_LINK_FAILED: { priority: "medium", text: "Could not connect to the bed." },
  S_LINK_LOST: { priority: "medium", text: "Link to the bed lost; the bed went safe on its own." },
  S_LINK_LOST_LONG: { priority: "medium", text: "Link to the bed lost for more than 2 minutes." },
  S_HOMING_TIMEOUT: { priority: "high", text: "Carriage did not finish homing in time." },
  S_SCAN_FAILED: { priority: "high", text: "Spine scan did not find a spine." },
  S_COMMAND_FAILED: { priority: "medium", text: "A command to the bed failed." },
  S_ESTOP_LATCHED: { priority: "high", text: "The bed's emergency stop is latched: a technician must release it." },
} as const satisfies Record<string, { priority: Priority; text: string }>;

export const SESSION_CODES = { ...SUPERVISOR_CODES, ...DEVICE_SAFETY_CODES, ...SESSION_OWN_CODES } as const;
export type SessionCode = keyof typeof SESSION_CODES;

/** Codes that mean the program or the firmware should have prevented the situation. */
export const VIOLATION_CODES: ReadonlySet<string> = new Set(["S_ELEMENT_OVER", "S_BURN_DOSE", "S_SKIN_OVER_43", "S_SKIN_OVER_48", "S_SESSION_CAP"]);

/** Why the session is where it is, in words an operator can act on. */
export interface SessionReason {
  code: string;
  priority: Priority;
  text: string;
  atMs: number;
}

/** The reason for a code from the table; `text` only where the words depend on the case (a weight, an error). */
export function reasonOf(code: SessionCode | EventCode, atMs: number, text?: string): SessionReason {
  const info = code in SESSION_CODES ? SESSION_CODES[code as SessionCode] : EVENT_CODES[code as EventCode];
  return { code, priority: info.priority, text: text ?? info.text, atMs };
}

/** Staff's words for a zone. */
export function zoneWords(zone: string | undefined): string {
  return zone === "projector" ? "back projector" : zone === "mat" ? "leg mat" : "heater";
}

/** A reason's words for its zone: fills a "{zone}" placeholder, or names the zone before the final full stop. */
export function withZone(text: string, zone: string | undefined): string {
  if (text.includes("{zone}")) return text.replaceAll("{zone}", zoneWords(zone));
  if (!zone) return text;
  return text.endsWith(".") ? `${text.slice(0, -1)} (${zoneWords(zone)}).` : `${text} (${zoneWords(zone)})`;
}
