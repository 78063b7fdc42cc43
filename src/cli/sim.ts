// `bedlink sim`: the simulated bed on a real pseudo-terminal (socat) or a TCP port, in real
// time, so a controller (or a technician with a terminal) can talk to it like a real bed.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { Command } from "commander";
import { RealClock } from "../../protocols/clock.ts";
import type { BytePort } from "../../protocols/port.ts";
import { loadScenario, parseFaultSpec, SimulatedBed, type FaultSpec, type PersonSpec } from "../../simulator/index.ts";
import { describeWireEntry } from "../../simulator/trace.ts";
import { createLogger, type Logger } from "../log.ts";
import { serialTransport } from "../transport/serial.ts";
import { StreamPort } from "../transport/streamPort.ts";
import { EXIT } from "./exitCodes.ts";
import { parsePerson, parseSeed } from "./runOptions.ts";

interface SimFlags {
  tcp?: string;
  pty?: string;
  trace?: boolean;
  baud?: string;
  seed?: string;
  person?: string;
  nobody?: boolean;
  faults?: string;
  scenario?: string;
}

interface SimPlan {
  where: { tcp: { host: string; port: number } } | { pty: string };
  trace: boolean;
  baud?: number;
  seed: number;
  person: PersonSpec | null;
  faults: FaultSpec[];
}

/** How long socat gets to create its pty links. */
const SOCAT_START_MS = 5000;

class UsageError extends Error {}

export function registerSim(program: Command): void {
  program
    .command("sim")
    .description("Run the simulated bed on a pty pair (socat) or a TCP port, in real time")
    .option("--tcp <host:port>", "listen on TCP, one controller at a time (port 0 picks a free one)")
    .option("--pty <path>", "make a pty pair: the controller opens PATH, the simulator PATH.sim")
    .option("--trace", "print the decoded traffic on stdout")
    .option("--baud <rate>", "pace bytes like a serial line at RATE bit/s (10 bits per byte)")
    .option("--seed <n>", "seed for noise and random faults (same seed, same run)", "1")
    .option("--person <spec>", "who lies on the bed: height=CM,weight=KG", "height=170,weight=72")
    .option("--nobody", "nobody on the bed")
    .option("--faults <spec>", "faults, e.g. heater-dead:projector@120s,bitflip-rx:0.001 (see simulator/FAULTS.md)")
    .option("--scenario <file>", "scenario JSON with timed or conditional faults (see simulator/FAULTS.md)")
    .addHelpText("after", "\nExamples:\n  bedlink sim --pty /tmp/ttyBED --trace\n  bedlink sim --tcp 127.0.0.1:7000 --faults drop-frame-tx:0.05\n")
    .action(async (flags: SimFlags) => {
      let plan: SimPlan;
      try {
        plan = planFrom(flags);
      } catch (err) {
        process.stderr.write(`bedlink sim: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await serve(plan, createLogger().child({ ns: "bedlink:sim" }));
    });
}

function planFrom(flags: SimFlags): SimPlan {
  if (!flags.tcp === !flags.pty) throw new UsageError("give exactly one of --tcp HOST:PORT or --pty PATH");
  let where: SimPlan["where"];
  if (flags.tcp) {
    const m = /^([^:]+):(\d+)$/.exec(flags.tcp);
    const port = m ? Number(m[2]) : NaN;
    if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--tcp must be HOST:PORT with PORT 0–65535, e.g. 127.0.0.1:7000; got ${JSON.stringify(flags.tcp)}`);
    where = { tcp: { host: m[1]!, port } };
  } else where = { pty: flags.pty! };
  let baud: number | undefined;
  if (flags.baud !== undefined) {
    baud = Number(flags.baud);
    if (!Number.isInteger(baud) || baud < 300 || baud > 4_000_000) throw new UsageError(`--baud must be a whole number 300–4000000 bit/s; got ${JSON.stringify(flags.baud)}`);
  }
  if (flags.nobody && flags.person !== "height=170,weight=72") throw new UsageError("give --person or --nobody, not both");
  let person: PersonSpec | null = flags.nobody ? null : parsePerson(flags.person ?? "height=170,weight=72");
  let seed = parseSeed(flags.seed);
  const faults: FaultSpec[] = [];
  if (flags.scenario) {
    const s = loadScenario(flags.scenario);
    faults.push(...s.faults);
    if (s.person !== undefined) person = s.person;
    if (s.seed !== undefined && flags.seed === "1") seed = s.seed;
  }
  if (flags.faults) faults.push(...parseFaultSpec(flags.faults));
  return { where, trace: flags.trace === true, baud, seed, person, faults };
}

/** Runs until SIGINT/SIGTERM; returns the exit code. */
async function serve(plan: SimPlan, log: Logger): Promise<number> {
  const clock = new RealClock();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let pty: PtyLink | undefined;
  let server: Server | undefined;
  let current: BytePort | undefined;
  let unpluggedUntil = 0;

  const bed = new SimulatedBed({
    clock,
    seed: plan.seed,
    person: plan.person,
    faults: plan.faults,
    baud: plan.baud,
    logger: log,
    onWireEntry: plan.trace ? (e) => out(describeWireEntry(e)) : undefined,
    onUnplug: (ms) => {
      out(`bedlink sim: cable pulled for ${ms / 1000} s`);
      unpluggedUntil = clock.now() + ms;
      // Cannot reject: stop() only signals our own socat and waits for it to exit.
      if (pty) void pty.stop();
      current = undefined;
    },
    replug: "pty" in plan.where ? () => replugPty() : undefined,
  });

  const replugPty = async (): Promise<BytePort> => {
    await pty!.start();
    out(`bedlink sim: cable back in (${pty!.path})`);
    return pty!.open(plan.baud);
  };

  try {
    if ("pty" in plan.where) {
      pty = new PtyLink(plan.where.pty, clock);
      await pty.start();
      bed.attach(await pty.open(plan.baud));
      out(`bedlink sim: bed ${bed.firmware.o.identity.model} ${bed.firmware.o.identity.serial} on ${pty.path} (the simulator holds ${pty.path}.sim)`);
    } else {
      const { host, port } = plan.where.tcp;
      bed.powerOn();
      server = createServer((socket: Socket) => {
        if (current?.isOpen || clock.now() < unpluggedUntil) {
          socket.destroy(); // one controller at a time; none while the cable is out
          return;
        }
        const p = new StreamPort(`tcp://${socket.remoteAddress}:${socket.remotePort}`, socket, async () => void socket.destroy());
        current = p;
        log.info({ peer: p.description }, "controller connected");
        bed.attach(p);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, host, () => resolve());
      });
      const addr = server.address();
      const actual = typeof addr === "object" && addr ? addr.port : port;
      out(`bedlink sim: bed ${bed.firmware.o.identity.model} ${bed.firmware.o.identity.serial} listening on tcp://${host}:${actual}`);
    }
  } catch (err) {
    process.stderr.write(`bedlink sim: ${(err as Error).message}\n`);
    bed.stop();
    await pty?.stop();
    server?.close();
    return EXIT.failed;
  }

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  // Leave nothing behind: timers, the port, socat, the listening socket.
  bed.stop();
  await current?.close();
  await pty?.stop();
  server?.close();
  out("bedlink sim: stopped");
  return EXIT.ok;
}

/** A socat pty pair: PATH for the controller, PATH.sim for us. Stopping it is pulling the cable. */
class PtyLink {
  private proc: ChildProcess | undefined;

  constructor(
    readonly path: string,
    private readonly clock: RealClock,
  ) {}

  async start(): Promise<void> {
    const proc = spawn("socat", [`pty,raw,echo=0,link=${this.path}`, `pty,raw,echo=0,link=${this.path}.sim`], { stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    let failure: string | undefined;
    proc.on("error", (err) => (failure = (err as NodeJS.ErrnoException).code === "ENOENT" ? "socat is not installed (apt-get install socat)" : err.message));
    const deadline = this.clock.now() + SOCAT_START_MS;
    while (!(existsSync(this.path) && existsSync(`${this.path}.sim`))) {
      if (failure) throw new Error(failure);
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}: cannot create ${this.path}`);
      if (this.clock.now() > deadline) throw new Error(`socat did not create ${this.path} within ${SOCAT_START_MS / 1000} s`);
      await this.clock.sleep(20);
    }
  }

  open(baud?: number): Promise<BytePort> {
    return serialTransport({ path: `${this.path}.sim`, baud })();
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM"); // our own child, by its handle
    await exited;
  }
}
