// POST /api/estop reads nothing from the request: any body, any content type, any size. A client
// sending a JSON content type with an empty or broken body still stops the bed; so does a 20 KB
// body (over the panel's 16 KB limit for everything else), which used to get 413 and leave it running.
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

it.each([
  ["20 KB of JSON", "application/json", JSON.stringify({ junk: "x".repeat(20_000) })],
  ["1 MB of form data", "application/x-www-form-urlencoded", `a=${"y".repeat(1024 * 1024)}`],
  ["binary", "application/octet-stream", Buffer.alloc(64 * 1024, 0xff)],
  ["no content type", undefined, "stop"],
])("estop with %s → 200 and the bed is stopped", async (_name, type, payload) => {
  const r = await h.call({ method: "POST", url: "/api/estop", headers: type ? { "content-type": type } : {}, payload });
  expect(r.statusCode).toBe(200);
  expect(h.sim.truth.state).toBe("estop");
});

it("the rest of the panel keeps its body limit: a 20 KB start request is refused with 413", async () => {
  const r = await h.call({ method: "POST", url: "/api/session/start", headers: { "content-type": "application/json" }, payload: JSON.stringify({ programId: "x".repeat(20_000) }) });
  expect(r.statusCode).toBe(413);
  expect(h.sim.truth.state).not.toBe("estop");
});
