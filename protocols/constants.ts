// Wire-level constants and the fault/NAK code table shared by controller and firmware.
// Every number here is part of the protocol: change one and PROTOCOL.md changes with it.

/** The protocol version this codebase speaks (both controller and simulator). */
export const PROTOCOL_VERSION = 1;
/** Range of device protocol versions the controller accepts. */
export const HOST_PROTOCOL_RANGE: readonly [number, number] = [1, 1];

/** Longest frame in bytes, newline included: a 256-byte bootloader chunk, worst-case escaped, fits. */
export const MAX_FRAME_BYTES = 640;
/** Sequence numbers are 16-bit and wrap; comparisons use serial-number arithmetic (RFC 1982). */
export const SEQ_MODULO = 65536;

/** Default lease: host silent this long → firmware goes safe on its own (brief: "about a second"). */
export const DEFAULT_LEASE_MS = 1000;
/** The host sends a heartbeat at a quarter of the lease, so three can be lost before the lease runs out. */
export const HEARTBEAT_FRACTION = 4;
/** Telemetry rate bounds, Hz (negotiated with RATE). 10 Hz default: one period = 100 ms. */
export const TELEMETRY_HZ_DEFAULT = 10;
export const TELEMETRY_HZ_MIN = 1;
export const TELEMETRY_HZ_MAX = 50;
/** Device retransmits an unacknowledged EVT after this long, up to EVT_MAX_ATTEMPTS. */
export const EVT_RETRY_MS = 300;
export const EVT_MAX_ATTEMPTS = 5;
/** How many recent command replies the device keeps for duplicate suppression. */
export const DEDUP_DEPTH = 64;
/** Outstanding commands the host may have in flight (window). */
export const COMMAND_WINDOW = 4;
/** Bootloader data chunk size in bytes (before escaping). */
export const BOOT_CHUNK_BYTES = 256;

export const ZONES = ["projector", "mat"] as const;
export type Zone = (typeof ZONES)[number];

export const DEVICE_STATES = ["boot", "homing", "idle", "active", "safe", "estop", "cutout", "bootloader"] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** Lift (intensity) levels; 0 means retracted. Ceragem Master V3 uses 1–6. */
export const LIFT_MIN = 0;
export const LIFT_MAX = 6;

/** Telemetry flag bits (the hex `flags` field). */
export const TLM_FLAGS = {
  homed: 1 << 0,
  limitHome: 1 << 1,
  limitEnd: 1 << 2,
  moving: 1 << 3,
  leaseActive: 1 << 4,
  occupied: 1 << 5,
  bootloader: 1 << 6,
  /** The firmware has commanded that zone's heater power cut open (PROTOCOL.md §9.2): its belief, not proof of no power. */
  cutProjector: 1 << 7,
  cutMat: 1 << 8,
} as const;

/** The power-cut flag bit of each zone. */
/** Capability a bed reports in its identity when each zone has an independent heater power cut (PROTOCOL.md §9.2). */
export const CAP_HEAT_CUT = "heat.cut";
export const CUT_FLAG: Record<Zone, number> = { projector: TLM_FLAGS.cutProjector, mat: TLM_FLAGS.cutMat };

export type Priority = "high" | "medium" | "low";

export interface CodeInfo {
  priority: Priority;
  /** What a person should be told. */
  text: string;
}

/**
 * Device event (EVT) codes, with IEC 60601-1-8-style priorities. Firmware raises these on
 * its own; the controller raises its own supervisor codes (src/therapy) on top.
 */
export const EVENT_CODES = {
  E_ESTOP: { priority: "high", text: "Emergency stop engaged: heaters off, carriage stopped." },
  E_CUTOUT: { priority: "high", text: "Thermal cut-out tripped: an element passed its hard limit." },
  E_SENSOR_OPEN: { priority: "high", text: "Temperature sensor reads open circuit." },
  E_SENSOR_SHORT: { priority: "high", text: "Temperature sensor reads short circuit." },
  E_MOTOR_OVERCURRENT: { priority: "high", text: "Carriage motor over-current (jam or pinch)." },
  E_LIMIT_SWITCH: { priority: "high", text: "Limit switch inconsistent (stuck or both ends active)." },
  E_HOMING_FAILED: { priority: "high", text: "Carriage could not find its home switch." },
  E_OVERWEIGHT: { priority: "medium", text: "Load above the roller weight limit." },
  W_LEASE_EXPIRED: { priority: "medium", text: "Controller went silent: device went safe on its own." },
  W_BROWNOUT: { priority: "medium", text: "Supply voltage sagged: device reset its actuators." },
  I_BOOT: { priority: "low", text: "Device booted." },
  I_OCCUPANCY: { priority: "low", text: "Load sensor occupancy changed." },
  I_HOMED: { priority: "low", text: "Carriage homed." },
} as const satisfies Record<string, CodeInfo>;
export type EventCode = keyof typeof EVENT_CODES;
export const EVENT_CODE_NAMES = Object.keys(EVENT_CODES) as [EventCode, ...EventCode[]];

/** Reasons a device refuses a command (NAK). */
export const NAK_CODES = {
  E_RANGE: "A field is outside its allowed range (see field, min, max).",
  E_BAD_BODY: "The body does not match the command's schema.",
  E_UNKNOWN_TYPE: "The device does not know this frame type.",
  E_SAFE_STATE: "Device is in its safe state; send RESET first.",
  E_ESTOP_LATCHED: "Emergency stop is latched; send RESET when the cause is cleared.",
  E_CUTOUT_LATCHED: "Thermal cut-out is latched until the element cools and RESET is sent.",
  E_NOT_HOMED: "Carriage is not homed; send HOME first.",
  E_BUSY: "Device is busy (homing, or a transfer is in progress).",
  E_OVERWEIGHT: "Roller commands are refused above the weight limit (heat only).",
  E_PROTO_VERSION: "The device does not speak the requested protocol version.",
  E_NOT_BOOTLOADER: "Command only valid in bootloader mode.",
  E_BOOT_OFFSET: "Chunk offset is not the next expected one (see expectedOffset).",
  E_BOOT_VERIFY: "Image failed verification (size or SHA-256).",
  E_NO_HANDSHAKE: "Send HELLO first.",
} as const;
export type NakCode = keyof typeof NAK_CODES;
export const NAK_CODE_NAMES = Object.keys(NAK_CODES) as [NakCode, ...NakCode[]];

/** Serial-number comparison for 16-bit sequence numbers: true when a is newer than b. */
export function seqNewer(a: number, b: number): boolean {
  const d = (a - b + SEQ_MODULO) % SEQ_MODULO;
  return d !== 0 && d < SEQ_MODULO / 2;
}

export function nextSeq(s: number): number {
  return (s + 1) % SEQ_MODULO;
}

/**
 * Which actuator a command drives, for the per-actuator stale rule (PROTOCOL.md §7) and the
 * host's one-command-per-actuator window (§6); undefined for commands that drive none.
 */
export function actuatorOf(type: string, body: unknown): string | undefined {
  switch (type) {
    case "HEAT":
      return `heat:${String((body as { zone?: unknown } | undefined)?.zone)}`;
    case "MOVE":
    case "HALT":
    case "HOME":
      return "carriage";
    case "LIFT":
      return "lift";
    default:
      return undefined;
  }
}
