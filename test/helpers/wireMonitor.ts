// Reads the simulator's wire log as frames: what the host sent the bed (`toBed`) and what the bed
// sent back, with the simulator's own clock. Safety tests check the wire, not what the controller
// believes it did.
import { decodeFrame } from "../../protocols/codec.ts";
import type { SimulatedBed } from "../../simulator/index.ts";

export interface WireFrame {
  /** Simulator time, ms from its start. */
  atMs: number;
  toBed: boolean;
  type: string;
  body: Record<string, unknown>;
}

/** Commands that heat or move: none may follow an emergency stop until a technician releases it. */
export const DRIVING_TYPES: ReadonlySet<string> = new Set(["HEAT", "MOVE", "LIFT", "HOME"]);

export function wireFrames(sim: SimulatedBed, fromIndex = 0): WireFrame[] {
  const out: WireFrame[] = [];
  for (const entry of sim.wireLog.slice(fromIndex)) {
    const m = /^(\d+(?:\.\d+)?) ([<>]) (.*)$/.exec(entry);
    if (!m) continue;
    const r = decodeFrame(m[3]!);
    if (!r.ok) continue;
    out.push({ atMs: Number(m[1]), toBed: m[2] === "<", type: r.frame.type, body: (r.frame.body ?? {}) as Record<string, unknown> });
  }
  return out;
}

/** The simulator's clock, ms from its start (wire-log timestamps count from there). */
export function simNowMs(sim: SimulatedBed): number {
  return sim.truth.tMs;
}

/** Frames the host sent that heat or move, after simMs (a zero setpoint or lift counts too). */
export function drivingFramesAfter(sim: SimulatedBed, simMs: number): WireFrame[] {
  return wireFrames(sim).filter((f) => f.toBed && f.atMs > simMs && DRIVING_TYPES.has(f.type));
}

/** The last frame of any kind the host sent (what renews the bed's lease). */
export function lastHostFrame(sim: SimulatedBed, types?: ReadonlySet<string>): WireFrame | undefined {
  return wireFrames(sim)
    .filter((f) => f.toBed && f.type !== "ACK" && (!types || types.has(f.type)))
    .at(-1);
}
