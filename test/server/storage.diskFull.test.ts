// The disk is full under the panel (a real SQLITE_FULL, see test/store/fullDisk.ts): the bed stays
// controlled, the emergency stop answers from the bed alone, staff see a storage alarm, and the
// history catches up once there is space again. The real app on the simulator, in virtual time.
import type Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { StoreOptions } from "../../src/store/index.ts";
import { fillDisk, freeDisk } from "../store/fullDisk.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

// The harness opens its store itself; this hands the test that store's connection, to fill its disk.
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

const db = (): Database.Database => conn.db!;
const post = (url: string, payload?: object) => h.call({ method: "POST", url, payload });
const activeCodes = async (): Promise<string[]> => ((await h.call("/api/alarms")).json().active as { code: string }[]).map((a) => a.code);
const storageAlarm = async () => ((await h.call("/api/alarms")).json().active as { code: string; priority: string; text: string }[]).find((a) => a.code === "S_STORAGE");

it("disk full before a session: emergency stop → 200 and the bed is in estop; a program still starts; staff see S_STORAGE", async () => {
  fillDisk(db());
  const stop = await post("/api/estop");
  expect(stop.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
  expect(await storageAlarm()).toMatchObject({
    priority: "medium",
    text: "History can't be saved right now (disk full): the bed is still controlled normally. Tell a technician.",
  });
  expect(await activeCodes()).toContain("E_ESTOP");

  await h.advance(500);
  // The E_ESTOP alarm can still be acknowledged by its id.
  const estop = ((await h.call("/api/alarms")).json().active as { id: number; code: string }[]).find((a) => a.code === "E_ESTOP")!;
  expect((await post(`/api/alarms/${estop.id}/ack`)).statusCode).toBe(200);
  expect(await activeCodes()).not.toContain("E_ESTOP");
  // A technician releases the stop (their login works with the disk full); then a program starts.
  const token = (await post("/api/tech/login", { secret: h.secret })).json().token as string;
  expect((await h.call({ method: "POST", url: "/api/tech/reset", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  const start = await post("/api/session/start", { programId: "heat-only", confirmations: CONFIRMED });
  expect(start.statusCode).toBe(201);
  expect(await h.until(() => h.sim.truth.zones.projector.setC > 0 || h.sim.truth.zones.mat.setC > 0, 90_000)).toBe(true);
  expect(h.store.health()).toMatchObject({ state: "failing", problem: "disk-full" });
});

it("disk full mid-program: minutes of failing housekeeping writes, the program runs on, the alarm shows; space back → the row is written and the alarm clears", async () => {
  const start = await post("/api/session/start", { programId: "full-body-relaxation", confirmations: CONFIRMED });
  expect(start.statusCode).toBe(201);
  const id = start.json().id as string;
  expect(await h.until(() => h.app.panel.panel.sessionView()?.state === "running.step", 120_000)).toBe(true);
  await h.advance(3000);
  const savedBefore = h.store.sessions.get(id)!;
  expect(savedBefore.outcome).toBe("running");

  fillDisk(db());
  await h.advance(5 * 60_000);
  expect(h.app.panel.panel.sessionView()?.state).toMatch(/^running/);
  expect(h.sim.truth.zones.projector.setC).toBeGreaterThan(0);
  expect(await storageAlarm()).toBeDefined();
  expect(h.store.health()).toMatchObject({ state: "failing", problem: "disk-full" });
  // Nothing of those five minutes reached the file yet.
  expect(h.store.sessions.get(id)!.updatedAt).toBe(savedBefore.updatedAt);

  freeDisk(db());
  await h.advance(3000);
  expect(h.store.health()).toMatchObject({ state: "ok", queued: 0, dropped: 0 });
  expect(await storageAlarm()).toBeUndefined();
  const saved = h.store.sessions.get(id)!;
  expect(saved.outcome).toBe("running");
  expect(saved.updatedAt - savedBefore.updatedAt).toBeGreaterThanOrEqual(5 * 60_000);
  // The outage is in the alarm history, raised and then acknowledged by the system.
  const recent = (await h.call("/api/alarms")).json().recent as { code: string; acknowledgedBy: string | null }[];
  expect(recent.find((a) => a.code === "S_STORAGE")).toMatchObject({ acknowledgedBy: "system" });
});

it("technician login with the disk full: the secret is accepted and the new session opens technician routes", async () => {
  fillDisk(db());
  const login = await post("/api/tech/login", { secret: h.secret });
  expect(login.statusCode).toBe(200);
  const token = login.json().token as string;
  const log = await h.call({ method: "GET", url: "/api/tech/device-log", headers: { authorization: `Bearer ${token}` } });
  expect(log.statusCode).toBe(200);
  expect((await post("/api/tech/logout", undefined)).statusCode).toBe(401);
  const out = await h.call({ method: "POST", url: "/api/tech/logout", headers: { authorization: `Bearer ${token}` } });
  expect(out.statusCode).toBe(200);
  expect((await h.call({ method: "GET", url: "/api/tech/device-log", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
});
