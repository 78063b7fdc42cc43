// The firmware's inner loops and its own safety, run once per physics step: heater PI per
// zone, homing (and parking in `safe`), and the checks that trip the bed safe (sensor,
// cut-out, over-current, limit switches, load).
import { ZONES } from "../protocols/constants.ts";
import { CARRIAGE_CONSTANTS } from "./carriage.ts";
import {
  HOMING_SPEED_MMS,
  HOMING_TIMEOUT_MS,
  LIMIT_SWITCH_WINDOW_MM,
  OCCUPIED_KG,
  OVERCURRENT_TRIP_MS,
  SENSOR_OPEN_BELOW_C,
  SENSOR_SHORT_ABOVE_C,
  SIM_LIMITS,
} from "./constants.ts";
import type { Firmware } from "./firmware.ts";

/** Heater PI gains: full power until 5 K below the setpoint; integral settles the last kelvin in a few minutes. */
export const HEATER_KP = 20; // % duty per K
export const HEATER_KI = 0.3; // % duty per K·s
/** Travel that counts as a stroke for the cycle counter (shorter reversals are jitter), mm. */
const STROKE_MIN_MM = 20;

export function startHoming(fw: Firmware): void {
  fw.state = "homing";
  seekHome(fw);
}

/**
 * HOME in `safe` (PROTOCOL.md §9.1): the same seek for the home switch, but the bed stays
 * `safe`, heaters off and power cuts open, so a faulted bed can still be parked.
 */
export function startParking(fw: Firmware): void {
  fw.parking = true;
  seekHome(fw);
}

/** Homing or parking: the carriage is the firmware's to drive until the home switch closes. */
export function seekingHome(fw: Firmware): boolean {
  return fw.state === "homing" || fw.parking;
}

function seekHome(fw: Firmware): void {
  fw.homed = false;
  fw.targetMm = undefined;
  fw.homingSinceMs = fw.nowMs();
  fw.overcurrentSinceMs = undefined;
  fw.plant.carriage.lift = 0;
  // Drive towards (and past) the home switch; the switch, not the target, stops it.
  fw.plant.carriage.moveTo(CARRIAGE_CONSTANTS.stopLowMm - 1000, HOMING_SPEED_MMS);
}

/** Before a physics step: heater duties from the PI loops. */
export function controlBeforeStep(fw: Firmware, dtMs: number): void {
  const heatAllowed = fw.state === "idle" || fw.state === "active" || fw.state === "homing";
  for (const zone of ZONES) {
    const z = fw.zones[zone];
    if (!heatAllowed || z.setC <= 0 || fw.plant.relayOpen) {
      z.duty = 0;
      z.integ = 0;
    } else {
      const err = z.setC - fw.plant.sensorReadC(zone, false);
      const p = HEATER_KP * err;
      // Anti-windup: integrate only while the output is not saturated.
      if (p + z.integ > 0 && p + z.integ < 100) z.integ = Math.min(100, Math.max(0, z.integ + (HEATER_KI * err * dtMs) / 1000));
      z.duty = Math.min(100, Math.max(0, p + z.integ));
    }
    fw.plant.duty[zone] = z.duty;
  }
}

/** After a physics step: the firmware's own safety and bookkeeping. */
export function superviseAfterStep(fw: Firmware, dtMs: number): void {
  const plant = fw.plant;
  const c = plant.carriage;
  checkSensorsAndCutout(fw);
  if (seekingHome(fw)) homingStep(fw);
  else checkLimitSwitches(fw);

  const maTrue = plant.motorMaTrue();
  if (maTrue > SIM_LIMITS.motorTripMa) {
    fw.overcurrentSinceMs ??= fw.nowMs();
    if (fw.nowMs() - fw.overcurrentSinceMs >= OVERCURRENT_TRIP_MS) {
      fw.overcurrentSinceMs = undefined;
      if (seekingHome(fw)) fw.trip("safe", "E_HOMING_FAILED", { detail: "stall before the home switch" });
      else fw.trip("safe", "E_MOTOR_OVERCURRENT", { detail: `${Math.round(maTrue)} mA` });
    }
  } else fw.overcurrentSinceMs = undefined;

  const loadKg = plant.loadKg;
  const occupied = loadKg > OCCUPIED_KG;
  if (occupied !== fw.occupied) {
    fw.occupied = occupied;
    fw.raise("I_OCCUPANCY", { detail: occupied ? "on" : "off" });
  }
  const overweight = loadKg > SIM_LIMITS.rollerMaxKg;
  if (overweight !== fw.overweight) {
    fw.overweight = overweight;
    if (overweight) {
      // Heat only above the roller limit: stop rolling, retract, keep the heaters.
      if (!seekingHome(fw)) {
        c.halt();
        fw.targetMm = undefined;
      }
      c.lift = 0;
      fw.raise("E_OVERWEIGHT", { detail: `${Math.round(loadKg)} kg` });
    }
  }

  // Usage counters: heater-equivalent full-power seconds and direction reversals.
  for (const zone of ZONES) {
    const share = plant.zones[zone].heaterPowerW / plant.zones[zone].k.heaterW;
    if (zone === "projector") fw.counters.heaterProjectorS += (share * dtMs) / 1000;
    else fw.counters.heaterMatS += (share * dtMs) / 1000;
  }
  const dir = Math.sign(c.speedMmS);
  if (dir !== 0 && dir !== fw.lastTravelDir) {
    if (fw.lastTravelDir !== 0 && Math.abs(c.positionMm - fw.strokeStartMm) >= STROKE_MIN_MM) fw.counters.halfStrokes++;
    fw.lastTravelDir = dir;
    fw.strokeStartMm = c.positionMm;
  }

  if (fw.state === "idle" || fw.state === "active") {
    const busy = fw.zones.projector.setC > 0 || fw.zones.mat.setC > 0 || c.lift > 0 || c.targetMm !== undefined;
    fw.state = busy ? "active" : "idle";
  }
}

function checkSensorsAndCutout(fw: Firmware): void {
  const plant = fw.plant;
  for (const zone of ZONES) {
    const z = fw.zones[zone];
    const readC = plant.sensorReadC(zone, false);
    const bad = readC < SENSOR_OPEN_BELOW_C ? "E_SENSOR_OPEN" : readC > SENSOR_SHORT_ABOVE_C ? "E_SENSOR_SHORT" : undefined;
    if (bad && !z.sensorLatched) {
      z.sensorLatched = true;
      if (fw.state === "cutout" || fw.state === "estop") fw.raise(bad, { zone });
      else fw.trip("safe", bad, { zone });
    }
    // The cut-out is a bimetal on the element itself: it trips on the element's real
    // temperature even when the sensor has fallen off or the heater MOSFET is stuck on.
    const hotC = Math.max(plant.zones[zone].elementC, bad ? -Infinity : readC);
    if (hotC >= SIM_LIMITS.cutoutC && !plant.relayOpen) {
      plant.relayOpen = true;
      fw.trip("cutout", "E_CUTOUT", { zone, detail: `${hotC.toFixed(1)} °C` });
    }
  }
}

function homingStep(fw: Firmware): void {
  const c = fw.plant.carriage;
  if (c.homeSwitch) {
    c.halt();
    fw.originMm = c.positionMm;
    fw.homed = true;
    if (c.endSwitch) return fw.trip("safe", "E_LIMIT_SWITCH", { detail: "both switches active" });
    if (fw.parking) fw.parking = false;
    else fw.state = "idle";
    fw.raise("I_HOMED");
    return;
  }
  if (fw.nowMs() - fw.homingSinceMs > HOMING_TIMEOUT_MS) fw.trip("safe", "E_HOMING_FAILED", { detail: "home switch not found" });
}

function checkLimitSwitches(fw: Firmware): void {
  if (!fw.homed || !fw.powered || fw.state === "boot") return;
  const c = fw.plant.carriage;
  const pos = fw.positionMm();
  const track = SIM_LIMITS.trackMm;
  let why: string | undefined;
  if (c.homeSwitch && pos > LIMIT_SWITCH_WINDOW_MM) why = "home switch active away from home";
  else if (c.endSwitch && pos < track - LIMIT_SWITCH_WINDOW_MM) why = "end switch active away from the end";
  else if (!c.moving && pos >= track - 0.5 && !c.endSwitch) why = "end switch silent at the end";
  else if (!c.moving && pos <= 0.5 && !c.homeSwitch) why = "home switch silent at home";
  if (why && fw.state !== "safe" && fw.state !== "estop" && fw.state !== "cutout") fw.trip("safe", "E_LIMIT_SWITCH", { detail: why });
}
