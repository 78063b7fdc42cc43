// Staff routes need no login, so the panel refuses requests from other sites and from names that
// only resolve here by DNS rebinding; the emergency stop stays open to anything that can reach it.
import { afterEach, beforeEach, expect, it } from "vitest";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it("a cross-site simple POST (text/plain, Origin elsewhere) cannot acknowledge (silence) an alarm", async () => {
  expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: CONFIRMED } })).statusCode).toBe(201);
  await h.call({ method: "POST", url: "/api/estop" }); // raises E_ESTOP (high)
  const alarm = (await h.call("/api/alarms")).json().active[0];
  const crossSite = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "text/plain" };
  const ack = await h.call({ method: "POST", url: `/api/alarms/${alarm.id}/ack`, headers: crossSite, payload: "" });
  expect(ack.statusCode).toBe(403);
});

it("a request whose Host is not this panel (DNS rebinding) cannot start a program", async () => {
  const r = await h.call({ method: "POST", url: "/api/session/start", headers: { host: "rebind.evil.example:8080" }, payload: { programId: "heat-only", confirmations: CONFIRMED } });
  expect(r.statusCode).toBeGreaterThanOrEqual(400);
});
