// A technician runs the self-test from the panel (fastify.inject, simulator in virtual time): every
// check reported with its verdict, progress pushed on the technician stream, the report as HTML, and
// the bed never shared between a self-test and a therapy session.
import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHECK_IDS } from "../../src/diag/index.ts";
import { CONFIRMED, drive, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
let auth: { authorization: string };
beforeEach(async () => {
  h = await panelHarness({ person: null }); // nobody on the bed: the heater checks may run
  const r = await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } });
  auth = { authorization: `Bearer ${r.json().token}` };
});
afterEach(async () => {
  await h.close();
});

const startDiag = (payload: object = {}) => h.call({ method: "POST", url: "/api/tech/diag", headers: auth, payload });
const diagState = async () => (await h.call({ url: "/api/tech/diag", headers: auth })).json();
const audited = (action: string) => h.store.audit.recent(50).some((e) => e.action === action);
/** A whole self-test is a few minutes of bed time (two 60 s heater rises, the carriage travel). */
const DIAG_MAX_MS = 20 * 60_000;

/** The technician stream over a real socket, authenticated by the login cookie as the page's EventSource is. */
async function subscribe(port: number, cookie: string): Promise<{ events: { event: string; data: any }[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const events: { event: string; data: any }[] = [];
    const req = request({ host: "127.0.0.1", port, path: "/api/tech/live", headers: { cookie } }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        for (let i; (i = buf.indexOf("\n\n")) >= 0; buf = buf.slice(i + 2)) {
          const block = buf.slice(0, i);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      resolve({ events, close: () => req.destroy() });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the self-test from the technician page", () => {
  it("runs in the background to a report with every check passed; progress streams live; the HTML report opens; start and finish are audited", async () => {
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const login = await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } });
    const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
    const live = await drive(h.clock, subscribe(port, cookie));
    await drive(h.clock, new Promise((r) => setTimeout(r, 20)));
    expect(live.events.map((e) => e.event)).toEqual(["diag", "firmware"]);
    expect(live.events[0]!.data).toMatchObject({ state: "idle" });

    const r = await startDiag({ clearLog: false });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ state: "running", fraction: 0 });
    expect(r.json().checks.map((c: { id: string }) => c.id)).toEqual([...CHECK_IDS]);

    // Watch it run with real turns in between, so the stream's frames reach the socket.
    for (let i = 0; i < 600 && !audited("diag.finish"); i++) {
      await h.advance(2000);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(audited("diag.finish")).toBe(true);
    await drive(h.clock, new Promise((r) => setTimeout(r, 50)));
    const s = await diagState();
    expect(s.state).toBe("finished");
    expect(s.fraction).toBe(1);
    expect(s.result).toMatchObject({ overall: "pass", aborted: false, linkLost: false, reportUrl: "/api/tech/diag/report.html", endState: { parked: true, projectorSetC: 0, matSetC: 0 } });
    for (const c of s.checks) expect(c.status, `${c.id}: ${c.message}`).toBe("pass");
    const rise = s.checks.find((c: { id: string }) => c.id === "heater.projector").measurements.find((m: { name: string }) => m.name === "rise in 60 s");
    expect(rise).toMatchObject({ value: expect.any(Number), limit: expect.stringMatching(/expected/), ok: true });

    const pushed = live.events.filter((e) => e.event === "diag").map((e) => e.data);
    expect(pushed.some((d) => d.checks.some((c: { status: string; step?: string }) => c.status === "running" && /s left/.test(c.step ?? "")))).toBe(true);
    const fractions = pushed.filter((d) => d.state === "running").map((d) => d.fraction);
    expect(fractions.length).toBeGreaterThan(10);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(pushed.at(-1)).toMatchObject({ state: "finished" });
    live.close();

    const html = await h.call({ url: "/api/tech/diag/report.html", headers: auth });
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toMatch(/text\/html/);
    expect(html.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(html.body).toContain("Heater rise: projector");
    expect(html.body).toContain("<svg");

    const audit = h.store.audit.recent(20).filter((e) => e.action.startsWith("diag."));
    expect(audit.map((e) => e.action)).toEqual(["diag.finish", "diag.start"]);
    expect(audit[0]).toMatchObject({ actor: "technician", remote: "127.0.0.1", detail: { overall: "pass", failed: [] } });

    // The report survives a restart of the server on the same data directory.
    const dataDir = h.dataDir;
    const keep = await panelHarness({ dataDir, person: null });
    try {
      const login2 = await keep.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } });
      const again = await keep.call({ url: "/api/tech/diag/report.html", headers: { authorization: `Bearer ${login2.json().token}` } });
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain("Heater rise: projector");
    } finally {
      await keep.close();
    }
  }, 60_000);

  it("before any run, the report is 404 and there is nothing to abort (409)", async () => {
    expect((await h.call({ url: "/api/tech/diag/report.html", headers: auth })).statusCode).toBe(404);
    const r = await h.call({ method: "POST", url: "/api/tech/diag/abort", headers: auth });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/No self-test is running/);
  });

  it.each([
    [{ clearLog: "yes" }, "clearLog"],
    [{ clearLog: true, zones: ["mat"] }, "body"],
  ])("bad body %j → 400 naming %s, nothing started", async (payload, field) => {
    const r = await startDiag(payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
    expect((await diagState()).state).toBe("idle");
  });

  it("while it runs: a technician reset of the bed is refused with 409 (it would undo the test's safe state)", async () => {
    expect((await startDiag()).statusCode).toBe(202);
    await h.until(() => h.sim.truth.zones.projector.setC > 0, 120_000);
    const reset = await h.call({ method: "POST", url: "/api/tech/reset", headers: auth });
    expect(reset.statusCode).toBe(409);
    expect(reset.json().message).toMatch(/while the self-test is running/);
  });

  it("while it runs: a second self-test, a firmware update and a program start are refused with 409; abort skips the rest and leaves the bed idle, cold and parked", async () => {
    expect((await startDiag()).statusCode).toBe(202);
    await h.until(() => h.sim.truth.zones.projector.setC > 0, 120_000); // in the heater rise
    const again = await startDiag();
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/self-test is running/);
    const flash = await h.call({ method: "POST", url: "/api/tech/firmware", headers: { ...auth, "content-type": "application/octet-stream" }, payload: Buffer.from("whatever") });
    expect(flash.statusCode).toBe(409);
    const session = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
    expect(session.statusCode).toBe(409);
    expect(session.json()).toMatchObject({ code: "NOT_ALLOWED_IN_STATE", state: "diagnostics" });
    expect(session.json().message).toMatch(/self-test is running/);

    const abort = await h.call({ method: "POST", url: "/api/tech/diag/abort", headers: auth });
    expect(abort.statusCode).toBe(200);
    expect(abort.json().state).toBe("aborting");
    expect(await h.until(() => audited("diag.finish"), 120_000)).toBe(true);
    const s = await diagState();
    expect(s).toMatchObject({ state: "finished", result: { aborted: true, overall: "fail" } });
    expect(s.checks.filter((c: { status: string }) => c.status === "skipped").length).toBeGreaterThanOrEqual(4);
    await h.advance(500);
    expect(h.sim.truth.zones.projector).toMatchObject({ setC: 0, duty: 0 });
    expect(h.sim.truth.lift).toBe(0);
    expect(audited("diag.abort")).toBe(true);
    // The bed is free again: a program may start.
    expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } })).statusCode).toBe(201);
  }, 30_000);

  it("the emergency stop still works during the self-test: heaters off at once, the run ends with failed checks instead of hanging", async () => {
    expect((await startDiag()).statusCode).toBe(202);
    await h.until(() => h.sim.truth.zones.projector.duty > 0, 120_000);
    expect((await h.call({ method: "POST", url: "/api/estop" })).statusCode).toBe(200);
    expect(h.sim.truth).toMatchObject({ state: "estop", zones: { projector: { duty: 0 }, mat: { duty: 0 } } });
    expect(await h.until(() => audited("diag.finish"), DIAG_MAX_MS)).toBe(true);
    const s = await diagState();
    expect(s).toMatchObject({ state: "finished", result: { overall: "fail" } });
    expect(s.checks.find((c: { id: string }) => c.id === "heater.projector").status).not.toBe("pass");
    expect(h.sim.truth.zones.projector.duty).toBe(0);
  }, 30_000);

  it("during a therapy session the self-test is refused (409 naming the session) and nothing is sent to the bed", async () => {
    expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } })).statusCode).toBe(201);
    const r = await startDiag();
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/during a therapy session \(Swedish/);
    expect((await diagState()).state).toBe("idle");
    expect(audited("diag.start")).toBe(false);
  });
});
