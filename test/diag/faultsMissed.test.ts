// Faults the rise test alone cannot see: a shorted heater switch only shows once the heater is set
// to 0 (the zone keeps warming with duty 0 %), a reboot mid-test wipes the setpoint, and an operator
// stop during the carriage test must halt the carriage where it is rather than finish the run.
import { describe, expect, it } from "vitest";
import type { Telemetry } from "../../protocols/messages.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { measurement, runDiagOnSim } from "./harness.ts";

const OFF_RISE = "rise over the last 10 s of 20 s off";

describe("a heater that keeps heating after it is switched off", () => {
  it.each(["projector", "mat"] as const)("heater-stuck-on:%s (MOSFET shorted) → that heater test fails as a stuck switch, the run fails", async (zone) => {
    const run = await runDiagOnSim({ faults: parseFaultSpec(`heater-stuck-on:${zone}`) });
    const c = run.check(`heater.${zone}`);
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(new RegExp(`${zone} heater warms while off: \\+\\d\\.\\d K over the last 10 s with duty 0 %: stuck heater switch \\(or welded relay\\)`));
    expect(measurement(c, OFF_RISE)).toMatchObject({ ok: false });
    expect(measurement(c, OFF_RISE).value).toBeGreaterThan(0.5);
    expect(run.report.overall).toBe("fail");
  }, 60_000);

  it("healthy heaters: the stored heat after switch-off settles well inside the limit on every seed tried", async () => {
    for (const seed of [1, 2, 3]) {
      const run = await runDiagOnSim({ seed });
      for (const id of ["heater.projector", "heater.mat"] as const) {
        const m = measurement(run.check(id), OFF_RISE);
        expect(m.ok, `${id} seed ${seed}`).toBe(true);
        expect(Math.abs(m.value as number), `${id} seed ${seed}`).toBeLessThan(0.2);
      }
    }
  }, 60_000);

  it("the bed reboots mid-heater test → that test fails naming the restart, instead of judging a wiped setpoint", async () => {
    const run = await runDiagOnSim({
      onProgress: (p, sim) => {
        if (p.kind === "check-step" && p.id === "heater.projector" && / 30 s left/.test(p.text)) sim.injectFault(parseFaultSpec("reboot")[0]!);
      },
    });
    expect(run.check("heater.projector")).toMatchObject({ status: "fail" });
    expect(run.check("heater.projector").message).toMatch(/the bed restarted during the test/);
  }, 60_000);
});

describe("the operator stops the run during the carriage test", () => {
  it("Stop as the carriage is sent towards the end switch → carriage halted near home, check skipped (never a pass)", async () => {
    const stop = new AbortController();
    const run = await runDiagOnSim({
      signal: stop.signal,
      onProgress: (p) => {
        if (p.kind === "check-step" && p.id === "carriage" && /travelling to 780/.test(p.text)) stop.abort();
      },
    });
    const maxMm = Math.max(...(run.report.curves.carriage?.points ?? []).map((q) => q.positionMm));
    expect(maxMm).toBeLessThan(100);
    expect(run.check("carriage")).toMatchObject({ status: "skipped" });
    expect(run.check("carriage").message).toMatch(/^stopped by the operator; carriage halted/);
    expect(run.check("limitSwitches").status).not.toBe("pass");
    expect(run.report.overall).toBe("fail");
  }, 60_000);

  it("Stop while the carriage is on its way out (at 300 mm) → halted mid-track, not driven on to the end", async () => {
    const stop = new AbortController();
    let outbound = false;
    const run = await runDiagOnSim({
      signal: stop.signal,
      onProgress: (p) => {
        if (p.kind === "check-step" && p.id === "carriage" && /travelling to 780/.test(p.text)) outbound = true;
      },
      // The operator presses Stop when the telemetry shows the outbound carriage past 300 mm.
      wrapBed: (bed) =>
        Object.create(bed, {
          waitForTelemetry: {
            value: (pred: (t: Telemetry) => boolean, timeoutMs: number) =>
              bed.waitForTelemetry((t) => {
                if (outbound && t.positionMm > 300) stop.abort();
                return pred(t);
              }, timeoutMs),
          },
        }),
    });
    const points = run.report.curves.carriage?.points ?? [];
    expect(Math.max(...points.map((q) => q.positionMm))).toBeLessThan(400);
    expect(points.at(-1)!.positionMm).toBeGreaterThan(300);
    expect(run.check("carriage").status).toBe("skipped");
    expect(run.check("carriage").message).toMatch(/^stopped by the operator; carriage halted at 3\d\d(\.\d)? mm$/);
    expect(run.check("limitSwitches").status).not.toBe("pass");
  }, 60_000);
});
