// The emergency stop must not depend on parsing the technician cookie: another app on localhost can
// set any cookie at Path=/, and a malformed one must read as "not logged in", never cancel the stop.
import { afterEach, beforeEach, expect, it } from "vitest";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it("a malformed bedlink_tech cookie does not stop the emergency stop from reaching the bed", async () => {
  expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "full-body-relaxation", confirmations: CONFIRMED } })).statusCode).toBe(201);
  expect(await h.until(() => h.sim.truth.zones.projector.duty > 0, 90_000)).toBe(true);
  const r = await h.call({ method: "POST", url: "/api/estop", headers: { cookie: "theme=dark; bedlink_tech=50%" } });
  expect(r.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
  expect(h.sim.truth.zones.projector.duty).toBe(0);
});

it("a malformed bedlink_tech cookie gives staff routes no 500 (treated as not logged in)", async () => {
  expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: CONFIRMED }, headers: { cookie: "bedlink_tech=%zz" } })).statusCode).toBe(201);
  const r = await h.call({ method: "POST", url: "/api/session/stop", headers: { cookie: "bedlink_tech=%zz" } });
  expect(r.statusCode).toBe(200);
});
