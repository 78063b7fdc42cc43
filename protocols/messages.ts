// Message schemas shared by both ends of the wire. The zod schemas are the contract;
// PROTOCOL.md describes the same shapes in prose for a firmware engineer.
import { z } from "zod";
import {
  DEVICE_STATES,
  EVENT_CODE_NAMES,
  LIFT_MAX,
  LIFT_MIN,
  NAK_CODE_NAMES,
  TELEMETRY_HZ_MAX,
  TELEMETRY_HZ_MIN,
  ZONES,
} from "./constants.ts";

// Protocol-level bounds (the device's own, tighter limits come in its limits table).
/** No sensor we drive reads outside this; a reading beyond it is a sensor fault. */
export const WIRE_TEMP_MIN_C = -55;
export const WIRE_TEMP_MAX_C = 250;
/** Heat setpoints the wire can carry; the device's limits table narrows it (65 °C projector). */
export const SETPOINT_MAX_C = 100;
/** Track positions the wire can carry, mm. */
export const WIRE_POSITION_MAX_MM = 2000;
export const WIRE_SPEED_MAX_MMS = 200;

const zone = z.enum(ZONES);
const int = z.number().int();

export const DeviceLimits = z.object({
  /** Highest projector setpoint the firmware accepts, °C. */
  projectorMaxC: z.number(),
  /** Highest mat setpoint, °C. */
  matMaxC: z.number(),
  /** Hard thermal cut-out temperature (element), °C. */
  cutoutC: z.number(),
  /** Usable track, mm from the home switch. */
  trackMm: z.number(),
  speedMinMmS: z.number(),
  speedMaxMmS: z.number(),
  accelMmS2: z.number(),
  liftMax: int,
  /** Load-sensor full scale, kg. */
  loadMaxKg: z.number(),
  /** Above this load the firmware refuses roller motion (heat only). */
  rollerMaxKg: z.number(),
  /** Motor over-current trip, mA. */
  motorTripMa: z.number(),
  leaseMs: int,
});
export type DeviceLimits = z.infer<typeof DeviceLimits>;

export const Identity = z.object({
  proto: int,
  model: z.string().max(40),
  serial: z.string().max(40),
  hw: z.string().max(20),
  fw: z.string().max(20),
  caps: z.array(z.string().max(20)).max(32),
  limits: DeviceLimits,
  /** A device that announces a rate outside the protocol's range is not one we can supervise. */
  telemetryHz: int.min(TELEMETRY_HZ_MIN).max(TELEMETRY_HZ_MAX),
  bootSlot: z.enum(["A", "B"]),
});
export type Identity = z.infer<typeof Identity>;

/** Command bodies (host → device), keyed by frame type. */
export const CommandBodies = {
  HELLO: z.object({
    proto: z.tuple([int.min(0), int.min(0)]),
    host: z.string().max(40),
    /** Session id: a new one resets the device's duplicate-suppression cache. */
    sid: z.string().regex(/^[0-9a-f]{8}$/),
  }),
  HEAT: z.object({ zone, targetC: z.number().min(0).max(SETPOINT_MAX_C) }),
  MOVE: z.object({
    positionMm: z.number().min(0).max(WIRE_POSITION_MAX_MM),
    speedMmS: z.number().gt(0).max(WIRE_SPEED_MAX_MMS),
  }),
  HALT: z.object({}),
  LIFT: z.object({ level: int.min(LIFT_MIN).max(LIFT_MAX) }),
  HOME: z.object({}),
  RATE: z.object({ hz: int.min(TELEMETRY_HZ_MIN).max(TELEMETRY_HZ_MAX) }),
  HB: z.object({}),
  SAFE: z.object({}),
  ESTOP: z.object({}),
  RESET: z.object({}),
  LOG: z.object({ clear: z.boolean().optional() }),
  INFO: z.object({}),
  SESSION: z.object({ state: z.enum(["start", "end"]) }),
  BOOT: z.object({
    size: int.min(1).max(8 * 1024 * 1024),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    version: z.string().max(20),
  }),
  DONE: z.object({}),
  REBOOT: z.object({}),
} as const;
export type CommandType = keyof typeof CommandBodies | "DATA";
export type CommandBody<T extends keyof typeof CommandBodies> = z.infer<(typeof CommandBodies)[T]>;

/** Reply bodies (the ACK to each command). Commands not listed reply with an empty body. */
export const ReplyBodies = {
  HELLO: Identity,
  LOG: z.object({
    entries: z.array(z.object({ atMs: z.number(), code: z.string(), detail: z.string().optional() })),
    dropped: int.min(0),
  }),
  INFO: z.object({
    state: z.enum(DEVICE_STATES),
    uptimeMs: z.number(),
    counters: z.object({
      heaterProjectorS: z.number(),
      heaterMatS: z.number(),
      carriageCycles: int,
      sessions: int,
      boots: int,
    }),
  }),
  BOOT: z.object({ chunkBytes: int, resumeOffset: int.min(0) }),
  DATA: z.object({ nextOffset: int.min(0) }),
  DONE: z.object({ sha256: z.string() }),
} as const;

export const NakBody = z.object({
  code: z.enum(NAK_CODE_NAMES),
  message: z.string().max(200),
  field: z.string().max(40).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** The device's protocol version, with E_PROTO_VERSION. */
  proto: int.optional(),
  /** With E_BOOT_OFFSET: where the transfer stands. */
  expectedOffset: int.optional(),
});
export type NakBody = z.infer<typeof NakBody>;

export const EventBody = z.object({
  code: z.enum(EVENT_CODE_NAMES),
  priority: z.enum(["high", "medium", "low"]),
  atMs: z.number(),
  zone: zone.optional(),
  detail: z.string().max(200).optional(),
});
export type EventBody = z.infer<typeof EventBody>;

/**
 * Telemetry, the hot message. On the wire it is positional (see TELEMETRY_FIELDS); this
 * schema is the same content as an object, and the fast decoder enforces the same bounds.
 */
export const Telemetry = z.object({
  tMs: int.min(0),
  state: z.enum(DEVICE_STATES),
  projectorC: z.number().min(WIRE_TEMP_MIN_C).max(WIRE_TEMP_MAX_C),
  matC: z.number().min(WIRE_TEMP_MIN_C).max(WIRE_TEMP_MAX_C),
  projectorSetC: z.number().min(0).max(SETPOINT_MAX_C),
  matSetC: z.number().min(0).max(SETPOINT_MAX_C),
  projectorDuty: z.number().min(0).max(100),
  matDuty: z.number().min(0).max(100),
  positionMm: z.number().min(-50).max(WIRE_POSITION_MAX_MM),
  targetMm: z.number().min(0).max(WIRE_POSITION_MAX_MM),
  speedMmS: z.number().min(-WIRE_SPEED_MAX_MMS).max(WIRE_SPEED_MAX_MMS),
  lift: int.min(LIFT_MIN).max(LIFT_MAX),
  motorMa: z.number().min(0).max(20000),
  loadKg: z.number().min(-10).max(500),
  flags: int.min(0).max(0xffff),
});
export type Telemetry = z.infer<typeof Telemetry>;

/** Wire order of the telemetry fields. */
export const TELEMETRY_FIELDS = [
  "tMs",
  "state",
  "projectorC",
  "matC",
  "projectorSetC",
  "matSetC",
  "projectorDuty",
  "matDuty",
  "positionMm",
  "targetMm",
  "speedMmS",
  "lift",
  "motorMa",
  "loadKg",
  "flags",
] as const satisfies readonly (keyof Telemetry)[];

/** Decoded bootloader chunk. */
export interface DataChunk {
  offset: number;
  bytes: Uint8Array;
}
