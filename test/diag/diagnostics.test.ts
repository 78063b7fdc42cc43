// A technician runs `bedlink diag` on the simulated bed: every check passes on a healthy bed, and
// each simulator fault fails the check that should catch it, with a message that says what broke.
import { describe, expect, it } from "vitest";
import { parseFaultSpec, parseOneFault } from "../../simulator/index.ts";
import { CHECK_IDS } from "../../src/diag/index.ts";
import { measurement, runDiagOnSim, type DiagRun } from "./harness.ts";

function expectLeftSafe(run: DiagRun): void {
  expect(run.end).toMatchObject({ projectorSetC: 0, matSetC: 0, projectorDuty: 0, matDuty: 0, lift: 0, speedMmS: 0 });
  expect(run.report.endState).toBeDefined();
}

describe("diagnostics on a healthy simulated bed", () => {
  it("every check passes with its measured value and limit, and the bed is left idle, cold and parked", async () => {
    const run = await runDiagOnSim();
    const { report } = run;
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining([...CHECK_IDS]));
    for (const c of report.checks) expect(c.status, `${c.id}: ${c.message}`).toBe("pass");
    expect(report.overall).toBe("pass");
    expect(report.device).toMatchObject({ model: "CGM-V6-SIM", serial: "SIM-000001", hw: "rev-C", fw: "1.4.0-sim", proto: 1 });

    const rise = measurement(run.check("heater.projector"), "rise in 60 s");
    expect(rise.value).toBeGreaterThan(4.5);
    expect(rise.limit).toMatch(/expected 5\.\d K ± 35 %/);
    expect(measurement(run.check("heater.mat"), "rise in 60 s").value).toBeGreaterThan(3);
    expect(measurement(run.check("link"), "RTT median").value).toBeLessThan(10);
    expect(measurement(run.check("link"), "retransmits").value).toBe(0);
    expect(measurement(run.check("carriage"), "travel 0 → 780 mm at 50 mm/s").value).toBeCloseTo(15.85, 0);
    expect(measurement(run.check("limitSwitches"), "end switch at the end (780 mm)").value).toBe("closed");
    expect(run.check("lift").measurements.filter((m) => m.ok)).toHaveLength(7);
    expect(report.counters?.counters.carriageCycles).toBeGreaterThanOrEqual(1);
    expect(report.errorLog?.entries.map((e) => e.code)).toEqual(["I_BOOT"]);

    expectLeftSafe(run);
    expect(run.end.state).toBe("idle");
    expect(Math.abs(run.end.positionMm)).toBeLessThan(1);
    expect(report.endState).toMatchObject({ parked: true, lift: 0, projectorSetC: 0, matSetC: 0 });
  });

  it("progress: each check announced, then its result, in order", async () => {
    const run = await runDiagOnSim();
    const done = run.progress.filter((p) => p.kind === "check-done");
    expect(done.map((p) => (p.kind === "check-done" ? p.result.id : ""))).toEqual(run.report.checks.map((c) => c.id));
    expect(run.progress.filter((p) => p.kind === "check-start")).toHaveLength(9);
    expect(run.progress.some((p) => p.kind === "check-step" && p.id === "heater.projector" && /s left/.test(p.text))).toBe(true);
  });

  it("--clear-log reads the log and then clears it on the bed", async () => {
    const run = await runDiagOnSim({ clearLog: true });
    expect(run.report.logCleared).toBe(true);
    expect(run.report.errorLog?.entries.length).toBeGreaterThan(0);
    expect(run.sim.firmware.log.reply().entries).toHaveLength(0);
  });
});

describe("each simulator fault fails the check that should catch it", () => {
  it("heater-dead:projector → projector heater rise fails (full duty, no rise); the mat passes", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("heater-dead:projector") });
    const c = run.check("heater.projector");
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(/projector heater on at 100 % duty but the projector rose only -?0\.\d K in 60 s .*heater open circuit or blown thermal fuse/);
    expect(measurement(c, "rise in 60 s").ok).toBe(false);
    expect(run.check("heater.mat").status).toBe("pass");
    expect(run.report.curves.heater.projector?.points.length).toBeGreaterThan(500);
    expect(run.report.overall).toBe("fail");
    expectLeftSafe(run);
  });

  it("jam during the carriage test → travel fails on over-current/stall, the carriage is not driven again, the bed left safe", async () => {
    const run = await runDiagOnSim({
      onProgress: (p, sim) => {
        if (p.kind === "check-start" && p.ids.includes("carriage")) sim.injectFault(parseOneFault("jam@positionMm>400"));
      },
    });
    const c = run.check("carriage");
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(/motor over-current \d+ mA \(trip 3000 mA\): the carriage stalled at 4\d\d(\.\d)? mm, a jam in the track — E_MOTOR_OVERCURRENT/);
    expect(measurement(c, "peak motor current").ok).toBe(false);
    expect(run.check("limitSwitches").status).toBe("skipped");
    expect(run.report.curves.carriage?.events.map((e) => e.code)).toContain("E_MOTOR_OVERCURRENT");
    expect(run.report.endState?.notes.join(" ")).toMatch(/left where it stopped/);
    expectLeftSafe(run);
  });

  it("jam from power-up → homing stalls: carriage travel fails naming the jam; heaters and lift are skipped with the reason", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("jam") });
    expect(run.check("carriage").status).toBe("fail");
    expect(run.check("carriage").message).toMatch(/homing stalled at .* mm before reaching the home switch .*a jam in the track — E_HOMING_FAILED/);
    for (const id of ["heater.projector", "heater.mat", "lift"] as const) {
      expect(run.check(id).status).toBe("skipped");
      expect(run.check(id).message).toMatch(/E_HOMING_FAILED/);
    }
    expect(run.maxSetC).toEqual({ projector: 0, mat: 0 });
    expectLeftSafe(run);
  });

  it.each([
    ["home-closed", /the home switch is still closed at \d+(\.\d)? mm: stuck \(welded\) switch/],
    ["end-closed", /the end switch is closed at -?\d+(\.\d)? mm, away from the end: stuck \(welded\) switch/],
    ["end-open", /the end switch stayed open with the carriage at the end \(780 mm\): broken or unplugged switch/],
    ["home-open", /the home switch never closed: the carriage ran into the stop at -5 mm/],
  ] as const)("limit-stuck:%s → the limit switch check fails saying which switch and how", async (which, message) => {
    const run = await runDiagOnSim({ faults: parseFaultSpec(`limit-stuck:${which}`) });
    const c = run.check("limitSwitches");
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(message);
    expect(run.check("carriage").status).not.toBe("pass");
    expectLeftSafe(run);
  });

  it("sensor-open:mat → sensor sanity fails: the mat reads −55 °C, an open circuit", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("sensor-open:mat") });
    const c = run.check("sensors");
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(/mat sensor reads -55 °C: open circuit/);
    expect(measurement(c, "mat temperature").ok).toBe(false);
    expect(measurement(c, "projector temperature").ok).toBe(true);
    expect(run.check("heater.mat").status).toBe("skipped");
    expectLeftSafe(run);
  });

  it("sensor-short:projector → sensor sanity fails: the projector reads 250 °C, a short circuit", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("sensor-short:projector") });
    expect(run.check("sensors").status).toBe("fail");
    expect(run.check("sensors").message).toMatch(/projector sensor reads 250 °C: short circuit/);
    expect(run.maxSetC).toEqual({ projector: 0, mat: 0 });
  });

  it("someone on the bed → heater tests (and the lift test) refused, no heater ever switched on", async () => {
    const run = await runDiagOnSim({ person: { heightCm: 178, weightKg: 80 } });
    for (const id of ["heater.projector", "heater.mat"] as const) {
      expect(run.check(id).status).toBe("refused");
      expect(run.check(id).message).toMatch(/someone is on the bed \(load (79|80)(\.\d)? kg ≥ 20 kg\): the heater test needs an empty bed/);
    }
    expect(run.check("lift").status).toBe("refused");
    expect(run.maxSetC).toEqual({ projector: 0, mat: 0 });
    expect(run.report.curves.heater).toEqual({});
    expect(run.check("sensors").notes.join(" ")).toMatch(/someone is on the bed/);
    expect(run.report.overall).toBe("fail");
  });

  it("bitflip-rx:0.002 (commands corrupted on the way to the bed) → retransmits show in link quality, which fails", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("bitflip-rx:0.002") });
    const c = run.check("link");
    expect(measurement(c, "retransmits").value).toBeGreaterThan(0);
    expect(c.status).toBe("fail");
    expect(c.message).toMatch(/retransmit.*commands are lost on the way to the bed/);
    // The link recovers every command: the rest of the self-test still passes.
    expect(run.check("carriage").status).toBe("pass");
  });

  it("bitflip-tx:0.002 (frames corrupted on the way back) → CRC errors counted in link quality", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("bitflip-tx:0.002") });
    const c = run.check("link");
    expect(measurement(c, "CRC errors").value).toBeGreaterThan(0);
    expect(measurement(c, "CRC errors").ok).toBe(false);
    expect(c.message).toMatch(/frames from the bed failed their CRC/);
  });
});

describe("whatever happens, the bed is left safe", () => {
  it("a check throws while its heater is on → that heater is switched off, the run goes on, the bed ends cold", async () => {
    let thrown = 0;
    const run = await runDiagOnSim({
      // A driver whose telemetry getter breaks while a heater is on: the check dies mid-test.
      wrapBed: (bed, sim) =>
        Object.create(bed, {
          latest: {
            get() {
              const z = sim.truth.zones;
              if (z.projector.setC > 0 || z.mat.setC > 0) {
                thrown++;
                throw new Error("telemetry decoder crashed");
              }
              return bed.latest;
            },
          },
        }),
    });
    expect(thrown).toBeGreaterThan(0);
    expect(run.check("heater.projector")).toMatchObject({ status: "fail", message: "check stopped: telemetry decoder crashed" });
    expect(run.check("carriage").status).toBe("pass");
    expectLeftSafe(run);
    expect(run.report.endState?.parked).toBe(true);
  });

  it("the operator stops the run mid-heater test → remaining checks skipped, heater off, bed parked", async () => {
    const stop = new AbortController();
    const run = await runDiagOnSim({
      signal: stop.signal,
      onProgress: (p) => {
        if (p.kind === "check-step" && p.id === "heater.projector" && (p.fraction ?? 0) > 0.3) stop.abort();
      },
    });
    expect(run.check("heater.projector")).toMatchObject({ status: "skipped", message: "stopped by the operator; heater switched off" });
    expect(run.check("carriage")).toMatchObject({ status: "skipped", message: "not run: stopped by the operator" });
    expectLeftSafe(run);
  });

  it("cable pulled mid-heater test → link lost reported, remaining checks skipped, the bed's lease turns the heater off", async () => {
    const run = await runDiagOnSim({ faults: parseFaultSpec("unplug:600s@30s"), settleMs: 1500 });
    expect(run.report.linkLost).toBe(true);
    expect(run.check("heater.projector").message).toMatch(/lost sight of the bed during the test \(link \w+/);
    expect(run.check("counters")).toMatchObject({ status: "skipped", message: "not run: the link to the bed was lost" });
    expect(run.report.endState).toBeUndefined();
    expect(run.end).toMatchObject({ state: "safe", projectorSetC: 0, projectorDuty: 0 });
  });
});
