// Where the carriage ends up after a session that did not complete (README "Safety design"): after
// a fault it goes home only when it is homed and the fault is not one of the carriage itself (nor a
// bed that does not obey or cannot be read); after a stop or an aborted link loss it parks.
import { describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { runOnSimulator } from "./harness.ts";

describe("the carriage after a session that did not complete", () => {
  it.each([
    ["heater-dead:projector@60s", "S_NO_RISE"],
    ["heater-stuck-on:projector@300s", "S_OFF_RISING"],
    ["sensor-short:mat@300s", "E_SENSOR_SHORT"],
  ])("%s (not a carriage fault) → faulted with the carriage at home, lift 0", async (fault, code) => {
    const { result, truth } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec(fault), settleMs: 30_000 });
    expect(result.outcome).toBe("faulted");
    expect(result.faults[0]?.code).toBe(code);
    if (code === "E_SENSOR_SHORT") {
      // A sensor fault means readings that cannot be trusted: the carriage stays where it stopped.
      expect(Math.abs(truth.end.speedMmS)).toBeLessThan(0.5);
      return;
    }
    expect(truth.end.positionMm).toBeLessThan(2);
    expect(truth.end.lift).toBe(0);
    expect(truth.end.state).toBe("safe");
  });

  it("a jammed carriage (a fault of the carriage itself) → faulted, left where it stopped, still", async () => {
    const { result, truth } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec("jam@300s") });
    expect(result.outcome).toBe("faulted");
    expect(truth.end.positionMm).toBeGreaterThan(2);
    expect(Math.abs(truth.end.speedMmS)).toBeLessThan(0.5);
  });

  it.each(["reboot@300s", "unplug:5s@300s"])("%s, unattended run aborts after the link is back → stopped with the carriage parked", async (fault) => {
    const { result, truth } = await runOnSimulator({ program: "deep-tissue", faults: parseFaultSpec(fault), afterLinkLoss: "abort", settleMs: 2_000 });
    expect(result.outcome).toBe("stopped");
    expect(truth.end.positionMm).toBeLessThan(2);
    expect(truth.end.lift).toBe(0);
  });
});
