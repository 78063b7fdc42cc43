// The disk fills up under the store (a real SQLITE_FULL): nothing it is asked to write throws, the
// writes wait in memory in order, the store says "disk full" once, and everything lands when space
// comes back — on the next write, or on the store's own retry tick when nothing else is written.
// (And the same for a database that turns read-only under the store.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { isBedlinkError } from "../../src/errors.ts";
import { openStore, RETRY_MS, type PanelStore, type StoreHealth, type StoreOptions } from "../../src/store/index.ts";
import { captureLog } from "./captureLog.ts";
import { fillDisk, freeDisk } from "./fullDisk.ts";

const WALL_START_MS = 1_767_603_600_000;
let dir: string;
let wallMs: number;
let clock: VirtualClock;
let db: Database.Database;
let store: PanelStore;
let log: ReturnType<typeof captureLog>;

function open(opts: StoreOptions = {}): void {
  store = openStore(dir, () => wallMs, { logger: log.logger, onConnection: (c) => (db = c), ...opts });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bedlink-full-"));
  wallMs = WALL_START_MS;
  clock = new VirtualClock();
  log = captureLog();
  open();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const begin = (id: string) => store.sessions.begin({ id, programId: "swedish", programName: "Swedish", startedBy: "staff", deviceSerial: "SIM-1" });
const progress = (id: string, lastState: string, maxProjectorC: number) => store.sessions.progress(id, { lastState, faults: [], maxProjectorC });
/** Time passes on the wall clock the store stamps rows with (and measures its back-off on). */
const tick = (ms = RETRY_MS) => (wallMs += ms);

it("the disk fills mid-program: progress writes do not throw, one progress row waits (the newest), space back → the row is written with the last progress", () => {
  begin("a");
  progress("a", "running.step", 41);
  fillDisk(db);
  for (let s = 1; s <= 600; s++) {
    tick();
    expect(() => progress("a", "running.step", 41 + s / 100)).not.toThrow();
  }
  expect(store.health()).toMatchObject({ state: "failing", problem: "disk-full", reason: "disk full", code: "SQLITE_FULL", queued: 1, dropped: 0 });
  expect(store.sessions.get("a")).toMatchObject({ maxProjectorC: 41 });

  freeDisk(db);
  tick();
  store.sessions.finish("a", "completed", { lastState: "completed", faults: [], maxProjectorC: 47 });
  expect(store.health()).toEqual({ state: "ok", queued: 0, dropped: 0 });
  expect(store.sessions.get("a")).toMatchObject({ outcome: "completed", maxProjectorC: 47, updatedAt: wallMs });
});

it("full before the session began: begin, progress and finish replay in order, each with the time it happened", () => {
  fillDisk(db);
  begin("b");
  const startedAt = wallMs;
  tick(60_000);
  progress("b", "running.step", 44);
  tick(60_000);
  store.sessions.finish("b", "stopped", { lastState: "stopped", faults: [], reasonCode: "OPERATOR_STOP", reasonText: "Stopped by the operator." });
  const endedAt = wallMs;
  expect(store.health().queued).toBe(3);
  expect(store.sessions.get("b")).toBeUndefined();

  freeDisk(db);
  tick();
  expect(store.retry()).toMatchObject({ state: "ok", queued: 0 });
  expect(store.sessions.get("b")).toMatchObject({ outcome: "stopped", startedAt, endedAt, durationMs: 120_000, maxProjectorC: 44, reasonCode: "OPERATOR_STOP" });
});

it("past the bound the oldest writes are dropped and counted; the newest are kept and replayed", () => {
  store.close();
  open({ maxQueued: 50 });
  fillDisk(db);
  for (let i = 1; i <= 80; i++) store.audit.record("staff", "test.write", { i });
  expect(store.health()).toMatchObject({ state: "failing", queued: 50, dropped: 30 });
  freeDisk(db);
  tick();
  store.retry();
  expect(store.health()).toEqual({ state: "ok", queued: 0, dropped: 30 });
  const kept = store.audit.recent(100).map((e) => e.detail.i);
  expect(kept).toHaveLength(50);
  expect(kept[0]).toBe(80);
  expect(kept.at(-1)).toBe(31);
});

it("the default bound is 1,000 writes", () => {
  fillDisk(db);
  for (let i = 1; i <= 1234; i++) store.audit.record("staff", "test.write", { i });
  expect(store.health()).toMatchObject({ queued: 1000, dropped: 234 });
});

it("says so once per episode: one warning with the SQLite code and none of the data; listeners hear failing once and ok once", () => {
  const heard: StoreHealth[] = [];
  store.onHealthChange((h) => heard.push(h));
  fillDisk(db);
  for (let i = 0; i < 20; i++) {
    tick();
    store.audit.record("staff", "session.start", { secretish: "do-not-log-me" });
  }
  freeDisk(db);
  tick();
  store.audit.record("staff", "session.stop");
  const warnings = log.warnings();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ code: "SQLITE_FULL", reason: "disk full" });
  expect(JSON.stringify(log.lines)).not.toContain("do-not-log-me");
  expect(heard.map((h) => h.state)).toEqual(["failing", "ok"]);
});

it("with a clock, queued writes are retried by themselves: nothing else is written, the row lands within a second of space coming back", async () => {
  store.close();
  open({ clock });
  fillDisk(db);
  begin("c");
  await clock.advance(5 * RETRY_MS);
  expect(store.health()).toMatchObject({ state: "failing", queued: 1 });
  freeDisk(db);
  tick();
  await clock.advance(RETRY_MS);
  expect(store.health()).toMatchObject({ state: "ok", queued: 0 });
  expect(store.sessions.get("c")).toMatchObject({ outcome: "running" });
  expect(clock.pendingTimers).toBe(0);
});

it("alarms get ids while the disk is full (after the highest id ever used), can be acknowledged by id, and are saved when space returns", () => {
  const first = store.alarms.raise({ code: "E_CUTOUT", priority: "high", text: "cut-out", source: "device" });
  fillDisk(db);
  const a = store.alarms.raise({ code: "S_LINK_LOST", priority: "medium", text: "link", source: "link" });
  const b = store.alarms.raise({ code: "I_SESSION_DONE", priority: "low", text: "done", source: "session" });
  expect([a.id, b.id]).toEqual([first.id + 1, first.id + 2]);
  tick();
  expect(store.alarms.acknowledge(a.id, "staff")).toMatchObject({ id: a.id, acknowledgedBy: "staff", acknowledgedAt: wallMs });
  expect(store.alarms.get(b.id)).toMatchObject({ code: "I_SESSION_DONE" });
  expect(store.alarms.recent(10).map((r) => r.id)).toEqual([b.id, a.id, first.id]);
  expect(store.alarms.active().map((r) => r.id)).toEqual([first.id, b.id]);

  freeDisk(db);
  tick();
  store.retry();
  store.close();
  open();
  expect(store.alarms.active().map((r) => r.id)).toEqual([first.id, b.id]);
  expect(store.alarms.get(a.id)).toMatchObject({ acknowledgedBy: "staff" });
  expect(store.alarms.raise({ code: "X", priority: "low", text: "x", source: "session" }).id).toBe(b.id + 1);
});

it("technician login with the disk full: the new session is valid at once, logout ends it, a new secret is refused with a clear error", async () => {
  const secret = (await store.technician.ensureSecret())!;
  fillDisk(db);
  expect(await store.technician.verifySecret(secret)).toBe(true);
  const { token } = store.technician.openSession(60_000);
  expect(store.technician.checkSession(token)).toBe(true);
  const other = store.technician.openSession(60_000);
  store.technician.closeSession(other.token);
  expect(store.technician.checkSession(other.token)).toBe(false);

  const refused = await store.technician.rotateSecret().catch((err: unknown) => err);
  expect(isBedlinkError(refused)).toBe(true);
  expect((refused as Error).message).toContain("disk full");
  expect(await store.technician.verifySecret(secret)).toBe(true);

  freeDisk(db);
  tick();
  store.retry();
  expect(store.technician.checkSession(token)).toBe(true);
  expect(store.technician.checkSession(other.token)).toBe(false);
  tick(60_000);
  expect(store.technician.checkSession(token)).toBe(false);
});

it("sessions left running by a dead server are counted (and marked) even when the disk is full at start", () => {
  begin("old");
  store.close();
  open();
  fillDisk(db);
  expect(store.sessions.markInterrupted()).toBe(1);
  begin("new");
  freeDisk(db);
  tick();
  store.retry();
  expect(store.sessions.get("old")).toMatchObject({ outcome: "interrupted" });
  expect(store.sessions.get("new")).toMatchObject({ outcome: "running" });
});

it("read-only at run time (the same connection refuses writes): 'data directory not writable', writes wait, and land once writable again", () => {
  db.pragma("query_only = 1");
  store.audit.record("staff", "session.start");
  expect(store.health()).toMatchObject({ state: "failing", problem: "read-only", reason: "data directory not writable", code: "SQLITE_READONLY", queued: 1 });
  db.pragma("query_only = 0");
  tick();
  store.audit.record("staff", "session.stop");
  expect(store.health()).toMatchObject({ state: "ok", queued: 0 });
  expect(store.audit.recent(5).map((e) => e.action)).toEqual(["session.stop", "session.start"]);
});
