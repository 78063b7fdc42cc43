// A scan sweep's motor-current trace, read off the wire, yields the person's spine and
// regions through the reference finder in protocols/spine.ts, within ±15 mm.
import { describe, expect, it } from "vitest";
import { TLM_FLAGS } from "../../protocols/constants.ts";
import { findSpine, type ScanSample } from "../../protocols/spine.ts";
import { rig } from "./harness.ts";

const TOLERANCE_MM = 15;

async function scan(heightCm: number, weightKg: number, seed: number, speedMmS = 20, lift = 3) {
  const { bed, host } = await rig({ person: { heightCm, weightKg }, seed });
  expect((await host.command("MOVE", { positionMm: 0, speedMmS: 60 })).type).toBe("ACK");
  await host.waitFor(() => bed.truth.speedMmS === 0 && Math.abs(bed.truth.firmwarePositionMm) < 0.1, 20_000);
  expect((await host.command("LIFT", { level: lift })).type).toBe("ACK");
  const from = bed.truth.tMs;
  expect((await host.command("MOVE", { positionMm: 780, speedMmS })).type).toBe("ACK");
  await host.waitFor(() => bed.truth.firmwarePositionMm >= 779.9 && bed.truth.speedMmS === 0, 120_000);
  const samples: ScanSample[] = host
    .telemetry(from)
    .filter((t) => t.flags & TLM_FLAGS.moving && Math.abs(t.speedMmS - speedMmS) < 0.05)
    .map((t) => ({ positionMm: t.positionMm, motorMa: t.motorMa }));
  const truth = bed.truth.spine!;
  bed.stop();
  return { samples, truth, found: findSpine(samples) };
}

describe("spine scan from the motor-current trace", () => {
  for (const [heightCm, weightKg, seed] of [
    [155, 52, 3],
    [170, 70, 4],
    [190, 95, 5],
  ] as const) {
    it(`finds the spine and its four regions of a ${heightCm} cm, ${weightKg} kg person within ±${TOLERANCE_MM} mm`, async () => {
      const { samples, truth, found } = await scan(heightCm, weightKg, seed);
      expect(samples.length).toBeGreaterThan(300);
      if (!found.ok) throw new Error(found.reason);
      const s = found.spine;
      expect(Math.abs(s.startMm - truth.startMm)).toBeLessThanOrEqual(TOLERANCE_MM);
      expect(Math.abs(s.endMm - truth.endMm)).toBeLessThanOrEqual(TOLERANCE_MM);
      for (const r of ["cervical", "thoracic", "lumbar", "sacral"] as const) {
        expect(Math.abs(s.regions[r].startMm - truth.regions[r].startMm), `${r} start`).toBeLessThanOrEqual(TOLERANCE_MM);
        expect(Math.abs(s.regions[r].endMm - truth.regions[r].endMm), `${r} end`).toBeLessThanOrEqual(TOLERANCE_MM);
      }
    });
  }

  it("still finds the regions on a brisk 50 mm/s sweep with the lift retracted", async () => {
    const { truth, found } = await scan(178, 80, 9, 50, 0);
    if (!found.ok) throw new Error(found.reason);
    expect(Math.abs(found.spine.regions.lumbar.startMm - truth.regions.lumbar.startMm)).toBeLessThanOrEqual(TOLERANCE_MM);
    expect(Math.abs(found.spine.endMm - truth.endMm)).toBeLessThanOrEqual(TOLERANCE_MM);
  });

  it("reports that nobody is on the bed instead of inventing a spine", async () => {
    const { bed, host } = await rig({ person: null });
    await host.command("MOVE", { positionMm: 780, speedMmS: 30 });
    await host.waitFor(() => bed.truth.speedMmS === 0 && bed.truth.firmwarePositionMm > 779, 60_000);
    const samples = host.telemetry().filter((t) => t.flags & TLM_FLAGS.moving && t.speedMmS === 30).map((t) => ({ positionMm: t.positionMm, motorMa: t.motorMa }));
    const found = findSpine(samples);
    expect(found.ok).toBe(false);
    bed.stop();
  });

  it("refuses a trace that is too short or empty, with a reason", () => {
    expect(findSpine([])).toEqual({ ok: false, reason: expect.stringContaining("no samples") });
    const short = findSpine([{ positionMm: 0, motorMa: 300 }, { positionMm: 40, motorMa: 900 }]);
    expect(short.ok).toBe(false);
  });
});
