// The emergency stop is pressed and confirmed mid-program; a moment later the bed reboots
// (watchdog reset, a power blip). Its own estop latch is gone with the reboot: it boots, the link
// handshakes again, and the firmware homes the carriage by itself and sits `idle`, power cuts
// closed — while the controller still shows "emergency stop latched" and never stops it again.
// Believe the bed: a latched controller that sees the bed out of its stop must stop it again.
import { afterEach, expect, it } from "vitest";
import { parseOneFault } from "../../simulator/index.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle as settleVirtual } from "../helpers/virtualTime.ts";
import { simNowMs, wireFrames } from "../helpers/wireMonitor.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "../server/harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("ESTOP confirmed, then the bed reboots → the controller stops it again: no homing run under the person, the bed back in estop/safe", async () => {
  h = await panelHarness();
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h!.app.panel.panel.sessionView()?.state === "running.step" && h!.sim.truth.positionMm > 200, 600_000)).toBe(true);
  const r = await h.call({ method: "POST", url: "/api/estop" });
  expect(r.statusCode).toBe(200);
  await h.advance(2_000);
  const stoppedAtMm = h.sim.truth.positionMm;
  const rebootSimMs = simNowMs(h.sim);
  h.sim.injectFault(parseOneFault("reboot"));
  let maxSpeed = 0;
  const states = new Set<string>();
  for (let i = 0; i < 200; i++) {
    await h.advance(100);
    maxSpeed = Math.max(maxSpeed, Math.abs(h.sim.truth.speedMmS));
    states.add(h.sim.truth.state);
  }
  const estopsAfter = wireFrames(h.sim).filter((f) => f.toBed && f.type === "ESTOP" && f.atMs > rebootSimMs);
  // The controller still believes the bed is stopped...
  expect((await h.call("/api/status")).json().latch).toMatchObject({ kind: "estop" });
  // ...so the bed must be: never driven by its own homing run, and in a stopped state again.
  expect({ states: [...states], maxSpeedMmS: Math.round(maxSpeed), movedMm: Math.round(Math.abs(h.sim.truth.positionMm - stoppedAtMm)), estopsResent: estopsAfter.length, endState: h.sim.truth.state }).toMatchObject({
    maxSpeedMmS: 0,
    movedMm: 0,
    endState: expect.stringMatching(/^(estop|safe)$/),
  });
}, 120_000);

it("ESTOP confirmed, then the bed's readings show it out of its stop (state active: a firmware that drops its latch) → the controller stops it again, or stops renewing its lease", async () => {
  const s = scriptedHarness({ bed: { telemetry: true } });
  const bed = await settleVirtual(s.clock, BedDriver.connect({ transport: s.transport, clock: s.clock, random: s.random }));
  await s.clock.advance(500);
  await settleVirtual(s.clock, bed.estop());
  expect(bed.latch?.kind).toBe("estop");
  // The bed lets go of its emergency stop by itself; its telemetry says so.
  s.bed.state = "active";
  const from = s.bed.received.length;
  await s.clock.advance(2_000);
  const sent = s.bed.received.slice(from).map((f) => f.type);
  const estops = sent.filter((t) => t === "ESTOP").length;
  const heartbeats = sent.filter((t) => t === "HB").length;
  expect(estops > 0 || heartbeats === 0, `in the 2 s after the bed left its stop: ${estops} ESTOP sent, ${heartbeats} heartbeats renewing its lease`).toBe(true);
  await settleVirtual(s.clock, bed.close());
});
