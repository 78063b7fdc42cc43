// Checks that held up in a review of the panel, kept as regression tests.
import { request, type ClientRequest } from "node:http";
import { afterEach, beforeEach, expect, it } from "vitest";
import { CONFIRMED, drive, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it("HEAD, encoded and odd spellings of technician routes are refused or unknown for an anonymous caller", async () => {
  for (const url of ["/api/tech/device-info", "/api/tech/audit", "/api/tech/device-log", "/api/tech/link-stats", "/api/tech/diag", "/api/tech/firmware", "/api/tech/%61udit"]) {
    expect((await h.call({ method: "HEAD", url })).statusCode, `HEAD ${url}`).toBe(401);
    expect((await h.call({ method: "GET", url })).statusCode, `GET ${url}`).toBe(401);
  }
  for (const url of ["/API/TECH/AUDIT", "//api/tech/audit", "/api/tech/audit/", "/api/tech/audit;x"]) expect((await h.call(url)).statusCode, url).toBe(404);
  // Authorization that is not Bearer falls through to the cookie; a forged cookie is refused.
  expect((await h.call({ method: "GET", url: "/api/tech/audit", headers: { authorization: "Basic eDp5", cookie: "bedlink_tech=x" } })).statusCode).toBe(401);
});

it("static serving never reaches the disk with a request path", async () => {
  for (const url of ["/../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/panel.js/../../package.json", "/.env"]) {
    const r = await h.call(url);
    expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
    expect(r.body).not.toContain('"dependencies"');
  }
});

it("bad input answers 400 naming the field (no 500)", async () => {
  const cases: [object, string][] = [
    [{ method: "POST", url: "/api/session/start" }, "body"],
    [{ method: "POST", url: "/api/session/start", payload: [1] }, "body"],
    [{ method: "POST", url: "/api/session/start", payload: { programId: "__proto__", confirmations: CONFIRMED } }, "programId"],
    [{ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: { cover: true, screening: { ...CONFIRMED.screening, diabetes: "no" } } } }, "confirmations.screening.diabetes"],
    [{ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: { cover: false, screening: CONFIRMED.screening } } }, "confirmations.cover"],
    [{ method: "POST", url: "/api/alarms/abc/ack" }, "id"],
    [{ method: "POST", url: "/api/alarms/99999999999999999999/ack" }, "id"],
    [{ method: "GET", url: "/api/sessions?limit=abc" }, "limit"],
    [{ method: "GET", url: "/api/sessions?before=1e300" }, "before"],
    [{ method: "GET", url: "/api/sessions/not-a-uuid" }, "id"],
    [{ method: "GET", url: "/api/programs/suggestion?day=monday&day=tuesday" }, "day"],
    [{ method: "GET", url: "/api/programs/suggestion?day=monday&hoursSinceRun=Infinity" }, "hoursSinceRun"],
    [{ method: "POST", url: "/api/tech/login", payload: { secret: 5 } }, "secret"],
  ];
  for (const [o, field] of cases) {
    const r = await h.call(o as never);
    expect(r.statusCode, JSON.stringify(o)).toBe(400);
    expect(r.json().field, JSON.stringify(o)).toBe(field);
  }
  // SQL goes through bound parameters: a quote in an id is just a 400, the table is intact.
  expect((await h.call("/api/sessions/'%20OR%201=1--")).statusCode).toBe(400);
});

it("live subscribers are dropped when their page goes away", async () => {
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const clients: ClientRequest[] = [];
  await drive(
    h.clock,
    Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve, reject) => {
            const c = request({ host: "127.0.0.1", port, path: "/api/live" }, (res) => {
              res.resume();
              resolve();
            });
            c.on("error", reject);
            c.end();
            clients.push(c);
          }),
      ),
    ),
  );
  expect(h.app.panel.live.size).toBe(20);
  for (const c of clients) c.destroy();
  await drive(h.clock, new Promise((r) => setTimeout(r, 50)));
  expect(h.app.panel.live.size).toBe(0);
});
