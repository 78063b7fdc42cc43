// Program definitions that once validated but broke a brief rule on the bed: a sweep that never
// moves, strokes shorter than the contact patch, strokes aimed off the spine, a park position off
// the track, a creep slow enough to look like a stall.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateProgram } from "../../../src/therapy/programs/validate.ts";
import { resolveMotion, spineMapFromLength } from "../../../src/therapy/programs/landmarks.ts";

const MIN = 60_000;
const base = (over: Record<string, unknown>) => ({
  id: "r4", name: "R4", family: "deep-tissue", technique: "myofascial-release", description: "",
  maxWeightKg: 136, requiresRoller: true, coolDown: { durationMs: 2 * MIN }, ...over,
});
function runFile(prog: object) {
  const dir = mkdtempSync(join(tmpdir(), "r4-"));
  const f = join(dir, "p.json");
  writeFileSync(f, JSON.stringify(prog));
  const r = spawnSync(process.execPath, ["bin/bedlink.js", "run", f, "--json"], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, summary: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

describe("validation holes a review found", () => {
  // A sweep whose from and to are the same point never moves, but counts as "travelling" (k=0.35):
  // 54 °C for 50 min parked on one spot validates; on the sim the burn-dose supervisor trips (exit 4).
  const zeroSweep = base({ steps: [{ label: "s", durationMs: 50 * MIN, lift: 2, heat: { projectorC: 54 }, motion: { kind: "sweep", from: "lumbar@0.5", to: "lumbar@0.5", speedMmS: 20 } }] });
  it("a zero-length sweep at 54 °C for 50 min is rejected", () => {
    expect(validateProgram(zeroSweep).ok).toBe(false);
  });
  it("...so bedlink run refuses it (exit 2) before anything is sent to the bed", () => {
    const r = runFile(zeroSweep);
    expect(r.status).toBe(2);
    expect(r.summary).toBeUndefined();
  });

  // 10 mm strokes under a 50 mm contact patch = continuous contact, but counted as "local" (k=0.5) with no hold time.
  const tinyStrokes = base({ steps: [{ label: "s", durationMs: 50 * MIN, lift: 2, heat: { projectorC: 49 }, motion: { kind: "strokes", region: "lumbar@0.5", strokeMm: 10, speedMmS: 5 } }] });
  it("10 mm strokes at 49 °C for 50 min (continuous contact) are rejected", () => {
    expect(validateProgram(tinyStrokes).ok).toBe(false);
  });

  // Strokes around a point near the end of the spine centre the stroke on the point: half of it lies off the spine/track.
  it("strokes at cervical@0 / sacral@1 resolve inside the scanned spine", () => {
    const spine = spineMapFromLength(33, 700);
    for (const region of [{ region: "cervical" as const, fraction: 0 }, { region: "sacral" as const, fraction: 1 }]) {
      const m = resolveMotion({ kind: "strokes", region, strokeMm: 100, speedMmS: 8 }, spine);
      if (m.kind !== "strokes") throw new Error("kind");
      expect(m.startMm).toBeGreaterThanOrEqual(spine.startMm);
      expect(m.endMm).toBeLessThanOrEqual(spine.endMm);
    }
  });
  it("a validated strokes-at-the-spine-end program runs without S_COMMAND_FAILED", () => {
    const r = runFile(base({ technique: "deep-tissue", steps: [{ label: "s", durationMs: 5 * MIN, lift: 3, motion: { kind: "strokes", region: "cervical@0", strokeMm: 100, speedMmS: 8 } }] }));
    expect(r.summary.outcome).toBe("completed");
  });

  // parkPositionMm allows up to 2000 mm; the simulated track is 780 mm: validates, then faults in cool-down.
  it("a park position beyond the track is caught before the run, not as a cool-down fault", () => {
    const p = base({ technique: "deep-tissue", coolDown: { durationMs: 2 * MIN, parkPositionMm: 1999 }, steps: [{ label: "s", durationMs: 2 * MIN, lift: 3, motion: { kind: "sweep", from: "lumbar", to: "sacral", speedMmS: 8 } }] });
    const r = runFile(p);
    expect(r.status).toBe(2);
  });

  // Speed floor 1 mm/s vs the stall detector (2 mm progress in 2 s): a creep at the allowed minimum trips S_CARRIAGE_STALL.
  it("a creep at the validator's minimum speed (1 mm/s) completes", () => {
    const p = base({ steps: [{ label: "c", durationMs: 10 * MIN, lift: 3, heat: { projectorC: 46 }, motion: { kind: "creep", from: "thoracic", to: "lumbar", speedMmS: 1 } }] });
    expect(validateProgram(p).ok).toBe(true);
    const r = runFile(p);
    expect(r.summary.faults).toEqual([]);
    expect(r.summary.outcome).toBe("completed");
  });
});
