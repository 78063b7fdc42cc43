// The login rate limit counts an attempt before the slow secret check, so parallel attempts
// cannot all slip past it (5 per address is the documented limit).
import { afterEach, beforeEach, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_ADDRESS } from "../../src/server/auth.ts";
import { panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it("parallel wrong logins from one address get at most the per-address allowance checked", async () => {
  const rs = await Promise.all(Array.from({ length: 40 }, () => h.app.inject({ method: "POST", url: "/api/tech/login", payload: { secret: "AAAA-BBBB" }, remoteAddress: "10.0.0.9" })));
  const checked = rs.filter((r) => r.statusCode === 401).length;
  expect(rs.every((r) => r.statusCode === 401 || r.statusCode === 429)).toBe(true);
  expect(checked).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ADDRESS);
});
