// An emergency stop pressed while a start is releasing the bed's safe state wins: the start is
// refused and the bed stays latched (the driver refuses every RESET, HEAT or MOVE after an ESTOP).
import { afterEach, beforeEach, expect, it } from "vitest";
import { CONFIRMED, drive, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

it("an emergency stop pressed while a start is releasing the bed's safe state wins", async () => {
  const bed = h.app.panel.panel.bed;
  expect(await drive(h.clock, bed.safe())).toBe("safe");
  expect(h.sim.truth.state).toBe("safe");

  const reset = bed.reset.bind(bed);
  let estop: Promise<Awaited<ReturnType<typeof h.call>>> | undefined;
  // Instrumentation only: the moment the start's RESET is sent, the operator presses the stop button.
  (bed as { reset: typeof bed.reset }).reset = (...args: Parameters<typeof bed.reset>) => {
    const p = reset(...args);
    estop ??= h.app.inject({ method: "POST", url: "/api/estop" }) as Promise<Awaited<ReturnType<typeof h.call>>>;
    return p;
  };
  const start = h.app.inject({ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: CONFIRMED } });
  const [s, e] = await drive(
    h.clock,
    Promise.all([
      start,
      (async () => {
        while (!estop) await new Promise((r) => setTimeout(r, 0));
        return estop;
      })(),
    ]),
  );
  expect(e.statusCode).toBe(200); // the page was told: heaters off, carriage stopped
  const heated = await h.until(() => h.sim.truth.zones.projector.setC > 0 || h.sim.truth.zones.mat.setC > 0, 60_000);
  expect({ start: s.statusCode, heatedAfterEstop: heated, bed: h.sim.truth.state }).toEqual({ start: 409, heatedAfterEstop: false, bed: "estop" });
});
