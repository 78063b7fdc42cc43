// What the firmware does with each host command once it is past the handshake and the
// duplicate cache: state gates, the limits table (E_RANGE with field/min/max), the
// per-actuator stale-seq rule, then the action.
import type { CommandFrame, DecodeError } from "../protocols/codec.ts";
import { actuatorOf, DEDUP_DEPTH } from "../protocols/constants.ts";
import type { NakBody } from "../protocols/messages.ts";
import { CUTOUT_RELEASE_MARGIN_C, SIM_LIMITS } from "./constants.ts";
import type { BootFrame } from "./bootloader.ts";
import { startHoming, startParking } from "./control.ts";
import type { Firmware } from "./firmware.ts";

export type Reply = { ack: Record<string, unknown> | undefined } | { nak: NakBody };

const ack = (body?: Record<string, unknown>): Reply => ({ ack: body });
const nak = (code: NakBody["code"], message: string, extra: Partial<NakBody> = {}): Reply => ({ nak: { code, message, ...extra } });

/** Device limits per command field: [min, max]. The wire allows wider; the firmware narrows. */
function limitsFor(type: string, body: Record<string, unknown>): Record<string, readonly [number, number]> {
  const L = SIM_LIMITS;
  switch (type) {
    case "HEAT":
      return { targetC: [0, body.zone === "mat" ? L.matMaxC : L.projectorMaxC] };
    case "MOVE":
      return { positionMm: [0, L.trackMm], speedMmS: [L.speedMinMmS, L.speedMaxMmS] };
    case "LIFT":
      return { level: [0, L.liftMax] };
    case "RATE":
      return { hz: [1, 50] };
    default:
      return {};
  }
}

/** An E_RANGE NAK when a numeric field is outside the device's limits table. */
export function rangeNak(type: string, body: Record<string, unknown>): NakBody | undefined {
  for (const [field, [min, max]] of Object.entries(limitsFor(type, body))) {
    const v = body[field];
    if (typeof v === "number" && (v < min || v > max || Number.isNaN(v))) {
      return { code: "E_RANGE", message: `${field} ${v} is outside ${min}–${max}`, field, min, max };
    }
  }
  return undefined;
}

/** A CRC-good frame whose body failed the schema: E_RANGE when a number is out of the device's range, else E_BAD_BODY. */
export function nakForRawBody(e: DecodeError, line: string): NakBody {
  const star = line.lastIndexOf("*");
  const m = /^([A-Z]{2,5}) \d+ (.*)$/.exec(line.slice(0, star));
  if (m) {
    try {
      const raw = JSON.parse(m[2]!) as unknown;
      if (raw && typeof raw === "object" && !Array.isArray(raw)) {
        const r = rangeNak(m[1]!, raw as Record<string, unknown>);
        if (r) return r;
      }
    } catch {
      // Not JSON: E_BAD_BODY below says so.
    }
  }
  return { code: "E_BAD_BODY", message: e.detail.slice(0, 200), ...(e.field ? { field: e.field } : {}) };
}

/** In `safe`, commands that only make the bed safer or park it (PROTOCOL.md §9.1): HALT, LIFT 0, HOME. */
function allowedInSafe(f: CommandFrame): boolean {
  return f.type === "HALT" || f.type === "HOME" || (f.type === "LIFT" && f.body.level === 0);
}

function stateGate(fw: Firmware, f: CommandFrame): Reply | undefined {
  if (fw.state === "safe" && allowedInSafe(f)) return undefined;
  switch (fw.state) {
    case "estop":
      return nak("E_ESTOP_LATCHED", "emergency stop is latched; send RESET");
    case "cutout":
      return nak("E_CUTOUT_LATCHED", "thermal cut-out is latched; let the element cool and send RESET");
    case "safe":
      return nak("E_SAFE_STATE", "device is in its safe state; send RESET");
    case "bootloader":
      return nak("E_BUSY", "device is in bootloader mode");
    case "boot":
      return nak("E_BUSY", "device is booting");
    default:
      return undefined;
  }
}

export function executeCommand(fw: Firmware, f: CommandFrame): Reply {
  const key = actuatorOf(f.type, f.body);
  if (key) {
    const gate = stateGate(fw, f);
    if (gate) return gate;
    const range = rangeNak(f.type, f.body as Record<string, unknown>);
    if (range) return { nak: range };
    const refused = actuatorRefusal(fw, f);
    if (refused) return refused;
    const last = fw.lastApplied.get(key);
    // Stale = a little behind the last applied (reordered in flight). Anything further behind is
    // a command after a long quiet spell whose number has come round: apply it.
    if (last !== undefined && f.seq !== last && ((last - f.seq) & 0xffff) < DEDUP_DEPTH) return ack({ stale: true });
    fw.lastApplied.set(key, f.seq);
    // commands-ignored: the command handler answers, the output stage never sees it.
    if (!fw.bugs.commandsIgnored) applyActuator(fw, f);
    return ack();
  }
  return otherCommand(fw, f);
}

function actuatorRefusal(fw: Firmware, f: CommandFrame): Reply | undefined {
  const rolls = f.type === "MOVE" || (f.type === "LIFT" && f.body.level > 0);
  if (rolls && fw.overweight) return nak("E_OVERWEIGHT", `load above ${SIM_LIMITS.rollerMaxKg} kg: heat only`);
  if ((f.type === "MOVE" || f.type === "LIFT") && fw.state === "homing") return nak("E_BUSY", "carriage is homing");
  if (f.type === "MOVE" && !fw.homed) return nak("E_NOT_HOMED", "carriage is not homed; send HOME");
  return undefined;
}

function applyActuator(fw: Firmware, f: CommandFrame): void {
  const c = fw.plant.carriage;
  switch (f.type) {
    case "HEAT":
      fw.zones[f.body.zone].setC = f.body.targetC;
      break;
    case "MOVE":
      fw.targetMm = f.body.positionMm;
      c.moveTo(f.body.positionMm + fw.originMm, f.body.speedMmS);
      break;
    case "HALT":
      // Homing is the firmware's own motion; a HALT during it does not leave the carriage unhomed.
      // Parking in `safe` is the host's: HALT stops it there, unhomed.
      if (fw.state !== "homing") {
        fw.targetMm = undefined;
        fw.parking = false;
        c.halt();
      }
      break;
    case "HOME":
      if (fw.state === "safe") {
        if (!fw.parking) startParking(fw);
      } else if (fw.state !== "homing") startHoming(fw);
      break;
    case "LIFT":
      c.lift = f.body.level;
      break;
    default:
      break;
  }
  if (fw.state === "idle") fw.state = "active";
}

function otherCommand(fw: Firmware, f: CommandFrame): Reply {
  switch (f.type) {
    case "HB":
      return ack();
    case "RATE": {
      const range = rangeNak("RATE", f.body);
      if (range) return { nak: range };
      fw.telemetryHz = f.body.hz;
      fw.o.rateChanged();
      return ack();
    }
    case "SAFE":
      if (fw.bugs.safeIgnored) return ack();
      if (fw.state !== "estop" && fw.state !== "cutout" && fw.state !== "bootloader") fw.trip("safe", undefined);
      return ack();
    case "RESET":
      return reset(fw);
    case "LOG": {
      const body = fw.log.reply();
      if (f.body.clear) fw.log.clear();
      return ack(body);
    }
    case "INFO": {
      const k = fw.counters;
      return ack({
        state: fw.state,
        uptimeMs: Math.round(fw.nowMs() - fw.bootAtMs),
        counters: { heaterProjectorS: Math.round(k.heaterProjectorS), heaterMatS: Math.round(k.heaterMatS), carriageCycles: Math.floor(k.halfStrokes / 2), sessions: k.sessions, boots: k.boots },
      });
    }
    case "SESSION":
      if (f.body.state === "start") fw.counters.sessions++;
      return ack();
    case "BOOT":
    case "DONE":
    case "REBOOT":
      return fw.o.bootloader.command(fw, f);
    default:
      if ((f as { type: string }).type === "DATA") return fw.o.bootloader.command(fw, f as unknown as BootFrame);
      return nak("E_UNKNOWN_TYPE", `no handler for ${(f as { type: string }).type}`);
  }
}

function reset(fw: Firmware): Reply {
  // The cut-out latch is the open relay, whatever state came after it (an ESTOP, a reboot):
  // it is released only once the element has cooled.
  if (fw.state === "cutout" || fw.plant.relayOpen) {
    const hottest = Math.max(fw.plant.zones.projector.elementC, fw.plant.zones.mat.elementC);
    if (hottest > SIM_LIMITS.cutoutC - CUTOUT_RELEASE_MARGIN_C) return nak("E_CUTOUT_LATCHED", `element at ${hottest.toFixed(1)} °C; must cool below ${SIM_LIMITS.cutoutC - CUTOUT_RELEASE_MARGIN_C} °C first`);
    fw.plant.relayOpen = false;
  }
  for (const z of Object.values(fw.zones)) z.sensorLatched = false;
  fw.overcurrentSinceMs = undefined;
  if (fw.isLatched() || fw.state === "bootloader") {
    fw.safeActuators();
    fw.leaveLatched();
    if (!fw.homed) startHoming(fw);
  }
  return ack();
}
