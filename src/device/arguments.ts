// Argument checks against the device's own limits table, before anything is sent: the
// firmware checks too, but a technician deserves an error naming the field and its range.
import { TELEMETRY_HZ_MAX, TELEMETRY_HZ_MIN, ZONES, type Zone } from "../../protocols/constants.ts";
import type { DeviceLimits } from "../../protocols/messages.ts";
import { BedlinkError, ErrorCode } from "../errors.ts";

export function checkRange(field: string, value: unknown, min: number, max: number, unit = "", integer = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const kind = integer ? "a whole number" : "a number";
    throw new BedlinkError(ErrorCode.InvalidArgument, `${field} must be ${kind} from ${min} to ${max}${unit} (got ${JSON.stringify(value) ?? String(value)})`, {
      field,
      min,
      max,
      value,
    });
  }
  return value as number;
}

export function checkZone(zone: unknown): Zone {
  if (!ZONES.includes(zone as Zone)) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `zone must be one of ${ZONES.join(", ")} (got ${JSON.stringify(zone)})`, {
      field: "zone",
      allowed: [...ZONES],
      value: zone,
    });
  }
  return zone as Zone;
}

export function checkHeat(limits: DeviceLimits, zone: unknown, targetC: unknown): void {
  const z = checkZone(zone);
  checkRange("targetC", targetC, 0, z === "projector" ? limits.projectorMaxC : limits.matMaxC, " °C");
}

export function checkMove(limits: DeviceLimits, positionMm: unknown, speedMmS: unknown): void {
  checkRange("positionMm", positionMm, 0, limits.trackMm, " mm");
  checkRange("speedMmS", speedMmS, limits.speedMinMmS, limits.speedMaxMmS, " mm/s");
}

export function checkLift(limits: DeviceLimits, level: unknown): void {
  checkRange("level", level, 0, limits.liftMax, "", true);
}

export function checkTelemetryRate(hz: unknown): void {
  checkRange("hz", hz, TELEMETRY_HZ_MIN, TELEMETRY_HZ_MAX, " Hz", true);
}
