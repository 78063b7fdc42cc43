// The report's pictures: each zone's temperature during its rise test against the expected
// band, and the carriage's position (with its limit switches) and motor current over time.
import { HEATER_MODELS } from "./constants.ts";
import { lineChart, type Marker } from "./svg.ts";
import type { CarriageTrace, HeaterCurve } from "./types.ts";

const ZONE_COLOR = { projector: "#c0392b", mat: "#d35400" } as const;

export function heaterChart(c: HeaterCurve): string {
  const lagS = HEATER_MODELS[c.zone].sensorLagS;
  const endS = c.durationMs / 1000;
  // The expected reading: flat for the sensor's lag, then a straight rise to start + expected.
  const along = (riseK: number): [number, number][] => [
    [0, c.startC],
    [lagS, c.startC],
    [endS, c.startC + riseK],
  ];
  const temps = c.points.map((p): [number, number] => [p.tS, p.c]);
  // Same definition as the check's: after the PI loop's first couple of seconds at full power.
  const duty = c.points.filter((p) => p.tS > 2).map((p) => p.duty);
  const measuredMax = Math.max(...temps.map((p) => p[1]), c.startC + c.expectedRiseK + c.toleranceK);
  const measuredMin = Math.min(...temps.map((p) => p[1]), c.startC);
  return lineChart({
    title: `${c.zone === "projector" ? "Projector" : "Mat"} heater: ${endS} s at full power (setpoint ${c.setpointC} °C), mean duty ${duty.length ? Math.round(duty.reduce((a, b) => a + b, 0) / duty.length) : 0} %`,
    xLabel: "time since the heater was switched on (s)",
    yLabel: "°C",
    yMin: Math.floor(measuredMin - 1),
    yMax: Math.ceil(measuredMax + 1),
    bands: [{ label: `expected ${c.expectedRiseK} K ± ${c.toleranceK} K`, color: "#27ae60", upper: along(c.expectedRiseK + c.toleranceK), lower: along(Math.max(0, c.expectedRiseK - c.toleranceK)) }],
    series: [
      { label: "expected", color: "#27ae60", points: along(c.expectedRiseK), dashed: true, width: 1.5 },
      { label: `${c.zone} sensor`, color: ZONE_COLOR[c.zone], points: temps },
    ],
  });
}

export function carriageCharts(t: CarriageTrace): string {
  const pos = t.points.map((p): [number, number] => [p.tS, p.positionMm]);
  const markers: Marker[] = [];
  // One dot where each switch changes state: enough to see where they closed without clutter.
  let home = false;
  let end = false;
  for (const p of t.points) {
    if (p.limitHome !== home) markers.push({ x: p.tS, y: p.positionMm, color: p.limitHome ? "#2980b9" : "#7fb3d5", label: `home switch ${p.limitHome ? "closed" : "opened"} at ${p.positionMm} mm` });
    if (p.limitEnd !== end) markers.push({ x: p.tS, y: p.positionMm, color: p.limitEnd ? "#8e44ad" : "#c39bd3", label: `end switch ${p.limitEnd ? "closed" : "opened"} at ${p.positionMm} mm` });
    home = p.limitHome;
    end = p.limitEnd;
  }
  for (const e of t.events) markers.push({ x: e.tS, y: e.positionMm, color: "#c0392b", label: `${e.code}${e.detail ? `: ${e.detail}` : ""}`, text: `${e.code}${e.detail ? ` — ${e.detail}` : ""}` });
  const position = lineChart({
    title: `Carriage position (test speed ${t.speedMmS} mm/s)`,
    xLabel: "time since the carriage test began (s)",
    yLabel: "position on the track (mm)",
    yMin: Math.min(-20, ...pos.map((p) => p[1])),
    yMax: Math.max(t.trackMm + 20, ...pos.map((p) => p[1])),
    hlines: [
      { y: 0, label: "home", color: "#2980b9" },
      { y: t.trackMm, label: `end ${t.trackMm} mm`, color: "#8e44ad" },
    ],
    series: [
      { label: "position", color: "#2c3e50", points: pos },
      ...runs(t, "limitHome").map((points, i) => ({ label: "home switch closed", color: "#2980b9", points, width: 8, opacity: 0.35, noLegend: i > 0 })),
      ...runs(t, "limitEnd").map((points, i) => ({ label: "end switch closed", color: "#8e44ad", points, width: 8, opacity: 0.35, noLegend: i > 0 })),
    ],
    markers,
  });
  const current = lineChart({
    title: "Carriage motor current",
    xLabel: "time since the carriage test began (s)",
    yLabel: "mA",
    height: 220,
    yMin: 0,
    series: [{ label: "motor current", color: "#16a085", points: t.points.map((p): [number, number] => [p.tS, p.motorMa]), width: 1.5 }],
  });
  return `${position}\n${current}`;
}

/** Stretches of samples during which a switch read closed, each as its own line. */
function runs(t: CarriageTrace, flag: "limitHome" | "limitEnd"): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] | undefined;
  for (const p of t.points) {
    if (p[flag]) (cur ??= []).push([p.tS, p.positionMm]);
    else if (cur) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  // A single closed sample still deserves a visible dot-sized stroke.
  return out.map((r) => (r.length === 1 ? [r[0]!, [r[0]![0] + 0.05, r[0]![1]]] : r));
}
