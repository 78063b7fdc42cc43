// The warming-while-off watch (supervisor.ts checkRunaway) starts afresh whenever the zone's
// reported power cut changes (`cut !== wasCut → offRising.reset()`). A bed that lies about its cut
// flag — a chattering relay feedback contact, a firmware that retries closing its cut every few
// seconds — resets the baseline each time, and a stuck heater warming 0.07 K/s (the projector's
// figure in limits.ts) never shows 0.8 °C above its "coolest since": neither S_OFF_RISING nor
// S_HEATER_NOT_CUT ever trips, and the element climbs to the ceiling.
import { describe, expect, it } from "vitest";
import { CAP_HEAT_CUT, CUT_FLAG, TLM_FLAGS } from "../../protocols/constants.ts";
import type { Telemetry } from "../../protocols/messages.ts";
import { SafetySupervisor } from "../../src/therapy/supervisor.ts";
import { TEST_IDENTITY } from "../helpers/scriptedBed.ts";

const IDENTITY = { ...TEST_IDENTITY, caps: [...TEST_IDENTITY.caps, CAP_HEAT_CUT] };

function tlm(over: Partial<Telemetry>): Telemetry {
  return {
    tMs: 0,
    state: "active",
    projectorC: 45,
    matC: 38,
    projectorSetC: 0,
    matSetC: 38,
    projectorDuty: 0,
    matDuty: 20,
    positionMm: 300,
    targetMm: 300,
    speedMmS: 0,
    lift: 0,
    motorMa: 300,
    loadKg: 72,
    flags: TLM_FLAGS.homed,
    ...over,
  };
}

describe("a stuck projector heater on a bed whose cut flag chatters", () => {
  it.each([
    ["a steady flag (control: passes)", Infinity],
    ["the flag toggling every frame", 0.1],
    ["the flag toggling every 5 s", 5],
    ["the flag toggling every 10 s", 10],
  ])("%s, heater commanded off warming 0.07 K/s → a runaway trip within 30 s", (_label, flipS) => {
    const sup = new SafetySupervisor(IDENTITY, 0);
    let trip;
    let atMs = 0;
    for (let i = 0; i < 600 && !trip; i++) {
      atMs = i * 100;
      const cutOpen = Number.isFinite(flipS) && Math.floor(atMs / (flipS * 1000)) % 2 === 1;
      trip = sup.onTelemetry(tlm({ projectorC: 45 + 0.007 * i + ((i * 7919) % 11) * 0.01, loadKg: 72 + (i % 7) * 0.1, flags: TLM_FLAGS.homed | (cutOpen ? CUT_FLAG.projector : 0) }), atMs);
    }
    expect(trip?.code ?? "no trip", `no trip after ${atMs / 1000} s; element at ${(45 + 0.007 * 600).toFixed(1)} °C`).toMatch(/^S_(OFF_RISING|HEATER_NOT_CUT)$/);
    expect(trip!.atMs).toBeLessThanOrEqual(30_000);
  });
});
