// `bedlink serve`: the showroom panel (REST + live push + the touchscreen page) on one bed or the
// built-in simulator. Localhost unless told otherwise; Ctrl-C makes the bed safe and saves the session.
import type { Command } from "commander";
import type { FastifyInstance } from "fastify";
import { RealClock, VirtualClock, type Clock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { buildApp } from "../server/app.ts";
import { paceVirtualClock } from "../server/pacing.ts";
import { checkDataDir, DEFAULT_DATA_DIR, openStore, systemWallClock, type PanelStore } from "../store/index.ts";
import { openBed, type OpenedBed } from "./connect.ts";
import { EXIT } from "./exitCodes.ts";
import { parsePerson, parseSeed, parseTarget, type Target } from "./runOptions.ts";

interface ServeFlags {
  sim?: boolean;
  port?: string;
  tcp?: string;
  listen: string;
  data: string;
  simSpeed: string;
  seed?: string;
  person?: string;
  faults?: string;
}

const DEFAULT_LISTEN = "127.0.0.1:8080";
/** The simulator may run up to 100× real time for demos; a real bed always runs at 1×. */
const SIM_SPEED_MAX = 100;
/** How long a failed start waits for the bed to confirm SAFE before exiting anyway (its lease covers the rest). */
const RELEASE_WAIT_MS = 5000;

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the showroom panel: the touchscreen page, the REST API and live updates, on a bed or the simulator")
    .option("--sim", "use the built-in simulated bed (the default)")
    .option("--port <path>", "serial port of a bed, e.g. /dev/ttyUSB0")
    .option("--tcp <host:port>", "a bed behind a TCP serial bridge")
    .option("--listen <host:port>", "address to listen on; anything but localhost is reachable from the network", DEFAULT_LISTEN)
    .option("--data <dir>", "where session history, alarms, the audit log and the technician secret are kept", DEFAULT_DATA_DIR)
    .option("--sim-speed <n>", `simulator only: run the simulated bed n times faster than real time (1–${SIM_SPEED_MAX})`, "1")
    .option("--seed <n>", "simulator only: random seed", "1")
    .option("--person <spec>", "simulator only: who lies on the bed, height=CM,weight=KG", "height=175,weight=75")
    .option("--faults <spec>", "simulator only: faults to inject, as for run, e.g. heater-dead:projector@120s (times count from the start, in simulated time)")
    .addHelpText("after", "\nThe first start prints a technician secret once; `bedlink tech rotate-secret` makes a new one.\nExit status: 0 after a clean shutdown, 2 bad arguments or an unusable data directory, 6 the bed could not be reached.")
    .action(async (flags: ServeFlags) => {
      process.exitCode = await serve(flags);
    });
}

export function parseListen(spec: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(spec.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`--listen must be HOST:PORT with a port 0–65535 (e.g. ${DEFAULT_LISTEN}); got ${JSON.stringify(spec)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function parseSimSpeed(spec: string, target: Target): number {
  const n = Number(spec);
  if (!Number.isFinite(n) || n < 1 || n > SIM_SPEED_MAX) throw new Error(`--sim-speed must be a number 1–${SIM_SPEED_MAX}; got ${JSON.stringify(spec)}`);
  if (n !== 1 && target.kind !== "sim") throw new Error("--sim-speed only applies to the simulator (--sim): a real bed runs in real time");
  return n;
}

/** The store and, on a first start, the new technician secret; or why not (the directory changed since the check). */
async function openHistory(dataDir: string, logger: Logger, clock: Clock): Promise<{ store: PanelStore; secret: string | undefined } | { error: string }> {
  let store: PanelStore | undefined;
  try {
    store = openStore(dataDir, systemWallClock, { logger, clock });
    return { store, secret: await store.technician.ensureSecret() };
  } catch (err) {
    store?.close();
    return { error: (err as Error).message };
  }
}

async function serve(flags: ServeFlags): Promise<number> {
  const logger = createLogger({ level: process.env.BEDLINK_LOG_LEVEL ?? "info" });
  let target, listen, simSpeed, seed, person, faults;
  try {
    target = parseTarget(flags);
    listen = parseListen(flags.listen);
    simSpeed = parseSimSpeed(flags.simSpeed, target);
    seed = parseSeed(flags.seed);
    person = parsePerson(flags.person ?? "height=175,weight=75");
    if (flags.faults !== undefined && target.kind !== "sim") throw new Error("--faults only applies to the simulator (--sim)");
    faults = flags.faults !== undefined ? parseFaultSpec(flags.faults) : [];
  } catch (err) {
    process.stderr.write(`bedlink serve: ${(err as Error).message}\n`);
    return EXIT.usage;
  }

  // The data directory first: history that cannot be kept is found out before anything is printed
  // or sent to the bed (a failure later would leave the bed's link open and the process running).
  const dataDir = checkDataDir(flags.data);
  if (!dataDir.ok) {
    process.stderr.write(`bedlink serve: ${dataDir.message}\n`);
    return EXIT.usage;
  }
  const real = new RealClock();
  const history = await openHistory(flags.data, logger, real);
  if ("error" in history) {
    process.stderr.write(`bedlink serve: cannot use the data directory ${flags.data}: ${history.error}\n`);
    return EXIT.usage;
  }
  const { store, secret } = history;
  if (secret) {
    process.stdout.write(
      `\nTechnician secret (shown once; keep it somewhere safe):\n\n    ${secret}\n\n` + `A new one: bedlink tech rotate-secret --data ${flags.data}\n\n`,
    );
  }

  const clock: Clock = target.kind === "sim" && simSpeed > 1 ? new VirtualClock() : real;
  let opened: OpenedBed;
  try {
    opened = await openBed(target, { clock, logger, seed, person, faults });
  } catch (err) {
    process.stderr.write(`bedlink serve: cannot reach the bed: ${(err as Error).message}\n`);
    store.close();
    return EXIT.link;
  }
  const stopPacing = clock instanceof VirtualClock ? paceVirtualClock(clock, real, simSpeed, logger) : () => {};
  /** From here on the bed is open: a failed start releases it and exits rather than leave the link up. */
  const abandon = async (message: string, code: number, release: () => Promise<unknown>): Promise<never> => {
    process.stderr.write(`bedlink serve: ${message}\n`);
    try {
      // Bounded: the bed's own lease makes it safe within a second even if it never answers.
      await Promise.race([release(), real.sleep(RELEASE_WAIT_MS)]);
    } catch (err) {
      logger.error({ err }, "releasing the bed after a failed start was not clean");
    }
    stopPacing();
    store.close();
    process.exit(code);
  };
  let app: FastifyInstance;
  try {
    app = await buildApp({ bed: opened.bed, sim: opened.sim, clock, serverClock: real, store, logger });
  } catch (err) {
    return abandon(`cannot start the panel: ${(err as Error).message}`, EXIT.failed, async () => {
      await opened.bed.close();
      opened.sim?.stop();
    });
  }
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    return abandon(`cannot listen on ${flags.listen}: ${(err as Error).message}`, EXIT.usage, () => app.close());
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : listen.port;
  const shownHost = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  if (!isLoopback(listen.host)) logger.warn({ host: listen.host }, "listening beyond this machine: anyone on the network can run programs from the panel");
  const bedName = `${opened.bed.identity.model} ${opened.bed.identity.serial}${target.kind === "sim" ? `, simulator${simSpeed > 1 ? ` at ${simSpeed}× real time` : ""}` : ""}`;
  process.stdout.write(`bedlink panel: http://${shownHost}:${port}/  (${bedName}; data in ${flags.data})\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        // A second signal: the operator wants out now. The bed's own lease makes it safe within a second.
        logger.warn({ signal }, "second signal: exiting without waiting for a clean shutdown");
        process.exit(EXIT.failed);
      }
      stopping = true;
      logger.info({ signal }, "shutting down: bed to safe, session saved");
      app
        .close()
        .catch((err: unknown) => logger.error({ err }, "shutdown was not clean"))
        .finally(() => {
          stopPacing();
          store.close();
          process.stdout.write("bedlink panel: stopped; the bed was made safe.\n");
          resolve();
        });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  // The bed is safe and released; waits the session had in flight (parking, up to a minute)
  // can no longer be answered, so do not let them hold the process open.
  process.exit(EXIT.ok);
}
