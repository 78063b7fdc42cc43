// What both browser tests share: the Debian chromium they drive (a missing one fails under CI,
// skips with a note otherwise), and the panel served on the built-in simulator in paced time.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { RealClock, VirtualClock } from "../../protocols/clock.ts";
import type { PersonSpec, SimulatedBed } from "../../simulator/index.ts";
import { openBed } from "../../src/cli/connect.ts";
import { silentLogger } from "../../src/log.ts";
import { buildApp } from "../../src/server/app.ts";
import { paceVirtualClock } from "../../src/server/pacing.ts";
import type { PanelStore } from "../../src/store/index.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = "test-artifacts";
/** As the machine notes say: headless, no sandbox as root, and no background traffic on this closed network. */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** True when chromium is installed; under CI=true a missing one is an error, not a skip. */
export function chromiumAvailable(what: string): boolean {
  const have = existsSync(CHROMIUM);
  if (!have && process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: CI must install chromium (apt-get install -y chromium)`);
  if (!have) console.warn(`skipping ${what}: ${CHROMIUM} not installed (apt-get install -y chromium)`);
  return have;
}

export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
}

export interface ServedPanel {
  url: string;
  sim: SimulatedBed;
  /** Closes the server (the bed goes safe), stops the pacing and the store. */
  close(): Promise<void>;
}

/** The panel on a real port, against the in-process simulator running at `simSpeed` × real time. */
export async function servePanelOnSimulator(opts: { store: PanelStore; seed: number; simSpeed: number; person?: PersonSpec | null }): Promise<ServedPanel> {
  const real = new RealClock();
  const clock = new VirtualClock();
  const opened = await openBed({ kind: "sim" }, { clock, logger: silentLogger(), seed: opts.seed, person: opts.person });
  const sim = opened.sim!;
  const stopPacing = paceVirtualClock(clock, real, opts.simSpeed, silentLogger());
  const app = await buildApp({ bed: opened.bed, sim, clock, serverClock: real, store: opts.store });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  return {
    url,
    sim,
    close: async () => {
      await app.close();
      stopPacing();
      opts.store.close();
    },
  };
}

export interface PanelInBrowser extends ServedPanel {
  context: BrowserContext;
}

/** The panel served on the simulator and a fresh chromium profile opened on nothing yet; close() ends both. */
export async function openPanelInBrowser(opts: Parameters<typeof servePanelOnSimulator>[0]): Promise<PanelInBrowser> {
  const served = await servePanelOnSimulator(opts);
  const userDataDir = mkdtempSync(join(tmpdir(), "bedlink-chromium-"));
  const context = await launchChromium(userDataDir);
  return {
    ...served,
    context,
    close: async () => {
      await context.close();
      await served.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
