// What an operator does during a session, on the simulator in virtual time.
import { describe, expect, it } from "vitest";
import { runOnSimulator } from "./harness.ts";

describe("operator actions during a session", () => {
  it("pause at 6 min → heaters idle and carriage still; resume 2 min later → completes, later steps shifted by the pause", async () => {
    let pausedTruth: { projectorSetC: number; matSetC: number; speedMmS: number; state: string } | undefined;
    const { result } = await runOnSimulator({
      program: "deep-tissue",
      during: (session, clock, sim) => {
        clock.setTimeout(() => session.pause(), 6 * 60_000);
        clock.setTimeout(() => {
          pausedTruth = { projectorSetC: sim.truth.zones.projector.setC, matSetC: sim.truth.zones.mat.setC, speedMmS: sim.truth.speedMmS, state: session.state };
        }, 6 * 60_000 + 2_000);
        clock.setTimeout(() => session.resume(), 8 * 60_000);
      },
    });
    expect(pausedTruth).toEqual({ projectorSetC: 0, matSetC: 0, speedMmS: 0, state: "paused" });
    expect(result.outcome).toBe("completed");
    const late = result.steps.filter((s) => s.plannedStartMs > 6 * 60_000);
    expect(late.length).toBeGreaterThan(0);
    for (const s of late) expect(Math.abs(s.actualStartMs! - s.plannedStartMs - 2 * 60_000)).toBeLessThanOrEqual(100);
  });

  it("emergency stop → estopped, the bed's heaters off and carriage stopped within one telemetry period", async () => {
    let heatersOffAfterMs: number | undefined;
    const { result, truth } = await runOnSimulator({
      program: "swedish",
      during: (session, clock, sim) => {
        clock.setTimeout(() => {
          const pressedAt = clock.now();
          void session.estop();
          const watch = clock.setInterval(() => {
            const z = sim.truth.zones;
            if (heatersOffAfterMs === undefined && z.projector.duty === 0 && z.mat.duty === 0 && z.projector.setC === 0 && Math.abs(sim.truth.speedMmS) < 0.5) {
              heatersOffAfterMs = clock.now() - pressedAt;
              clock.clearInterval(watch);
            }
          }, 1);
        }, 10 * 60_000);
      },
    });
    expect(result.outcome).toBe("estopped");
    expect(result.reason?.code).toBe("E_ESTOP");
    expect(heatersOffAfterMs).toBeDefined();
    expect(heatersOffAfterMs!).toBeLessThanOrEqual(100);
    expect(truth.end.state).toBe("estop");
  });

  it("stop → stopped, heaters off, carriage parked at home", async () => {
    const { result, truth } = await runOnSimulator({
      program: "full-body-relaxation",
      during: (session, clock) => clock.setTimeout(() => session.stop(), 7 * 60_000),
    });
    expect(result.outcome).toBe("stopped");
    expect(result.reason?.text).toBe("Stopped by the operator.");
    expect(truth.end).toMatchObject({ projectorSetC: 0, matSetC: 0, lift: 0 });
    expect(truth.end.positionMm).toBeLessThan(2);
  });

  it("person gets off mid-program → paused within 2 s, heaters idle; back on and resumed → completes", async () => {
    let pausedAfterMs: number | undefined;
    const { result } = await runOnSimulator({
      program: "quick-20-back",
      during: (session, clock, sim) => {
        clock.setTimeout(() => {
          const offAt = clock.now();
          sim.personGetsOff();
          const watch = clock.setInterval(() => {
            if (session.state === "paused" && sim.truth.zones.projector.setC === 0) {
              pausedAfterMs = clock.now() - offAt;
              clock.clearInterval(watch);
            }
          }, 10);
        }, 5 * 60_000);
        clock.setTimeout(() => sim.personGetsOn({ heightCm: 175, weightKg: 75 }), 7 * 60_000);
        clock.setTimeout(() => session.resume(), 7 * 60_000 + 5_000);
      },
    });
    expect(pausedAfterMs).toBeDefined();
    expect(pausedAfterMs!).toBeLessThanOrEqual(2_000);
    expect(result.outcome).toBe("completed");
  });

  it("nobody on the bed → the session waits in pre-checks and gives up after 5 minutes with a reason", async () => {
    const { result } = await runOnSimulator({ program: "quick-10-relax", person: null });
    expect(result.outcome).toBe("stopped");
    expect(result.reason?.code).toBe("PRECHECK_TIMEOUT");
    expect(result.steps.every((s) => s.actualStartMs === undefined)).toBe(true);
  });

  it("someone over the roller weight limit → a roller program is refused, heat-only runs", async () => {
    const heavy = { heightCm: 185, weightKg: 150 };
    const roller = await runOnSimulator({ program: "deep-tissue", person: heavy });
    expect(roller.result.outcome).toBe("stopped");
    expect(roller.result.reason?.text).toMatch(/150 kg is over this program's 136 kg limit/);
    const heat = await runOnSimulator({ program: "heat-only", person: heavy });
    expect(heat.result.outcome).toBe("completed");
  });
});
