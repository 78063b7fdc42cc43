// The built-in simulated bed: the simulator on the far end of an in-memory pair, on the
// same clock as the controller. Each connect makes a fresh pair, like replugging a cable.
import type { Clock } from "../../protocols/clock.ts";
import { SimulatedBed, type FaultSpec, type PersonSpec } from "../../simulator/index.ts";
import type { Logger } from "../log.ts";
import { createMemoryPair } from "../transport/memory.ts";
import type { TransportFactory } from "../transport/types.ts";

export interface SimulatedBedOptions {
  clock: Clock;
  seed?: number;
  person?: PersonSpec | null;
  faults?: FaultSpec[];
  /** Pace the in-memory line like a real one (10 bits per byte). */
  baud?: number;
  logger?: Logger;
}

export interface SimulatedConnection {
  sim: SimulatedBed;
  transport: TransportFactory;
}

export function createSimulatedConnection(opts: SimulatedBedOptions): SimulatedConnection {
  // An `unplug` fault pulls the cable: until it is back, opening the port fails as a real one would.
  let unpluggedUntilMs = -Infinity;
  const sim = new SimulatedBed({
    clock: opts.clock,
    seed: opts.seed,
    person: opts.person,
    faults: opts.faults,
    logger: opts.logger?.child({ ns: "bedlink:sim" }),
    onUnplug: (durationMs) => {
      unpluggedUntilMs = opts.clock.now() + durationMs;
    },
  });
  const transport: TransportFactory = async () => {
    if (opts.clock.now() < unpluggedUntilMs) throw new Error("simulated bed: cable unplugged");
    const [host, device] = createMemoryPair(opts.clock, { baud: opts.baud });
    sim.attach(device);
    return host;
  };
  return { sim, transport };
}
