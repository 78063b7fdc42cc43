// Another process holds the panel database's write lock mid-program (a backup tool, a stray sqlite3
// shell): the controller never waits for it. The program runs on, the emergency stop answers, the
// alarm says "database locked", and the history catches up when the lock is released.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { DB_FILE } from "../../src/store/db.ts";
import { RETRY_MS } from "../../src/store/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
let holder: Database.Database;
beforeEach(async () => {
  h = await panelHarness();
  holder = new Database(join(h.dataDir, DB_FILE));
});
afterEach(async () => {
  if (holder.inTransaction) holder.exec("ROLLBACK");
  holder.close();
  await h.close();
});

const post = (url: string, payload?: object) => h.call({ method: "POST", url, payload });
const activeCodes = async (): Promise<string[]> => ((await h.call("/api/alarms")).json().active as { code: string }[]).map((a) => a.code);

it("locked for a minute mid-program: no 2 s waits on the event loop, the link stays up, the emergency stop answers; unlocked → history written", async () => {
  const start = await post("/api/session/start", { programId: "full-body-relaxation", confirmations: CONFIRMED });
  const id = start.json().id as string;
  expect(await h.until(() => h.app.panel.panel.sessionView()?.state === "running.step", 120_000)).toBe(true);

  holder.exec("BEGIN EXCLUSIVE");
  const t0 = performance.now();
  await h.advance(60_000);
  // ~30 progress writes and their retries: with the old 2 s busy timeout this alone took a minute.
  expect(performance.now() - t0).toBeLessThan(10_000);
  expect(h.app.panel.panel.bed.linkState).toBe("up");
  expect(h.store.health()).toMatchObject({ state: "failing", problem: "locked", reason: "database locked" });
  expect(await activeCodes()).toContain("S_STORAGE");
  expect(await activeCodes()).not.toContain("S_LINK_LOST");

  const stop = await post("/api/estop");
  expect(stop.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
  await h.until(() => h.app.panel.panel.sessionView() === undefined, 10_000);

  holder.exec("COMMIT");
  // The harness's store has no retry clock (serve's has): the next write after the back-off replays the queue.
  await h.advance(RETRY_MS);
  await post("/api/estop");
  expect(h.store.health()).toMatchObject({ state: "ok", queued: 0 });
  expect(h.store.sessions.get(id)).toMatchObject({ outcome: "estopped" });
  expect(await activeCodes()).not.toContain("S_STORAGE");
});
