// The store on its own: a session row written as it goes, finished with its outcome; rows left
// `running` by a dead server become `interrupted`; alarms and the audit log keep what happened.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openStore, type PanelStore } from "../../src/store/index.ts";

let dir: string;
let nowMs: number;
let store: PanelStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bedlink-store-"));
  nowMs = 1_767_603_600_000;
  store = openStore(dir, () => nowMs);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const begin = (id: string) => store.sessions.begin({ id, programId: "swedish", programName: "Swedish", startedBy: "staff", deviceSerial: "SIM-1" });

it("a session is written as it goes and finished with outcome, reason, faults and duration", () => {
  begin("a");
  nowMs += 60_000;
  store.sessions.progress("a", { lastState: "running.step", faults: [], maxProjectorC: 48.2 });
  nowMs += 30_000;
  store.sessions.finish("a", "faulted", { lastState: "faulted", faults: [{ code: "S_NO_RISE", priority: "high", text: "Heater on but not warming.", atMs: 80_000 }], reasonCode: "S_NO_RISE", reasonText: "Heater on but not warming." });
  expect(store.sessions.get("a")).toMatchObject({ outcome: "faulted", durationMs: 90_000, maxProjectorC: 48.2, reasonCode: "S_NO_RISE", faults: [{ code: "S_NO_RISE" }] });
});

it("a server that died mid-session: on the next start the row shows interrupted, with its last state and time, never lost", () => {
  begin("b");
  nowMs += 45_000;
  store.sessions.progress("b", { lastState: "running.step", faults: [] });
  store.close();
  nowMs += 3_600_000;
  store = openStore(dir, () => nowMs);
  expect(store.sessions.markInterrupted()).toBe(1);
  expect(store.sessions.get("b")).toMatchObject({ outcome: "interrupted", lastState: "running.step", durationMs: 45_000, reasonCode: "INTERRUPTED" });
  expect(store.sessions.markInterrupted()).toBe(0);
});

it("history pages newest first", () => {
  for (const id of ["1", "2", "3"]) {
    begin(id);
    nowMs += 1000;
  }
  const first = store.sessions.list({ limit: 2 });
  expect(first.map((s) => s.id)).toEqual(["3", "2"]);
  expect(store.sessions.list({ limit: 2, before: first[1]!.startedAt }).map((s) => s.id)).toEqual(["1"]);
});

it("alarms: active list is high first; acknowledging records who and when", () => {
  store.alarms.raise({ code: "I_SESSION_DONE", priority: "low", text: "done", source: "session" });
  const high = store.alarms.raise({ code: "E_CUTOUT", priority: "high", text: "cut-out", source: "device" });
  store.alarms.raise({ code: "S_LINK_LOST", priority: "medium", text: "link", source: "link" });
  expect(store.alarms.active().map((a) => a.priority)).toEqual(["high", "medium", "low"]);
  nowMs += 5000;
  expect(store.alarms.acknowledge(high.id, "staff")).toMatchObject({ acknowledgedBy: "staff", acknowledgedAt: nowMs });
  expect(store.alarms.active()).toHaveLength(2);
});

it("audit log keeps actor, action, detail and remote address, newest first", () => {
  store.audit.record("staff", "session.start", { programId: "swedish" }, "127.0.0.1");
  store.audit.record("technician", "device.reset", {}, "10.0.0.2");
  expect(store.audit.recent(5)).toMatchObject([
    { actor: "technician", action: "device.reset", remote: "10.0.0.2" },
    { actor: "staff", action: "session.start", detail: { programId: "swedish" } },
  ]);
});

it("technician secret: none by default, made once, verified by hash; sessions expire", async () => {
  expect(store.technician.hasSecret()).toBe(false);
  const secret = await store.technician.ensureSecret();
  expect(secret).toBeDefined();
  expect(await store.technician.ensureSecret()).toBeUndefined();
  expect(await store.technician.verifySecret(secret!)).toBe(true);
  expect(await store.technician.verifySecret("WRONG")).toBe(false);
  const { token } = store.technician.openSession(60_000);
  expect(store.technician.checkSession(token)).toBe(true);
  nowMs += 60_001;
  expect(store.technician.checkSession(token)).toBe(false);
});
