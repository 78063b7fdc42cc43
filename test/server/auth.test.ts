// Roles: staff run programs without a login; technician routes need the technician secret. The sweep
// walks the whole route table: every route declares its access, every technician route refuses an
// anonymous caller, and nothing outside a reviewed list may act on the bed without a login.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_ADDRESS, TECH_SESSION_MS } from "../../src/server/auth.ts";
import { panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

/** Routes anyone at the kiosk may call: reviewed one by one. A new route that changes the bed must be added here on purpose, or be technician-only. */
const STAFF_ACTIONS = new Set([
  "POST /api/session/start",
  "POST /api/session/pause",
  "POST /api/session/resume",
  "POST /api/session/stop",
  "POST /api/session/abort",
  "POST /api/estop", // never behind a login
  "POST /api/alarms/:id/ack",
  "POST /api/tech/login",
]);
/** Read-only routes open to staff: nothing here reads device internals (logs, counters, link statistics). */
const STAFF_READS = new Set([
  "GET /",
  "GET /index.html",
  "GET /panel.css",
  "GET /panel.js",
  "GET /chart.js",
  "GET /spine.js",
  "GET /tech.js",
  "GET /api/openapi.json",
  "GET /api/status",
  "GET /api/screening",
  "GET /api/live",
  "GET /api/programs",
  "GET /api/programs/suggestion",
  "GET /api/session",
  "GET /api/alarms",
  "GET /api/sessions",
  "GET /api/sessions/:id",
]);

/** Technician routes that answer an empty request with something other than 200, once past the login (in route-table order). */
const REACHED_WITH: Record<string, number> = {
  "POST /api/tech/diag": 202, // started in the background
  "POST /api/tech/diag/abort": 200, // stops the run the line above started
  "GET /api/tech/diag/report.html": 404, // the aborted run has not finished yet: no report
  "POST /api/tech/firmware": 415, // `{}` is not an image (application/octet-stream)
};
const STREAMS = new Set(["GET /api/tech/live"]);

const login = async (secret: string, remoteAddress = "127.0.0.1") => h.call({ method: "POST", url: "/api/tech/login", payload: { secret }, remoteAddress });

describe("auth sweep over the whole route table", () => {
  it("every route declares its access level", () => {
    const undeclared = h.app.panelRoutes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`);
    expect(h.app.panelRoutes.length).toBeGreaterThan(25);
    expect(undeclared).toEqual([]);
  });

  it("every technician route refuses an anonymous caller, a forged token and an expired one with 401", async () => {
    const tech = h.app.panelRoutes.filter((r) => r.access === "technician");
    expect(tech.length).toBeGreaterThanOrEqual(7);
    const ok = (await login(h.secret)).json().token as string;
    await h.advance(TECH_SESSION_MS + 1000);
    for (const r of tech) {
      const url = r.url.replace(":id", "1");
      for (const headers of [{}, { authorization: "Bearer forged-token" }, { cookie: "bedlink_tech=forged" }, { authorization: `Bearer ${ok}` }]) {
        const res = await h.call({ method: r.method as "GET", url, headers, payload: r.method === "GET" ? undefined : {} });
        expect(res.statusCode, `${r.method} ${r.url} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json().code).toBe("UNAUTHORIZED");
      }
    }
  });

  it("every route that is not technician-only is on the reviewed staff list, and every route under /api/tech/ but the login is technician-only", () => {
    for (const r of h.app.panelRoutes) {
      const key = `${r.method} ${r.url}`;
      if (r.access === "technician") continue;
      if (r.method === "GET") expect(STAFF_READS.has(key), `${key} reads without a login: review it`).toBe(true);
      else expect(STAFF_ACTIONS.has(key), `${key} acts without a login: review it`).toBe(true);
      if (r.url.startsWith("/api/tech/")) expect(key).toBe("POST /api/tech/login");
    }
  });

  it("a logged-in technician reaches every technician route", async () => {
    const token = (await login(h.secret)).json().token as string;
    for (const r of h.app.panelRoutes.filter((x) => x.access === "technician" && x.url !== "/api/tech/logout")) {
      const key = `${r.method} ${r.url}`;
      // A stream answers with its headers and stays open: read those, then let it go.
      const stream = STREAMS.has(key);
      const res = await h.call({ method: r.method as "GET", url: r.url, headers: { authorization: `Bearer ${token}` }, payload: r.method === "GET" ? undefined : {}, payloadAsStream: stream });
      if (stream) res.stream().destroy();
      expect(res.statusCode, key).toBe(REACHED_WITH[key] ?? 200);
    }
  });
});

describe("technician login", () => {
  it("the secret is stored only as a scrypt hash: the data directory never holds it in clear", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const bytes = readdirSync(h.dataDir).map((f) => readFileSync(`${h.dataDir}/${f}`).toString("latin1")).join("");
    expect(h.secret).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){7}$/);
    expect(bytes).not.toContain(h.secret);
    expect(bytes).not.toContain(h.secret.replaceAll("-", ""));
  });

  it("right secret → token and an HttpOnly cookie; the cookie alone opens the technician routes; logout ends it", async () => {
    const r = await login(h.secret.toLowerCase().replaceAll("-", " "));
    expect(r.statusCode).toBe(200);
    const cookie = String(r.headers["set-cookie"]);
    expect(cookie).toMatch(/bedlink_tech=.+; Path=\/api\/tech; HttpOnly; SameSite=Strict/);
    const jar = cookie.split(";")[0]!;
    expect((await h.call({ url: "/api/tech/link-stats", headers: { cookie: jar } })).statusCode).toBe(200);
    expect((await h.call({ method: "POST", url: "/api/tech/logout", headers: { cookie: jar } })).statusCode).toBe(200);
    expect((await h.call({ url: "/api/tech/link-stats", headers: { cookie: jar } })).statusCode).toBe(401);
  });

  it("wrong secret → 401 naming the field; after 5 wrong tries from one address → 429 with Retry-After, even for the right secret; other addresses still get in", async () => {
    const wrong = await login("AAAA-BBBB");
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: "WRONG_SECRET", field: "secret" });
    for (let i = 1; i < LOGIN_FAILURES_PER_ADDRESS; i++) expect((await login("nope")).statusCode).toBe(401);
    const blocked = await login(h.secret);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect((await login(h.secret, "10.0.0.9")).statusCode).toBe(200);
    await h.advance(15 * 60_000);
    expect((await login(h.secret)).statusCode).toBe(200);
    expect(h.store.audit.recent(20).map((e) => e.action)).toEqual(expect.arrayContaining(["tech.login", "tech.login.wrong-secret", "tech.login.rate-limited"]));
  });

  it("rotating the secret (as `bedlink tech rotate-secret` does) logs every technician out and the old secret stops working", async () => {
    const token = (await login(h.secret)).json().token as string;
    const fresh = await h.store.technician.rotateSecret();
    expect((await h.call({ url: "/api/tech/audit", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await login(h.secret)).statusCode).toBe(401);
    expect((await login(fresh)).statusCode).toBe(200);
  });

  it.each([[{}, "secret"], [{ secret: "" }, "secret"], [{ secret: 7 }, "secret"]])("login body %j → 400 naming %s", async (payload, field) => {
    const r = await h.call({ method: "POST", url: "/api/tech/login", payload });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
  });
});
