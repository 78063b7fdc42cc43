// Staff press the emergency stop because the back projector got hot (its switch stuck on),
// and its power-cut relay is welded too. The ESTOP is "confirmed" (state estop, setpoints 0, duty
// 0, cut flags set), the session ends `estopped`, and the element keeps warming under the person's
// spine: S_HEATER_NOT_CUT ("help the person off, switch off at the mains") is only raised inside a
// running session's supervisor, and nobody supervises after the emergency stop.
import { afterEach, expect, it } from "vitest";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "../server/harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("projector stuck on + welded cut, staff press ESTOP → within 60 s a high alarm tells them the heater keeps warming (help the person off, mains switch)", async () => {
  h = await panelHarness({ faults: parseFaultSpec("relay-welded:projector") });
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h!.sim.truth.zones.projector.elementC >= 48 && h!.app.panel.panel.sessionView()?.state === "running.step", 600_000)).toBe(true);
  h.sim.injectFault(parseOneFault("heater-stuck-on:projector"));
  await h.advance(2_000);
  const r = await h.call({ method: "POST", url: "/api/estop" });
  expect(r.statusCode).toBe(200);
  const atEstopC = h.sim.truth.zones.projector.elementC;
  await h.advance(60_000);
  const nowC = h.sim.truth.zones.projector.elementC;
  // The ground truth: the cut flag is set but the welded relay still powers the shorted heater.
  expect(h.sim.truth.state).toBe("estop");
  expect(h.sim.truth.zones.projector.heaterPowerW).toBeGreaterThan(0);
  expect(nowC).toBeGreaterThan(atEstopC + 2);
  const alarms = (await h.call("/api/alarms")).json().active as { code: string; priority: string }[];
  expect(alarms.map((a) => a.code), `element ${atEstopC.toFixed(1)} → ${nowC.toFixed(1)} °C in the minute after the "confirmed" emergency stop`).toContain("S_HEATER_NOT_CUT");
}, 120_000);
