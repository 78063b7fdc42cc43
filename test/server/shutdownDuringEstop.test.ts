// The server is shut down (SIGTERM from systemd, Ctrl-C) while an emergency stop pressed a
// moment earlier is still being confirmed. Panel.shutdown() writes the session row as `stopped`,
// "The panel server was shut down; the bed was made safe", over the emergency stop: the history a
// technician or an inspector reads no longer says the session ended in an emergency stop.
import { afterEach, expect, it } from "vitest";
import { CONFIRMED, drive, panelHarness, type PanelHarness } from "../server/harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("ESTOP pressed, server shut down before the stop is confirmed → the session is recorded as estopped, not as a plain stop", async () => {
  h = await panelHarness();
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h!.app.panel.panel.sessionView()?.state === "running.step", 600_000)).toBe(true);
  const id = started.json().id as string;
  const estop = h.app.inject({ method: "POST", url: "/api/estop" });
  // The shutdown arrives while the bed's confirmation is on its way (a few ms later).
  await h.advance(5);
  await drive(h.clock, h.app.close());
  await estop.catch(() => undefined);
  const row = h.store.sessions.list({ limit: 5 }).find((s) => s.id === id);
  expect({ outcome: row?.outcome, reason: row?.reasonCode }).toEqual({ outcome: "estopped", reason: "E_ESTOP" });
}, 120_000);
