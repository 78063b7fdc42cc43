// Every simulator fault kind against a running program: the session ends (or carries on) safely,
// with the right fault code, and the bed itself never crossed a temperature limit.
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { runOnSimulator } from "./harness.ts";

interface Scenario {
  fault: string;
  /** Acceptable outcomes: link-quality faults must not end the session; hardware faults must. */
  outcomes: string[];
  /** A fault code the session must report (any of). */
  codes?: string[];
  program?: string;
  afterLinkLoss?: "abort" | "resume";
}

// Faults start 5 minutes in: after homing and the scan, in the middle of a step.
const SCENARIOS: Scenario[] = [
  { fault: "bitflip-rx:0.0005@300s", outcomes: ["completed"] },
  { fault: "bitflip-tx:0.0005@300s", outcomes: ["completed"] },
  { fault: "dropbyte-rx:0.0005@300s", outcomes: ["completed"] },
  { fault: "dropbyte-tx:0.0005@300s", outcomes: ["completed"] },
  { fault: "drop-frame-rx:0.05@300s", outcomes: ["completed"] },
  { fault: "drop-frame-tx:0.05@300s", outcomes: ["completed"] },
  { fault: "dup-frame-rx:0.05@300s", outcomes: ["completed"] },
  { fault: "dup-frame-tx:0.05@300s", outcomes: ["completed"] },
  { fault: "reorder-rx:0.05@300s", outcomes: ["completed"] },
  { fault: "reorder-tx:0.05@300s", outcomes: ["completed"] },
  { fault: "delay-frame-rx:200ms@300s", outcomes: ["completed"] },
  { fault: "delay-frame-tx:200ms@300s", outcomes: ["completed"] },
  { fault: "slow-ack:500ms@300s", outcomes: ["completed"] },
  { fault: "no-ack:0.2@300s", outcomes: ["completed"] },
  { fault: "reboot@300s", outcomes: ["stopped"], afterLinkLoss: "abort" },
  { fault: "reboot@300s", outcomes: ["completed"], afterLinkLoss: "resume" },
  { fault: "unplug:5s@300s", outcomes: ["stopped"], afterLinkLoss: "abort" },
  { fault: "unplug:5s@300s", outcomes: ["completed"], afterLinkLoss: "resume" },
  { fault: "sensor-open:projector@300s", outcomes: ["faulted"], codes: ["E_SENSOR_OPEN", "S_SENSOR_RANGE"] },
  { fault: "sensor-short:mat@300s", outcomes: ["faulted"], codes: ["E_SENSOR_SHORT", "S_SENSOR_RANGE"] },
  { fault: "heater-stuck-on:projector@300s", outcomes: ["faulted"], codes: ["S_OFF_RISING", "E_CUTOUT"] },
  { fault: "heater-stuck-on:mat@300s", outcomes: ["faulted"], codes: ["S_OFF_RISING", "E_CUTOUT"] },
  { fault: "heater-dead:projector@60s", outcomes: ["faulted"], codes: ["S_NO_RISE"] },
  { fault: "jam@300s", outcomes: ["faulted"], codes: ["S_CARRIAGE_STALL", "E_MOTOR_OVERCURRENT"] },
  { fault: "limit-stuck:home-closed@300s", outcomes: ["faulted"], codes: ["E_LIMIT_SWITCH"] },
  { fault: "person-off@300s", outcomes: ["stopped"] },
  { fault: "overweight:150@300s", outcomes: ["faulted"], codes: ["E_OVERWEIGHT"] },
  { fault: "brownout@300s", outcomes: ["faulted"], codes: ["W_BROWNOUT"] },
];

describe("fault scenarios on a running deep-tissue program", () => {
  for (const sc of SCENARIOS) {
    const title = `${sc.fault}${sc.afterLinkLoss ? ` (after link loss: ${sc.afterLinkLoss})` : ""} → ${sc.outcomes.join("/")}${sc.codes ? ` with ${sc.codes.join(" or ")}` : ""}, no limit crossed, bed left safe`;
    it(title, async () => {
      const { result, truth } = await runOnSimulator({ program: sc.program ?? "deep-tissue", faults: parseFaultSpec(sc.fault), afterLinkLoss: sc.afterLinkLoss });
      expect(sc.outcomes, `${result.outcome}: ${result.reason?.text} ${JSON.stringify(result.faults)}`).toContain(result.outcome);
      if (sc.codes) expect(result.faults.map((f) => f.code).some((c) => sc.codes!.includes(c)), JSON.stringify(result.faults)).toBe(true);
      expect(result.violations).toEqual([]);
      // Ground truth from the simulator: element ceilings (firmware cut-out is at 70 °C, ours at 65/60 + 1).
      expect(truth.maxElementC.projector).toBeLessThanOrEqual(66);
      expect(truth.maxElementC.mat).toBeLessThanOrEqual(61);
      expect(truth.maxSkinC).toBeLessThan(45);
      // Whatever happened, heaters are not driven at the end and the carriage is still.
      expect(truth.end.projectorDuty).toBe(0);
      expect(truth.end.matDuty).toBe(0);
      expect(Math.abs(truth.end.speedMmS)).toBeLessThan(0.5);
    });
  }

  it("a heater that stops warming mid-program trips within one telemetry period of its watch window: heaters off at once", async () => {
    const { result, sim } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec("heater-dead:projector@60s") });
    const fault = result.faults.find((f) => f.code === "S_NO_RISE")!;
    expect(fault).toBeDefined();
    expect(fault.priority).toBe("high");
    expect(sim.truth.zones.projector.setC).toBe(0);
  });
});
