// The simulated bed's own numbers: its limits table (reported in the handshake), firmware
// timing, and defaults. Physics constants live with their models (thermal.ts, carriage.ts, person.ts).
import { CAP_HEAT_CUT, DEFAULT_LEASE_MS, LIFT_MAX, PROTOCOL_VERSION } from "../protocols/constants.ts";
import type { DeviceLimits } from "../protocols/messages.ts";

/** The limits table from the bed geometry in protocols/DESIGN-NOTES.md. */
export const SIM_LIMITS: DeviceLimits = {
  projectorMaxC: 65, // brief: element maximum 65 °C (commonly quoted for the product)
  matMaxC: 60, // brief: mat 60 °C
  cutoutC: 70, // DESIGN-NOTES: firmware cut-out 70 °C, above the highest setpoint
  trackMm: 780, // DESIGN-NOTES: track 0–780 mm from the home switch
  speedMinMmS: 1, // DESIGN-NOTES: speed 1–60 mm/s
  speedMaxMmS: 60,
  accelMmS2: 200, // DESIGN-NOTES: acceleration 200 mm/s²
  liftMax: LIFT_MAX, // Ceragem Master V3: intensity 1–6
  loadMaxKg: 250, // DESIGN-NOTES: load sensor full scale 250 kg
  rollerMaxKg: 136, // Nuga Best operator rules: 300 lb
  motorTripMa: 3000, // DESIGN-NOTES: motor trip 3000 mA
  leaseMs: DEFAULT_LEASE_MS,
};

export const SIM_IDENTITY = {
  model: "CGM-V6-SIM",
  serial: "SIM-000001",
  hw: "rev-C",
  fw: "1.4.0-sim",
};

export const SIM_PROTOCOL_VERSION = PROTOCOL_VERSION;

/** What the simulated firmware can do (Identity.caps). */
export const SIM_CAPS = ["heat.projector", "heat.mat", CAP_HEAT_CUT, "carriage", "lift", "load", "scan", "log", "bootloader"];

/** Physics integration step: small against every time constant in the model (≥ 1 s), cheap enough for 10,000× real time. */
export const PHYSICS_STEP_MS = 20;
/** Step while the carriage stands: the thermal model's fastest time constant (sensor lag, 2 s) is 20× longer. */
export const QUIET_STEP_MS = 100;
/** Firmware main-loop period at most this long, so safety checks react within 100 ms even at 1 Hz telemetry. */
export const FIRMWARE_TICK_MAX_MS = 100;
/** Firmware start-up before homing begins (clock, ADC calibration): typical MCU boot. */
export const BOOT_MS = 300;
/** Homing speed: the top of the brief's roller range (50 mm/s; a person may be lying on it), so a full-track homing takes ≈ 16 s. */
export const HOMING_SPEED_MMS = 50;
/** Homing gives up after a full track at homing speed plus margin. */
export const HOMING_TIMEOUT_MS = 20_000;
/** Time the firmware spends on one queued command (parse + apply): a small MCU's budget. */
export const COMMAND_PROCESS_MS = 2;
/** Load above this means someone is on the bed (a pillow or a bag stays below). */
export const OCCUPIED_KG = 20;
/** Over-current must persist this long before the firmware trips (inrush at start is shorter). */
export const OVERCURRENT_TRIP_MS = 100;
/** An NTC reading below this is an open circuit, above this a short (wire range −55…250 °C). */
export const SENSOR_OPEN_BELOW_C = -40;
export const SENSOR_SHORT_ABOVE_C = 200;
/** Cut-out releases only once the element is this far below the cut-out temperature (hysteresis). */
export const CUTOUT_RELEASE_MARGIN_C = 10;
/** Error log ring buffer length (entries): a LOG reply holds them all in one 640-byte frame. */
export const ERROR_LOG_DEPTH = 8;
/** The end switch must read active within this of the track end, and the home switch only this near home. */
export const LIMIT_SWITCH_WINDOW_MM = 5;
