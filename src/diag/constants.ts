// The technician self-test's numbers: how long each test runs, what it expects and the limits
// it judges by. Bed physics figures are our estimates for a V6-class bed (simulator/PHYSICS.md).
import type { Zone } from "../../protocols/constants.ts";

/** Link burst: commands sent one after another (brief: "link quality over a burst"). */
export const LINK_BURST_COMMANDS = 50;
/** Gap between burst commands, so the burst spans a couple of seconds of telemetry for the CRC count. */
export const LINK_BURST_GAP_MS = 50;
/** RTT median on a healthy 115200-baud line: a 20-byte frame each way is ~4 ms plus a firmware loop. */
export const LINK_RTT_MEDIAN_MAX_MS = 50;
/** RTT p99: below the link's initial retransmission timeout (DESIGN-NOTES: 250 ms). */
export const LINK_RTT_P99_MAX_MS = 250;
/** Retransmissions allowed in the burst: a sound cable loses nothing in 50 commands, and EMI is what we look for. */
export const LINK_RETRANSMITS_MAX = 0;
/** Frames from the bed allowed to fail their CRC during the burst: none on a sound cable. */
export const LINK_CRC_ERRORS_MAX = 0;

/** How long the sensors are watched at rest. */
export const SENSOR_WATCH_MS = 2000;
/** A temperature sensor at rest in a room reads inside this range, °C (issue 6). */
export const SENSOR_REST_MIN_C = 5;
export const SENSOR_REST_MAX_C = 45;
/** Reading scatter at rest: the thermistors' noise is ≈ 0.15 °C σ (PHYSICS.md); 1 °C means a bad contact. */
export const SENSOR_NOISE_MAX_C = 1;
/** Two cold sensors in the same room agree within this, °C. */
export const SENSOR_AGREE_MAX_C = 3;
/** Both zones below this count as "cold" for the agreement test, °C (room 22 °C + a margin). */
export const SENSOR_COLD_BELOW_C = 30;
/** Empty bed: the load sensor reads within this of zero, kg (issue 6). */
export const LOAD_ZERO_MAX_KG = 3;
/** Someone is on the bed at this load (the firmware's own occupied threshold, PHYSICS.md). */
export const OCCUPIED_KG = 20;

/** Heater rise test: heat this long at full power (issue 6: "a fixed time, e.g. 60 s"). */
export const HEATER_RISE_MS = 60_000;
/** Baseline before heating: the mean over this long is the start temperature (noise 0.15 °C σ). */
export const HEATER_BASELINE_MS = 1000;
/** The setpoint sits this far above the start so the PI loop stays at full power (it backs off 5 K below). */
export const HEATER_SETPOINT_ABOVE_START_C = 20;
/** Zone too warm for a meaningful full-power minute when within this of its maximum setpoint, °C. */
export const HEATER_HEADROOM_MIN_C = 12;
/** Measured rise may differ from the expected by this fraction (room temperature, supply voltage, ageing). */
export const HEATER_RISE_TOLERANCE = 0.35;
/** Mean heater duty during the test: below this the firmware did not drive full power. */
export const HEATER_DUTY_MIN_PERCENT = 90;
/** Abort the test if the zone passes its setpoint by this much (a runaway), °C. */
export const HEATER_OVERSHOOT_ABORT_C = 3;
/** After switching off, watch the zone this long: the sensor catches up with its element within ~3 lags (≤ 9 s), then a healthy zone only cools. */
export const HEATER_OFF_WATCH_MS = 20_000;
/** The stuck-heater verdict looks at the watch's last this-long (starting 10 s after off: lag residue ≤ 0.2 K·e^-3.3 ≈ 0.01 K). */
export const HEATER_OFF_RISE_WINDOW_MS = 10_000;
/** Rise allowed over that window, K: healthy ≤ 0.05 K (lag + fitted noise); a stuck switch adds ≈ 0.6 K (mat, 200 W / 3000 J/K) to 1 K (projector). */
export const HEATER_OFF_RISE_MAX_K = 0.4;
/** Room temperature the expected rate assumes, °C (showroom, PHYSICS.md). */
export const ASSUMED_ROOM_C = 22;

export interface HeaterModel {
  /** Heater power at 100 % duty, W. */
  heaterW: number;
  /** Heat capacity of the zone, J/K. */
  capacityJK: number;
  /** Loss to the room, W/K. */
  lossWK: number;
  /** Thermistor lag: the reading trails the element by about this, s. */
  sensorLagS: number;
}

/** Per-zone figures from simulator/PHYSICS.md (our engineering estimate for a V6-class bed). */
export const HEATER_MODELS: Record<Zone, HeaterModel> = {
  // 60 W cartridge heaters into ≈ 600 J/K of jade/ceramic: 6 K/min from cold.
  projector: { heaterW: 60, capacityJK: 600, lossWK: 0.6, sensorLagS: 2 },
  // 200 W carbon-film mat into ≈ 3000 J/K with its foam: 4 K/min from cold.
  mat: { heaterW: 200, capacityJK: 3000, lossWK: 2.5, sensorLagS: 3 },
};

/** Carriage test speed: brisk (brief: sports massage 30–50 mm/s), short test, well inside 1–60 mm/s. */
export const CARRIAGE_TEST_SPEED_MMS = 50;
/** Parking speed at the end of the test. */
export const PARK_SPEED_MMS = 50;
/** Homing takes ≈ 13 s over the full track at 60 mm/s; the firmware itself gives up at 20 s. */
export const HOMING_WAIT_MS = 25_000;
/** Measured travel time may differ from the trapezoid's by this fraction (telemetry is 100 ms apart). */
export const TRAVEL_TIME_TOLERANCE = 0.1;
/** Running current limit with the lift retracted: ≈ 600 mA at 50 mm/s empty (PHYSICS.md), a heavy back adds ≈ 450 mA. */
export const MOTOR_RUNNING_MAX_MA = 1500;
/** The home switch is made only this close to home, the end switch this close to the end (firmware window), mm. */
export const SWITCH_WINDOW_MM = 5;
/** "Arrived" tolerance on the carriage position, mm. */
export const ARRIVED_MM = 1;

/** A lift level must read back within this. */
export const LIFT_READBACK_MS = 2000;

/** After a RESET, watch this long before trusting that the device stayed out of its safe state. */
export const RESET_SETTLE_MS = 500;
