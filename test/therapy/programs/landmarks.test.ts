// Landmarks become track millimetres for this person's scan: regions, thirds, fractions, junctions.
import { describe, expect, it } from "vitest";
import { resolveLandmark, resolveMotion, resolveTravel, spineMapFromLength, type SpineMap } from "../../../src/therapy/programs/landmarks.ts";
import type { Landmark } from "../../../src/therapy/programs/schema.ts";

// Spine from 100 mm to 800 mm on the track (700 mm, a tall person): regions at 18/39/25/18 %.
const spine: SpineMap = {
  startMm: 100,
  endMm: 800,
  lengthMm: 700,
  regions: {
    cervical: { startMm: 100, endMm: 226 },
    thoracic: { startMm: 226, endMm: 499 },
    lumbar: { startMm: 499, endMm: 674 },
    sacral: { startMm: 674, endMm: 800 },
  },
};

describe("resolving landmarks on a scanned spine", () => {
  it("a region is its scanned extent", () => {
    expect(resolveLandmark({ region: "lumbar" }, spine)).toEqual({ startMm: 499, endMm: 674, centerMm: 586.5 });
    expect(resolveLandmark({ region: "spine" }, spine)).toEqual({ startMm: 100, endMm: 800, centerMm: 450 });
  });

  it("the lower third of thoracic is the third nearest the lumbar", () => {
    const r = resolveLandmark({ region: "thoracic", part: "lower-third" }, spine);
    expect(r.startMm).toBeCloseTo(408);
    expect(r.endMm).toBeCloseTo(499);
  });

  it("a fraction is a point counted from the region's head end", () => {
    expect(resolveLandmark({ region: "lumbar", fraction: 0.5 }, spine)).toEqual({ startMm: 586.5, endMm: 586.5, centerMm: 586.5 });
  });

  it("a junction is the point between its two regions, the middle of any gap the scan left", () => {
    expect(resolveLandmark({ boundary: "thoracolumbar" }, spine).centerMm).toBe(499);
    const gappy: SpineMap = { ...spine, regions: { ...spine.regions, lumbar: { startMm: 505, endMm: 674 } } };
    expect(resolveLandmark({ boundary: "thoracolumbar" }, gappy).centerMm).toBe(502);
  });

  it("works on a track that runs the other way (head at the high end)", () => {
    const reversed = { startMm: 800, endMm: 100, regions: { cervical: { startMm: 800, endMm: 674 }, thoracic: { startMm: 674, endMm: 401 }, lumbar: { startMm: 401, endMm: 226 }, sacral: { startMm: 226, endMm: 100 } } };
    const upper = resolveLandmark({ region: "lumbar", part: "upper-third" }, reversed);
    expect(upper.startMm).toBe(401);
    expect(upper.endMm).toBeCloseTo(342.67, 1);
    expect(resolveTravel({ region: "cervical" }, { region: "sacral" }, reversed)).toEqual({ fromMm: 800, toMm: 100 });
  });

  it("the standard fractions give a 61 cm spine's regions", () => {
    const s = spineMapFromLength(50, 610);
    expect(s.regions.cervical.endMm).toBeCloseTo(50 + 0.18 * 610);
    expect(s.regions.lumbar.endMm - s.regions.lumbar.startMm).toBeCloseTo(0.25 * 610);
    expect(s.regions.sacral.endMm).toBe(660);
  });
});

describe("a step's motion in track millimetres", () => {
  const cervical: Landmark = { region: "cervical" };
  const sacral: Landmark = { region: "sacral" };

  it("a sweep from cervical to sacral covers the whole spine, and back the other way", () => {
    expect(resolveMotion({ kind: "sweep", from: cervical, to: sacral, speedMmS: 15 }, spine)).toEqual({ kind: "sweep", fromMm: 100, toMm: 800, speedMmS: 15 });
    expect(resolveMotion({ kind: "sweep", from: sacral, to: cervical, speedMmS: 15 }, spine)).toMatchObject({ fromMm: 800, toMm: 100 });
  });

  it("a dwell holds at the landmark's centre, once by default", () => {
    expect(resolveMotion({ kind: "dwell", at: { region: "lumbar" }, holdMs: 10_000 }, spine)).toEqual({ kind: "dwell", atMm: 586.5, holdMs: 10_000, repeats: 1, offMs: 0 });
  });

  it("strokes on a junction stroke around it", () => {
    expect(resolveMotion({ kind: "strokes", region: { boundary: "lumbosacral" }, strokeMm: 60, speedMmS: 6 }, spine)).toEqual({ kind: "strokes", startMm: 644, endMm: 704, strokeMm: 60, speedMmS: 6 });
  });

  it("segments walk between landmarks; park goes where it is told", () => {
    expect(resolveMotion({ kind: "segments", from: { boundary: "thoracolumbar" }, to: { boundary: "lumbosacral" }, segmentMm: 20, holdMs: 8000, speedMmS: 10 }, spine)).toMatchObject({ fromMm: 499, toMm: 674 });
    expect(resolveMotion({ kind: "park" }, spine, 12)).toEqual({ kind: "park", parkMm: 12 });
  });
});
