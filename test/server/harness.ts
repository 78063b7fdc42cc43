// A panel server on the built-in simulator in virtual time, for fastify.inject tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { VirtualClock } from "../../protocols/clock.ts";
import type { FaultSpec, SimulatedBed } from "../../simulator/index.ts";
import { openBed, settle } from "../../src/cli/connect.ts";
import { silentLogger } from "../../src/log.ts";
import { buildApp } from "../../src/server/app.ts";
import { openStore, type PanelStore } from "../../src/store/index.ts";

/** 2026-01-05 09:00 UTC, a Monday: wall time in tests is virtual too. */
export const WALL_EPOCH_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

export const NO_TO_ALL = { pacemakerOrImplants: false, pregnancy: false, osteoporosis: false, recentSurgery: false, diabetes: false };
export const CONFIRMED = { cover: true, screening: NO_TO_ALL } as const;

export interface PanelHarness {
  app: FastifyInstance;
  clock: VirtualClock;
  sim: SimulatedBed;
  store: PanelStore;
  dataDir: string;
  /** inject while the virtual clock runs (commands that wait for the bed's answer). */
  call(opts: InjectOptions | string): Promise<Awaited<ReturnType<FastifyInstance["inject"]>>>;
  advance(ms: number): Promise<void>;
  until(pred: () => boolean, maxMs: number): Promise<boolean>;
  /** Technician secret for this store. */
  secret: string;
  close(): Promise<void>;
}

/**
 * Awaits work while running the virtual clock in small steps with real turns in between: bed
 * commands need virtual time, password hashing needs real time (it runs on the thread pool).
 */
export async function drive<T>(clock: VirtualClock, work: Promise<T>, maxSteps = 5000): Promise<T> {
  let done = false;
  const tracked = work.finally(() => (done = true));
  tracked.catch(() => undefined);
  for (let i = 0; i < maxSteps && !done; i++) {
    await clock.advance(10);
    if (!done) await new Promise((r) => setTimeout(r, 0));
  }
  if (!done) throw new Error(`still pending after ${maxSteps * 10} ms of virtual time`);
  return tracked;
}

export async function panelHarness(opts: { dataDir?: string; person?: { heightCm: number; weightKg: number } | null; faults?: FaultSpec[] } = {}): Promise<PanelHarness> {
  const clock = new VirtualClock();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "bedlink-panel-"));
  const store = openStore(dataDir, () => WALL_EPOCH_MS + Math.round(clock.now()));
  const secret = (await store.technician.ensureSecret()) ?? "";
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger: silentLogger(), seed: 7, person: opts.person, faults: opts.faults });
  const app = await buildApp({ bed, sim, clock, store });
  await app.ready();
  let closed = false;
  return {
    app,
    clock,
    sim: sim!,
    store,
    dataDir,
    secret,
    call: (o) => drive(clock, app.inject(o as InjectOptions)),
    advance: (ms) => clock.advance(ms),
    until: (pred, maxMs) => clock.advanceUntil(pred, maxMs),
    async close() {
      if (closed) return;
      closed = true;
      await settle(clock, app.close(), 10_000);
      store.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
