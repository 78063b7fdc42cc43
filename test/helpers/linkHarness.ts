// Wires a Link or BedDriver to a ScriptedBed over the in-memory pair, on a VirtualClock.
// Each connect makes a fresh pair (like replugging); `unplug()` pulls the current cable.
import { VirtualClock } from "../../protocols/clock.ts";
import type { BytePort } from "../../protocols/port.ts";
import { createMemoryPair } from "../../src/transport/memory.ts";
import type { TransportFactory } from "../../src/transport/types.ts";
import { LossyPort, type Impairments } from "./lossyPort.ts";
import { mulberry32 } from "./prng.ts";
import { ScriptedBed, type ScriptedBedOptions } from "./scriptedBed.ts";

export interface HarnessOptions {
  bed?: Omit<ScriptedBedOptions, "clock">;
  impairments?: Impairments;
  seed?: number;
  latencyMs?: number;
}

export interface Harness {
  clock: VirtualClock;
  bed: ScriptedBed;
  transport: TransportFactory;
  random: () => number;
  /** How many times the transport was opened. */
  opens(): number;
  /** Pull the cable: both ends close. */
  unplug(): Promise<void>;
  /** While true the factory fails, like a port that is not there yet. */
  unavailable: boolean;
  lossy(): LossyPort | undefined;
}

export function scriptedHarness(opts: HarnessOptions = {}): Harness {
  const clock = new VirtualClock();
  const random = mulberry32(opts.seed ?? 1);
  const bed = new ScriptedBed({ clock, ...opts.bed });
  let current: BytePort | undefined;
  let currentLossy: LossyPort | undefined;
  let opens = 0;
  const h: Harness = {
    clock,
    bed,
    random,
    unavailable: false,
    opens: () => opens,
    unplug: async () => current?.close(),
    lossy: () => currentLossy,
    transport: async () => {
      if (h.unavailable) throw new Error("ENOENT: no such port (cable unplugged)");
      opens++;
      const [host, device] = createMemoryPair(clock, { latencyMs: opts.latencyMs ?? 1 });
      bed.attach(device);
      current = host;
      if (!opts.impairments) return host;
      currentLossy = new LossyPort(host, clock, mulberry32((opts.seed ?? 1) * 7919 + opens), opts.impairments);
      return currentLossy;
    },
  };
  return h;
}
