// The database file is damaged under a running panel (a failing SD card): history reads answer a
// clear 503 instead of crashing, the live alarm list still works from memory and shows S_STORAGE,
// and the bed is controlled as before.
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { DB_FILE } from "../../src/store/db.ts";
import type { StoreOptions } from "../../src/store/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

// The harness opens its store itself; this hands the test that store's connection.
const conn = vi.hoisted(() => ({ db: undefined as Database.Database | undefined }));
vi.mock("../../src/store/index.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/store/index.ts")>();
  const openStore = (dir: string, wall?: () => number, opts?: StoreOptions) => real.openStore(dir, wall, { ...opts, onConnection: (db) => (conn.db = db) });
  return { ...real, openStore };
});

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

/** Everything after the header page overwritten, with SQLite's page cache kept too small to hide it. */
function corruptTheFile(): void {
  const db = conn.db!;
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.pragma("cache_size = 1");
  const file = join(h.dataDir, DB_FILE);
  const size = statSync(file).size;
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096);
  } finally {
    closeSync(fd);
  }
}

const post = (url: string, payload?: object) => h.call({ method: "POST", url, payload });

it("history unreadable: GET /api/sessions → 503 saying why; alarms still listed with S_STORAGE; emergency stop and start still work", async () => {
  await post("/api/estop");
  await h.advance(500);
  corruptTheFile();

  const history = await h.call("/api/sessions");
  expect(history.statusCode).toBe(503);
  expect(history.json()).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
  expect(history.json().message).toContain("database file is corrupt");

  const alarms = await h.call("/api/alarms");
  expect(alarms.statusCode).toBe(200);
  const active = alarms.json().active as { code: string; text: string }[];
  expect(active.map((a) => a.code)).toEqual(expect.arrayContaining(["E_ESTOP", "S_STORAGE"]));
  expect(active.find((a) => a.code === "S_STORAGE")!.text).toContain("(database file is corrupt)");

  // A technician releases the stop (their login works from memory); then a program starts.
  const token = (await post("/api/tech/login", { secret: h.secret })).json().token as string;
  expect((await h.call({ method: "POST", url: "/api/tech/reset", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  const start = await post("/api/session/start", { programId: "heat-only", confirmations: CONFIRMED });
  expect(start.statusCode).toBe(201);
  expect(await h.until(() => h.sim.truth.zones.projector.setC > 0 || h.sim.truth.zones.mat.setC > 0, 90_000)).toBe(true);
  const stop = await post("/api/estop");
  expect(stop.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
});
