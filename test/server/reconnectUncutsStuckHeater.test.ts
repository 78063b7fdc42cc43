// A stuck projector switch is detected (S_OFF_RISING), SAFE opens its power cut, the
// session ends `faulted` and the person is still on the bed waiting for help. Then the USB cable
// blips. The link reconnects with a fresh session id, and a HELLO with a new sid takes a `safe` bed
// back to `idle` with its power cuts *closed* (simulator/handshake.ts, PROTOCOL.md §9.2): the
// shorted heater is powered again, and no session is left to notice. Nobody asked for it: no
// operator pressed start, no technician released anything.
import { afterEach, expect, it } from "vitest";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "../server/harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("stuck heater cut after S_OFF_RISING, session faulted; a 1 s cable blip later → the projector's power stays cut and it does not warm again", async () => {
  h = await panelHarness({ faults: parseFaultSpec("heater-stuck-on:projector@300s") });
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h!.app.panel.panel.sessionView() === undefined && h!.app.panel.panel.lastSession() !== undefined, 900_000)).toBe(true);
  expect(h.app.panel.panel.lastSession()).toMatchObject({ outcome: "faulted", reason: { code: "S_OFF_RISING" } });
  await h.advance(5_000);
  expect(h.sim.truth.zones.projector.powerCut).toBe(true);
  const cutC = h.sim.truth.zones.projector.elementC;
  h.sim.injectFault(parseOneFault("unplug:1s"));
  let uncutMs = 0;
  let maxC = cutC;
  for (let i = 0; i < 900; i++) {
    await h.advance(100);
    if (!h.sim.truth.zones.projector.powerCut) uncutMs += 100;
    maxC = Math.max(maxC, h.sim.truth.zones.projector.elementC);
  }
  expect(h.app.panel.panel.bed.linkState).toBe("up");
  expect({ stateAfterBlip: h.sim.truth.state, projectorPowerRestoredForMs: uncutMs, warmedByC: +(maxC - cutC).toFixed(1) }).toEqual({ stateAfterBlip: "safe", projectorPowerRestoredForMs: 0, warmedByC: 0 });
}, 180_000);
