// Another process holds the database's write lock (BEGIN EXCLUSIVE on its own connection): the
// store must not wait for it on the controller's event loop, where the bed's 1 s lease is kept
// alive. Writes return at once, wait in memory, and are replayed once the lock is released.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { DB_FILE } from "../../src/store/db.ts";
import { openStore, RETRY_MS, type PanelStore } from "../../src/store/index.ts";

/** What one store call may cost the event loop while locked out: the brief's bound (a call costs ~5–8 ms: one busy wait). */
const PROMPT_MS = 100;

let dir: string;
let wallMs: number;
let clock: VirtualClock;
let store: PanelStore;
let holder: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bedlink-locked-"));
  wallMs = 1_767_603_600_000;
  clock = new VirtualClock();
  store = openStore(dir, () => wallMs, { clock });
  holder = new Database(join(dir, DB_FILE));
});
afterEach(() => {
  if (holder.inTransaction) holder.exec("ROLLBACK");
  holder.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

it("while another connection holds BEGIN EXCLUSIVE, every write returns promptly; after COMMIT they are replayed in order", async () => {
  store.sessions.begin({ id: "s", programId: "swedish", programName: "Swedish", startedBy: "staff", deviceSerial: "SIM-1" });
  holder.exec("BEGIN EXCLUSIVE");
  const costs: number[] = [];
  for (let s = 1; s <= 30; s++) {
    wallMs += 1000;
    await clock.advance(1000);
    costs.push(timed(() => store.sessions.progress("s", { lastState: "running.step", faults: [], maxProjectorC: 40 + s / 10 })));
    costs.push(timed(() => store.audit.record("staff", "test.write", { s })));
    costs.push(timed(() => store.alarms.raise({ code: `T${s}`, priority: "low", text: "t", source: "session" })));
  }
  expect(Math.max(...costs)).toBeLessThan(PROMPT_MS);
  expect(store.health()).toMatchObject({ state: "failing", problem: "locked", reason: "database locked", queued: 61 });
  // Reads are not blocked by a writer in WAL mode: the history stays visible.
  expect(store.sessions.get("s")).toMatchObject({ lastState: "starting" });

  holder.exec("COMMIT");
  wallMs += RETRY_MS;
  await clock.advance(RETRY_MS);
  expect(store.health()).toMatchObject({ state: "ok", queued: 0, dropped: 0 });
  expect(store.sessions.get("s")).toMatchObject({ lastState: "running.step", maxProjectorC: 43 });
  expect(store.audit.recent(100).map((e) => e.detail.s)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
  expect(store.alarms.recent(100)).toHaveLength(30);
});

it("a retry against the lock costs one short busy wait, not SQLite's old 2 s", () => {
  holder.exec("BEGIN EXCLUSIVE");
  store.audit.record("staff", "test.write");
  for (let i = 0; i < 10; i++) {
    wallMs += RETRY_MS;
    expect(timed(() => store.retry())).toBeLessThan(PROMPT_MS);
  }
  expect(store.health()).toMatchObject({ state: "failing", queued: 1 });
});
