// What the panel shows: status and identity, programs and the runner's-day suggestion, alarms and
// their acknowledgement, session history, the technician reads, the page itself and the OpenAPI document.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

describe("status, programs, suggestion", () => {
  it("status names the bed and carries the latest telemetry", async () => {
    await h.advance(500);
    const s = (await h.call("/api/status")).json();
    expect(s).toMatchObject({ link: "up", bed: { model: expect.any(String), serial: "SIM-000001", trackMm: 780 }, session: null, lastSession: null });
    expect(s.telemetry).toMatchObject({ state: expect.any(String), projectorC: expect.any(Number) });
  });

  it("programs list every built-in with duration and steps in words", async () => {
    const { programs } = (await h.call("/api/programs")).json();
    expect(programs.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(["full-body-relaxation", "post-run-recovery", "heat-only"]));
    expect(programs[0]).toMatchObject({ durationText: expect.stringMatching(/min/), steps: expect.arrayContaining([expect.objectContaining({ text: expect.any(String) })]) });
  });

  it("suggestion: Monday → full-body relaxation; long run → post-run recovery; acute swelling → no program", async () => {
    expect((await h.call("/api/programs/suggestion?day=monday")).json()).toMatchObject({ programId: "full-body-relaxation", program: { name: "Full-body relaxation" } });
    expect((await h.call("/api/programs/suggestion?activity=long-run&hoursSinceRun=1")).json().programId).toBe("post-run-recovery");
    expect((await h.call("/api/programs/suggestion?day=monday&acuteSwelling=true")).json()).toMatchObject({ programId: null, program: null });
  });

  it.each([
    ["/api/programs/suggestion", "day"],
    ["/api/programs/suggestion?day=funday", "day"],
    ["/api/programs/suggestion?activity=swimming", "activity"],
    ["/api/programs/suggestion?day=monday&weightKg=900", "weightKg"],
    ["/api/programs/suggestion?day=monday&hoursSinceRun=abc", "hoursSinceRun"],
    ["/api/programs/suggestion?day=monday&colour=red", "querystring"],
    ["/api/sessions?limit=0", "limit"],
    ["/api/sessions?limit=ten", "limit"],
    ["/api/sessions/not-a-uuid", "id"],
  ])("GET %s → 400 naming %s", async (url, field) => {
    const r = await h.call(url);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: "INVALID_ARGUMENT", field });
  });

  it("screening questions come from the server (one list for page and API)", async () => {
    const q = (await h.call("/api/screening")).json();
    expect(q.questions.map((x: { key: string }) => x.key)).toEqual(["pacemakerOrImplants", "pregnancy", "osteoporosis", "recentSurgery", "diabetes"]);
  });
});

describe("alarms and history", () => {
  it("an alarm is acknowledged once: 200, then 409; an unknown id → 404; a bad id → 400", async () => {
    await h.call({ method: "POST", url: "/api/estop" });
    const { active } = (await h.call("/api/alarms")).json();
    const id = active[0].id as number;
    const ack = await h.call({ method: "POST", url: `/api/alarms/${id}/ack` });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ id, acknowledgedBy: "staff" });
    expect((await h.call({ method: "POST", url: `/api/alarms/${id}/ack` })).statusCode).toBe(409);
    expect((await h.call({ method: "POST", url: "/api/alarms/9999/ack" })).statusCode).toBe(404);
    const bad = await h.call({ method: "POST", url: "/api/alarms/abc/ack" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe("id");
    expect((await h.call("/api/alarms")).json().active).toEqual([]);
  });

  it("history lists sessions newest first and returns one by id; an unknown id → 404", async () => {
    await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
    await h.advance(2000);
    await h.call({ method: "POST", url: "/api/session/stop" });
    await h.until(() => h.app.panel.panel.sessionView() === undefined, 60_000);
    const { sessions } = (await h.call("/api/sessions?limit=5")).json();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ programId: "swedish", outcome: "stopped", startedBy: "staff", durationMs: expect.any(Number) });
    expect((await h.call(`/api/sessions/${sessions[0].id}`)).json().id).toBe(sessions[0].id);
    expect((await h.call("/api/sessions/6f1c2a9e-0000-4000-8000-000000000000")).statusCode).toBe(404);
  });
});

describe("technician routes (logged in)", () => {
  it("device log, link stats, device info, audit; reset refused with 409 during a session", async () => {
    const token = (await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } })).json().token;
    const auth = { authorization: `Bearer ${token}` };
    expect((await h.call({ url: "/api/tech/device-log", headers: auth })).json()).toMatchObject({ entries: expect.any(Array) });
    expect((await h.call({ method: "POST", url: "/api/tech/device-log/clear", headers: auth })).statusCode).toBe(200);
    expect((await h.call({ url: "/api/tech/link-stats", headers: auth })).json()).toMatchObject({ state: "up", crcErrors: 0 });
    expect((await h.call({ url: "/api/tech/device-info", headers: auth })).json()).toMatchObject({ identity: { serial: "SIM-000001" }, info: { counters: expect.any(Object) } });
    await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
    const reset = await h.call({ method: "POST", url: "/api/tech/reset", headers: auth });
    expect(reset.statusCode).toBe(409);
    const audit = (await h.call({ url: "/api/tech/audit?limit=50", headers: auth })).json().entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["tech.login", "device.log.clear", "session.start"]));
    expect((await h.call({ url: "/api/tech/audit?limit=9999", headers: auth })).json().field).toBe("limit");
  });
});

describe("the page and the API document", () => {
  it("serves the page and its scripts from the panel itself (no CDN), with a strict content policy", async () => {
    const page = await h.call("/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const f of ["/panel.js", "/panel.css", "/chart.js", "/spine.js", "/tech.js"]) expect((await h.call(f)).statusCode).toBe(200);
    expect((await h.call("/../package.json")).statusCode).toBe(404);
  });

  it("OpenAPI document lists every API route with its schemas", async () => {
    const doc = (await h.call("/api/openapi.json")).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ["/api/status", "/api/session/start", "/api/estop", "/api/alarms/{id}/ack", "/api/sessions", "/api/tech/device-log"]) expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths["/api/session/start"].post.requestBody.content["application/json"].schema.properties.confirmations).toBeDefined();
  });
});
