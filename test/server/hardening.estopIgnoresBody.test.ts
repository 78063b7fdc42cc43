// POST /api/estop ignores whatever body it gets: a client sending a JSON content type with an empty
// or broken body still stops the bed.
import { afterEach, beforeEach, expect, it } from "vitest";
import { panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it.each([
  ["empty JSON body", ""],
  ["broken JSON body", "{"],
])("estop with content-type application/json and an %s still stops the bed", async (_name, payload) => {
  const r = await h.call({ method: "POST", url: "/api/estop", headers: { "content-type": "application/json" }, payload });
  expect(r.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
});
