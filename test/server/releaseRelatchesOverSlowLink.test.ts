// A technician releases an emergency stop on a bed behind a bridge with some latency. The
// driver clears its latch first and sends RESET after (bed.ts releaseLatch): every reading that
// still says `estop` before the RESET lands re-engages the latch ("a stop latched on the bed is a
// stop for the controller too"). The technician is told "ok", the E_ESTOP alarm is resolved, the
// bed goes idle — and the controller is latched again, refusing the next start. The release
// should be believed from the bed's telemetry (RESET, then the latch clears once a reading shows
// the bed out of its stop), not declared before it.
import { afterEach, expect, it } from "vitest";
import { parseOneFault } from "../../simulator/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "../server/harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("ESTOP, then the technician releases it over a 300 ms bridge → 200 ok, and afterwards the controller is not latched and a program can start", async () => {
  h = await panelHarness();
  await h.advance(20_000);
  expect((await h.call({ method: "POST", url: "/api/estop" })).statusCode).toBe(200);
  h.sim.injectFault(parseOneFault("delay-frame-rx:300"));
  const login = await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } });
  const token = login.json().token as string;
  const reset = await h.call({ method: "POST", url: "/api/tech/reset", headers: { authorization: `Bearer ${token}` }, payload: {} });
  expect(reset.statusCode).toBe(200);
  await h.advance(2_000);
  expect(h.sim.truth.state).not.toBe("estop");
  const status = (await h.call("/api/status")).json();
  expect({ latch: status.latch, bedState: status.telemetry?.state }).toEqual({ latch: null, bedState: h.sim.truth.state });
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "heat-only", confirmations: CONFIRMED } });
  expect(started.statusCode, started.body).toBe(201);
}, 120_000);
