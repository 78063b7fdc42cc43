// The --faults language and scenario files: every kind parses, bad input gets an error
// naming the part that is wrong, and the same seed replays the same wire byte for byte.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { FAULT_KIND_NAMES, FaultSpecError, loadScenario, parseFaultSpec, SimulatedBed } from "../../simulator/index.ts";
import { createLoopback } from "../../simulator/loopback.ts";
import { WireHost } from "./harness.ts";

describe("--faults spec", () => {
  it("knows at least fifteen fault kinds", () => {
    expect(FAULT_KIND_NAMES.length).toBeGreaterThanOrEqual(15);
  });

  it("parses the issue's example: a timed heater fault and a permanent bit-flip rate", () => {
    expect(parseFaultSpec("heater-dead:projector@120s,bitflip-rx:0.001")).toEqual([
      { kind: "heater-dead", zone: "projector", at: { atMs: 120_000 } },
      { kind: "bitflip-rx", rate: 0.001 },
    ]);
  });

  it("parses conditions, durations and defaults", () => {
    expect(parseFaultSpec("jam@positionMm>300, unplug@state=active+10s, overweight, slow-ack:2s")).toEqual([
      { kind: "jam", at: { field: "positionMm", op: ">", value: 300 } },
      { kind: "unplug", ms: 5000, at: { field: "state", op: "=", value: "active" }, forMs: 10_000 },
      { kind: "overweight", kg: 150 },
      { kind: "slow-ack", ms: 2000 },
    ]);
  });

  it("parses the misbehaving-firmware kinds, with times, a duration and a zone", () => {
    expect(parseFaultSpec("estop-ignored@120s, estop-unanswered, safe-ignored@state=active, commands-ignored+10s, telemetry-frozen@2m, relay-welded:mat")).toEqual([
      { kind: "estop-ignored", at: { atMs: 120_000 } },
      { kind: "estop-unanswered" },
      { kind: "safe-ignored", at: { field: "state", op: "=", value: "active" } },
      { kind: "commands-ignored", forMs: 10_000 },
      { kind: "telemetry-frozen", at: { atMs: 120_000 } },
      { kind: "relay-welded", zone: "mat" },
    ]);
  });

  it.each([
    ["relay-welded", /needs a parameter \(projector or mat\)/],
    ["relay-welded:leg", /zone must be projector or mat \(got "leg"\)/],
    ["estop-ignored:1", /estop-ignored takes no parameter/],
    ["heater-dead:projectr", /zone must be projector or mat \(got "projectr"\)/],
    ["bitflip-rx:2", /rate must be a probability from 0 to 1/],
    ["bitflip-rx", /needs a parameter/],
    ["meteor-strike", /unknown kind "meteor-strike"; known kinds: bitflip-rx/],
    ["heater-dead:mat@120", /expected a time with a unit, like 500ms, 120s or 2m/],
    ["jam@torque>3", /field must be one of projectorC/],
    ["jam:5", /jam takes no parameter/],
    ["overweight:90", /weight must be from 137 to 250 kg/],
    ["limit-stuck:middle", /switch must be one of home-open/],
    ["reboot,,brownout", /item 2: empty/],
  ])("rejects %s with a message naming the wrong part", (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe("scenario files", () => {
  const dir = mkdtempSync(join(tmpdir(), "bedlink-scenario-"));
  const write = (name: string, body: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof body === "string" ? body : JSON.stringify(body));
    return p;
  };

  it("reads timed and conditional faults, a person and a seed", () => {
    const p = write("ok.json", {
      description: "heater dies once the projector is warm; the person leaves at 5 min",
      seed: 42,
      person: { heightCm: 160, weightKg: 55 },
      faults: ["bitflip-tx:0.0005", { fault: "heater-dead:projector", when: "projectorC>=45" }, { fault: "person-off", at: "5m" }, { fault: "drop-frame-rx:0.5", at: "60s", for: "10s" }],
    });
    expect(loadScenario(p)).toEqual({
      description: "heater dies once the projector is warm; the person leaves at 5 min",
      seed: 42,
      person: { heightCm: 160, weightKg: 55 },
      faults: [
        { kind: "bitflip-tx", rate: 0.0005 },
        { kind: "heater-dead", zone: "projector", at: { field: "projectorC", op: ">=", value: 45 } },
        { kind: "person-off", at: { atMs: 300_000 } },
        { kind: "drop-frame-rx", rate: 0.5, at: { atMs: 60_000 }, forMs: 10_000 },
      ],
    });
  });

  it.each([
    ["bad-json.json", "{ not json", /bad-json.json: cannot read scenario/],
    ["no-faults.json", { person: null }, /no-faults.json: faults: /],
    ["bad-entry.json", { faults: [{ fault: "sensor-open:mat", at: "10s", when: "matC>30" }] }, /faults\[0\]: give either "at"/],
    ["bad-person.json", { person: { heightCm: 400, weightKg: 70 }, faults: [] }, /person.heightCm must be a number from 120 to 220/],
    ["bad-kind.json", { faults: ["reboot", "sensor-open:leg"] }, /faults\[1\].*zone must be projector or mat/],
    ["bad-welded.json", { faults: ["estop-ignored", { fault: "relay-welded", at: "10s" }] }, /faults\[1\].*relay-welded.*needs a parameter/],
  ])("%s is refused with the file and entry named", (name, body, message) => {
    expect(() => loadScenario(write(name, body))).toThrow(message);
  });

  it("accepts the misbehaving-firmware kinds", () => {
    const p = write("liar.json", { faults: [{ fault: "estop-ignored", at: "5m" }, { fault: "relay-welded:projector", when: "projectorC>=45" }, "telemetry-frozen"] });
    expect(loadScenario(p).faults).toEqual([
      { kind: "estop-ignored", at: { atMs: 300_000 } },
      { kind: "relay-welded", zone: "projector", at: { field: "projectorC", op: ">=", value: 45 } },
      { kind: "telemetry-frozen" },
    ]);
  });

  it("names a missing file", () => {
    expect(() => loadScenario(join(dir, "nope.json"))).toThrow(/nope.json: cannot read scenario/);
  });
});

describe("determinism", () => {
  async function session(seed: number): Promise<string[]> {
    const clock = new VirtualClock();
    const [hostEnd, bedEnd] = createLoopback(clock);
    const bed = new SimulatedBed({ clock, seed, faults: parseFaultSpec("bitflip-tx:0.002,drop-frame-rx:0.05,reorder-tx:0.05,dup-frame-rx:0.05") });
    const host = new WireHost(clock, hostEnd);
    bed.attach(bedEnd);
    await clock.advanceUntil(() => bed.truth.state === "idle", 30_000);
    await clock.advance(100);
    host.send("HELLO", { proto: [1, 1], host: "det", sid: "00000001" });
    host.startHeartbeat();
    await clock.advance(500);
    host.send("HEAT", { zone: "projector", targetC: 50 });
    host.send("LIFT", { level: 3 });
    host.send("MOVE", { positionMm: 700, speedMmS: 25 });
    await clock.advance(60_000);
    bed.stop();
    host.stopHeartbeat();
    return bed.wireLog;
  }

  it("the same seed gives a byte-identical wire log; another seed does not", async () => {
    const a = await session(11);
    const b = await session(11);
    const c = await session(12);
    expect(a.length).toBeGreaterThan(600);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
