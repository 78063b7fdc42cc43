// Operating the bed from the panel API (fastify.inject, simulator in virtual time): start with the
// pre-start confirmations, pause, resume, stop, emergency stop; bad input → 400 naming the field;
// commands the session's state does not allow → 409 saying why.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFIRMED, NO_TO_ALL, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

const start = (payload: unknown) => h.call({ method: "POST", url: "/api/session/start", payload: payload as object });
const post = (url: string) => h.call({ method: "POST", url });
const state = async () => (await h.call("/api/session")).json().session?.state as string | undefined;

describe("starting a program", () => {
  it("operator confirms cover and screening → session homes, scans the spine and runs; history shows it running", async () => {
    const r = await start({ programId: "full-body-relaxation", confirmations: CONFIRMED });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ programId: "full-body-relaxation", stateText: expect.any(String) });
    expect(["prechecks", "homing"]).toContain(r.json().state);
    expect(await h.until(() => h.sim.truth.zones.projector.setC > 0, 60_000)).toBe(true);
    expect(await state()).toBe("running.step");
    await h.advance(3000);
    const rows = h.store.sessions.list({ limit: 5 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "running", lastState: "running.step", startedBy: "staff", deviceSerial: "SIM-000001" });
  });

  it("a second start while one runs → 409 naming the running session", async () => {
    await start({ programId: "swedish", confirmations: CONFIRMED });
    const r = await start({ programId: "deep-tissue", confirmations: CONFIRMED });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: "NOT_ALLOWED_IN_STATE", state: expect.stringMatching(/prechecks|homing/) });
    expect(r.json().message).toMatch(/already in progress/);
  });

  it("a yes to a screening question → 409 in plain words, nothing sent to the bed, refusal audited", async () => {
    const r = await start({ programId: "swedish", confirmations: { cover: true, screening: { ...NO_TO_ALL, pregnancy: true } } });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/pregnant/i);
    expect(h.sim.truth.zones.projector.setC).toBe(0);
    expect(h.store.audit.recent(5).map((e) => e.action)).toContain("session.refused");
  });

  it.each([
    [{ confirmations: CONFIRMED }, "programId"],
    [{ programId: 42, confirmations: CONFIRMED }, "programId"],
    [{ programId: "no-such-program", confirmations: CONFIRMED }, "programId"],
    [{ programId: "swedish" }, "confirmations"],
    [{ programId: "swedish", confirmations: { cover: false, screening: NO_TO_ALL } }, "confirmations.cover"],
    [{ programId: "swedish", confirmations: { cover: true } }, "confirmations.screening"],
    [{ programId: "swedish", confirmations: { cover: true, screening: { ...NO_TO_ALL, diabetes: "no" } } }, "confirmations.screening.diabetes"],
    [{ programId: "swedish", confirmations: CONFIRMED, speed: 11 }, "body"],
  ])("bad start body %j → 400 naming %s", async (payload, field) => {
    const r = await start(payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe("INVALID_ARGUMENT");
    expect(r.json().field).toBe(field);
    expect(r.json().message).toContain(field === "body" ? "" : field);
    expect(h.store.sessions.list({ limit: 1 })).toHaveLength(0);
  });

  it("malformed JSON → 400 naming the body, not a crash", async () => {
    const r = await h.call({ method: "POST", url: "/api/session/start", headers: { "content-type": "application/json" }, payload: "{programId:" });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe("body");
  });
});

describe("pause, resume, stop", () => {
  it("pause while running → paused with heaters idle; resume → running again; stop → stopped and parked, history says stopped", async () => {
    await start({ programId: "full-body-relaxation", confirmations: CONFIRMED });
    await h.until(() => h.sim.truth.zones.projector.setC > 0, 60_000);
    const paused = await post("/api/session/pause");
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ state: "paused", allowed: { resume: true, pause: false } });
    await h.advance(1000);
    expect(h.sim.truth.zones.projector.setC).toBe(0);
    const resumed = await post("/api/session/resume");
    expect(resumed.json().state).toBe("running.step");
    const stopped = await post("/api/session/stop");
    expect(stopped.statusCode).toBe(200);
    // Stopping is the last order: heaters off (confirmed), then the carriage parks; nothing else is offered meanwhile.
    expect(stopped.json()).toMatchObject({ state: "parking", allowed: { pause: false, resume: false, stop: false, abort: false } });
    await h.until(() => h.app.panel.panel.sessionView() === undefined, 60_000);
    const last = (await h.call("/api/session")).json().lastSession;
    expect(last).toMatchObject({ outcome: "stopped", reason: { code: "STOPPED", text: "Stopped by the operator." } });
    expect(h.store.sessions.list({ limit: 1 })[0]).toMatchObject({ outcome: "stopped", reasonText: "Stopped by the operator." });
    expect(h.store.audit.recent(10).map((e) => e.action)).toEqual(expect.arrayContaining(["session.start", "session.pause", "session.resume", "session.stop"]));
  });

  it.each(["pause", "resume", "stop", "abort"])("%s with no session → 409 'no session is running'", async (cmd) => {
    const r = await post(`/api/session/${cmd}`);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: "NOT_ALLOWED_IN_STATE", state: "idle" });
  });

  it("resume while running, pause before the program runs, abort without a link loss → 409 saying the state", async () => {
    await start({ programId: "swedish", confirmations: CONFIRMED });
    const homingPause = await post("/api/session/pause");
    expect(homingPause.statusCode).toBe(409);
    expect(homingPause.json().message).toMatch(/^Cannot pause now: the session is (getting ready|moving to the start position)/);
    await h.until(() => h.sim.truth.zones.projector.setC > 0, 60_000);
    expect((await post("/api/session/resume")).statusCode).toBe(409);
    const abort = await post("/api/session/abort");
    expect(abort.statusCode).toBe(409);
    expect(abort.json().state).toBe("running.step");
  });
});

describe("emergency stop", () => {
  it("mid-program → 200 once the bed confirmed; heaters off at once; session estopped; high alarm; history says estopped", async () => {
    await start({ programId: "full-body-relaxation", confirmations: CONFIRMED });
    await h.until(() => h.sim.truth.zones.projector.duty > 0, 60_000);
    const r = await post("/api/estop");
    expect(r.statusCode).toBe(200);
    expect(r.json().stopped).toBe(true);
    expect(h.sim.truth.state).toBe("estop");
    expect(h.sim.truth.zones.projector.duty).toBe(0);
    expect(h.sim.truth.zones.mat.duty).toBe(0);
    await h.until(() => h.app.panel.panel.sessionView() === undefined, 10_000);
    expect(h.store.sessions.list({ limit: 1 })[0]?.outcome).toBe("estopped");
    const alarms = (await h.call("/api/alarms")).json();
    expect(alarms.active[0]).toMatchObject({ code: "E_ESTOP", priority: "high" });
  });

  it("with no session running → still 200 and the bed latches its stop (the button always works)", async () => {
    const r = await post("/api/estop");
    expect(r.statusCode).toBe(200);
    expect(h.sim.truth.state).toBe("estop");
  });

  it("a new program after an emergency stop is refused until a technician releases the stop; then it runs", async () => {
    await post("/api/estop");
    await h.advance(500);
    const refused = await start({ programId: "heat-only", confirmations: CONFIRMED });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: "NOT_ALLOWED_IN_STATE", state: "latched" });
    await h.advance(5_000);
    expect(h.sim.truth.state).toBe("estop");
    expect(h.sim.truth.zones.projector.setC + h.sim.truth.zones.mat.setC).toBe(0);
    const token = (await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } })).json().token;
    const released = await h.call({ method: "POST", url: "/api/tech/reset", headers: { authorization: `Bearer ${token}` } });
    expect(released.statusCode).toBe(200);
    const r = await start({ programId: "heat-only", confirmations: CONFIRMED });
    expect(r.statusCode).toBe(201);
    expect(await h.until(() => h.sim.truth.zones.projector.setC > 0 || h.sim.truth.zones.mat.setC > 0, 90_000)).toBe(true);
  });
});
