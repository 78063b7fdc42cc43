// The bed acknowledges the emergency stop but does not act on it, or does not answer it at all:
// the panel must not say "confirmed", must stop the heartbeat so the bed's own lease makes it
// safe, must send nothing that heats or moves afterwards, and must tell staff what to do.
import { afterEach, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { drivingFramesAfter, simNowMs, wireFrames } from "../helpers/wireMonitor.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it.each(["estop-ignored", "estop-unanswered"])("%s mid-program: 502 telling staff to help the person off; no heartbeat, no LIFT/MOVE/HEAT after; the bed's lease makes it safe", async (kind) => {
  h = await panelHarness({ faults: parseFaultSpec(kind) });
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h!.sim.truth.zones.projector.duty > 0 && h!.app.panel.panel.sessionView()?.state === "running.step", 120_000)).toBe(true);
  const pressedMs = simNowMs(h.sim);
  const r = await h.call({ method: "POST", url: "/api/estop" });
  expect(r.statusCode).toBe(502);
  expect(r.json()).toMatchObject({ code: "ESTOP_UNCONFIRMED" });
  expect(r.json().message).toBe("The bed did not stop. Help the person off the bed and switch it off at the mains switch.");
  await h.advance(10_000);
  const frames = wireFrames(h.sim);
  expect(frames.filter((f) => f.toBed && f.type === "HB" && f.atMs > pressedMs + 1)).toEqual([]);
  expect(drivingFramesAfter(h.sim, pressedMs)).toEqual([]);
  expect(h.sim.truth.state).toBe("safe");
  expect(h.sim.truth.zones.projector.duty + h.sim.truth.zones.mat.duty).toBe(0);
  const alarms = (await h.call("/api/alarms")).json().active as { code: string; priority: string }[];
  expect(alarms).toEqual(expect.arrayContaining([expect.objectContaining({ code: "S_BED_NOT_STOPPED", priority: "high" })]));
  const status = (await h.call("/api/status")).json();
  expect(status).toMatchObject({ latch: { kind: "gaveUp" } });
  expect(h.store.sessions.list({ limit: 1 })[0]?.outcome).toBe("faulted");
});

it("a healthy bed: 200 'confirmed' only once telemetry shows the stop, within two telemetry periods", async () => {
  h = await panelHarness();
  await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(await h.until(() => h!.sim.truth.zones.projector.duty > 0, 120_000)).toBe(true);
  const before = h.clock.now();
  const r = await h.call({ method: "POST", url: "/api/estop" });
  expect(r.statusCode).toBe(200);
  expect(r.json().message).toContain("confirmed by the bed");
  const t = h.app.panel.panel.bed.latest!;
  expect({ state: t.state, set: t.projectorSetC + t.matSetC, duty: t.projectorDuty + t.matDuty }).toEqual({ state: "estop", set: 0, duty: 0 });
  expect(h.clock.now() - before).toBeLessThanOrEqual(250);
});
