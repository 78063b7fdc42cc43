// Small, dependency-free SVG line charts for the report: axes with round ticks, lines, shaded
// bands and markers. Output is a self-contained <svg> string (no scripts, no external assets).

export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  width?: number;
  opacity?: number;
  /** Leave out of the legend (a further segment of a series already listed). */
  noLegend?: boolean;
}

export interface Band {
  label: string;
  color: string;
  /** Upper and lower edges at the same x values. */
  upper: [number, number][];
  lower: [number, number][];
}

export interface Marker {
  x: number;
  y: number;
  color: string;
  label: string;
  /** Printed beside the dot (the label is the hover title). */
  text?: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  bands?: Band[];
  markers?: Marker[];
  /** Horizontal reference lines (e.g. the track ends). */
  hlines?: { y: number; label: string; color: string }[];
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round tick step for a span: 1, 2 or 5 × 10^n, about `count` ticks. */
export function niceStep(span: number, count = 6): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 300;
  const m = { left: 56, right: 16, top: 30, bottom: 58 };
  const all: [number, number][] = [...spec.series.flatMap((s) => s.points), ...(spec.bands ?? []).flatMap((b) => [...b.upper, ...b.lower]), ...(spec.hlines ?? []).map((h): [number, number] => [NaN, h.y])];
  const xs = all.map((p) => p[0]).filter(Number.isFinite);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  let x0 = Math.min(...xs, 0);
  let x1 = Math.max(...xs, 1);
  let y0 = spec.yMin ?? Math.min(...ys);
  let y1 = spec.yMax ?? Math.max(...ys);
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 1, y1 + 1];
  const yStep = niceStep(y1 - y0, 5);
  y0 = Math.floor(y0 / yStep) * yStep;
  y1 = Math.ceil(y1 / yStep) * yStep;
  const xStep = niceStep(x1 - x0, 8);
  x0 = Math.floor(x0 / xStep) * xStep;
  x1 = Math.ceil(x1 / xStep) * xStep;
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const path = (pts: [number, number][]): string => pts.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${m.left}" y="18" font-size="14" font-weight="600" fill="#222">${escapeXml(spec.title)}</text>`);
  for (let y = y0; y <= y1 + yStep / 1000; y += yStep) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" fill="#555">${fmt(y)}</text>`);
  }
  for (let x = x0; x <= x1 + xStep / 1000; x += xStep) {
    out.push(`<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${sx(x).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle" fill="#555">${fmt(x)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 32}" text-anchor="middle" fill="#333">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(spec.yLabel)}</text>`);
  for (const b of spec.bands ?? []) {
    const poly = [...b.upper, ...[...b.lower].reverse()].map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    out.push(`<polygon points="${poly}" fill="${b.color}" fill-opacity="0.18" stroke="none"/>`);
  }
  for (const h of spec.hlines ?? []) {
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${sy(h.y).toFixed(1)}" y2="${sy(h.y).toFixed(1)}" stroke="${h.color}" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${W - m.right - 4}" y="${(sy(h.y) - 4).toFixed(1)}" text-anchor="end" fill="${h.color}">${escapeXml(h.label)}</text>`);
  }
  for (const s of spec.series) {
    if (s.points.length === 0) continue;
    out.push(`<path d="${path(s.points)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}${s.opacity === undefined ? "" : ` stroke-opacity="${s.opacity}"`} stroke-linejoin="round" stroke-linecap="round"/>`);
  }
  for (const mk of spec.markers ?? []) {
    out.push(`<circle cx="${sx(mk.x).toFixed(1)}" cy="${sy(mk.y).toFixed(1)}" r="${mk.text ? 6 : 4}" fill="${mk.color}"><title>${escapeXml(mk.label)}</title></circle>`);
    if (mk.text) {
      // Keep the text inside the plot: to the left of the dot when it sits in the right half.
      const right = sx(mk.x) > m.left + pw / 2;
      const ty = Math.min(m.top + ph - 6, Math.max(m.top + 14, sy(mk.y) + (sy(mk.y) < m.top + 30 ? 18 : -10)));
      out.push(`<text x="${(sx(mk.x) + (right ? -10 : 10)).toFixed(1)}" y="${ty.toFixed(1)}" text-anchor="${right ? "end" : "start"}" fill="${mk.color}" font-weight="600">${escapeXml(mk.text)}</text>`);
    }
  }
  // Legend under the axis label.
  const legend = [...spec.series.filter((s) => !s.noLegend).map((s) => ({ label: s.label, color: s.color, dashed: s.dashed, band: false, width: Math.min(6, s.width ?? 2), opacity: s.opacity })), ...(spec.bands ?? []).map((b) => ({ label: b.label, color: b.color, dashed: false, band: true, width: 0, opacity: undefined }))];
  let lx = m.left;
  const ly = H - 10;
  for (const l of legend) {
    if (l.band) out.push(`<rect x="${lx}" y="${ly - 8}" width="18" height="10" fill="${l.color}" fill-opacity="0.25"/>`);
    else out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 3}" y2="${ly - 3}" stroke="${l.color}" stroke-width="${l.width}"${l.opacity === undefined ? "" : ` stroke-opacity="${l.opacity}"`}${l.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${lx + 23}" y="${ly + 1}" fill="#333">${escapeXml(l.label)}</text>`);
    lx += 23 + l.label.length * 6.6 + 18;
  }
  out.push("</svg>");
  return out.join("\n");
}
