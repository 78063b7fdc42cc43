// HELLO (PROTOCOL.md §8): the version check, a new session's reset of duplicate and stale
// state, and the Identity the ACK carries. A HELLO never takes the bed out of `safe`: only an
// explicit RESET does, so a reconnect cannot close the power cut of a heater caught stuck.
import type { CommandFrame } from "../protocols/codec.ts";
import { SIM_CAPS, SIM_LIMITS } from "./constants.ts";
import type { Firmware } from "./firmware.ts";

export function hello(fw: Firmware, f: Extract<CommandFrame, { type: "HELLO" }>): void {
  if (f.body.sid === fw.sid) {
    const cached = fw.replies.get(f.seq);
    if (cached !== undefined) return fw.o.send(cached, "reply");
  }
  const v = fw.protocolVersion;
  const [min, max] = f.body.proto;
  if (v < min || v > max) {
    return fw.answer(f.seq, { nak: { code: "E_PROTO_VERSION", message: `device speaks protocol ${v}; host asked for ${min}–${max}`, proto: v } }, false);
  }
  if (f.body.sid !== fw.sid) {
    fw.replies.clear();
    fw.lastApplied.clear();
  }
  fw.sid = f.body.sid;
  fw.renewLease();
  fw.answer(f.seq, { ack: identity(fw) }, true);
  fw.o.bootloader.confirm();
}

export function identity(fw: Firmware): Record<string, unknown> {
  const boot = fw.o.bootloader;
  return { proto: fw.protocolVersion, ...fw.o.identity, fw: boot.runningVersion, caps: SIM_CAPS, limits: SIM_LIMITS, telemetryHz: fw.telemetryHz, bootSlot: boot.running };
}
