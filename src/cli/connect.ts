// Opens a bed for a CLI command: the built-in simulator (in-process, on the command's clock),
// a serial port or a TCP bridge. Also drives a virtual clock while waiting for real work.
import { VirtualClock, type Clock } from "../../protocols/clock.ts";
import type { FaultSpec, SimulatedBed } from "../../simulator/index.ts";
import { Prng } from "../../simulator/prng.ts";
import { BedDriver } from "../device/bed.ts";
import { createSimulatedConnection } from "../device/simulated.ts";
import type { Logger } from "../log.ts";
import { DEFAULT_BAUD, transportFromSpec } from "../transport/index.ts";
import type { PersonOption, Target } from "./runOptions.ts";

export interface OpenBedOptions {
  clock: Clock;
  logger: Logger;
  seed?: number;
  person?: PersonOption | null;
  faults?: FaultSpec[];
  baud?: number;
}

export interface OpenedBed {
  bed: BedDriver;
  sim?: SimulatedBed;
}

export async function openBed(target: Target, opts: OpenBedOptions): Promise<OpenedBed> {
  if (target.kind === "sim") {
    const { sim, transport } = createSimulatedConnection({ clock: opts.clock, seed: opts.seed, person: opts.person, faults: opts.faults, logger: opts.logger });
    // Session ids and starting sequence numbers from the same seed: a simulated run is
    // reproducible byte for byte (CI can replay a failure with its --seed).
    const prng = new Prng((opts.seed ?? 1) ^ 0x5eed);
    const bed = await settle(opts.clock, BedDriver.connect({ transport, clock: opts.clock, logger: opts.logger, random: () => prng.next() }), 30_000);
    return { bed, sim };
  }
  const transport = transportFromSpec(target.kind === "port" ? { port: target.path, baud: opts.baud } : { tcp: target.address }, opts.clock);
  const baud = target.kind === "port" ? (opts.baud ?? DEFAULT_BAUD) : undefined;
  const bed = await BedDriver.connect({ transport, clock: opts.clock, logger: opts.logger, baud });
  return { bed };
}

/**
 * Waits for a promise; on a virtual clock, advances time until it settles (at most maxMs of
 * virtual time, then it fails rather than hang).
 */
export async function settle<T>(clock: Clock, work: Promise<T>, maxMs: number): Promise<T> {
  if (!(clock instanceof VirtualClock)) return work;
  let done = false;
  const watched = work.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  const ok = await clock.advanceUntil(() => done, maxMs);
  if (!ok) throw new Error(`no answer within ${maxMs / 1000} s of simulated time`);
  return watched;
}

/**
 * Drives a virtual clock until done() holds: flat out ("max"), or paced at `speed` × real time
 * against the real clock (each chunk is at least 20 ms of wall time, so timer granularity does
 * not slow the pace).
 */
export async function driveClock(clock: Clock, done: () => boolean, speed: number | "max", maxMs: number, real: Clock): Promise<boolean> {
  if (!(clock instanceof VirtualClock)) {
    while (!done()) await real.sleep(50);
    return true;
  }
  const virtualStart = clock.now();
  const wallStart = real.now();
  const chunkMs = speed === "max" ? maxMs : Math.max(100, speed * 20);
  while (!done()) {
    const elapsed = clock.now() - virtualStart;
    if (elapsed >= maxMs) return false;
    await clock.advanceUntil(done, Math.min(chunkMs, maxMs - elapsed));
    if (speed !== "max" && !done()) {
      const dueWallMs = wallStart + (clock.now() - virtualStart) / speed;
      const waitMs = dueWallMs - real.now();
      if (waitMs > 0) await real.sleep(waitMs);
    }
  }
  return true;
}
