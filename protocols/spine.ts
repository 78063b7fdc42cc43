// The reference spine-region finder: a scan sweep's motor-current trace → spine start/end
// and region bounds on the track. Pure; shared so the controller runs the same algorithm
// the simulator is tested against (patent US 10588683: regions from the current trace).

export const SPINE_REGIONS = [
  { name: "cervical", fraction: 0.18 }, // Gray's Anatomy fractions of the scanned length
  { name: "thoracic", fraction: 0.39 },
  { name: "lumbar", fraction: 0.25 },
  { name: "sacral", fraction: 0.18 },
] as const;
export type SpineRegion = (typeof SPINE_REGIONS)[number]["name"];

export interface ScanSample {
  positionMm: number;
  motorMa: number;
}

export interface SpineMap {
  startMm: number;
  endMm: number;
  lengthMm: number;
  regions: Record<SpineRegion, { startMm: number; endMm: number }>;
}

export type SpineFindResult = { ok: true; spine: SpineMap } | { ok: false; reason: string };

/** Bin width for the trace, mm. */
const BIN_MM = 2;
/** Moving-average half-width, bins (±6 mm): averages out motor-current noise without blurring a 16 mm transition. */
const SMOOTH_BINS = 3;
/** Half-width of the gradient's central difference, bins (±4 mm). */
const GRAD_BINS = 2;
/** Window around the rough onset/offset in which the steepest edge is taken, mm. */
const EDGE_SEARCH_MM = 30;
/** Window around each expected boundary (fraction of the length) in which the steepest edge is taken. */
const BOUNDARY_SEARCH_FRACTION = 0.06;
/** Least rise of the smoothed trace over its baseline that counts as a back (a 40 kg person, lift retracted, gives ≈ 130 mA on the thoracic curve; motor noise is ≈ 15 mA). */
export const MIN_CONTRAST_MA = 60;
/** Fewest bins with data for a trace to count as a sweep (a 100 mm sweep). */
const MIN_BINS = 50;

/** Region bounds from a spine's start and end, by the standard fractions. */
export function regionsFromSpan(startMm: number, endMm: number): SpineMap["regions"] {
  const lengthMm = endMm - startMm;
  const regions = {} as SpineMap["regions"];
  let at = startMm;
  for (const r of SPINE_REGIONS) {
    regions[r.name] = { startMm: at, endMm: at + r.fraction * lengthMm };
    at += r.fraction * lengthMm;
  }
  regions.sacral.endMm = endMm;
  return regions;
}

/**
 * Finds the spine in a constant-speed sweep's samples (either direction, any order; leave
 * out samples taken while the carriage was standing or accelerating). Lordotic regions
 * (cervical, lumbar) press lightly, kyphotic ones (thoracic, sacral) hard: each region
 * boundary is the steepest rise or fall of the smoothed trace near where the fractions
 * put it, and the ends are the steepest rise and fall around the contact onset/offset.
 */
export function findSpine(samples: readonly ScanSample[]): SpineFindResult {
  const good = samples.filter((s) => Number.isFinite(s.positionMm) && Number.isFinite(s.motorMa));
  if (good.length === 0) return { ok: false, reason: "no samples with a finite positionMm and motorMa" };
  let minPos = Infinity;
  let maxPos = -Infinity;
  for (const s of good) {
    minPos = Math.min(minPos, s.positionMm);
    maxPos = Math.max(maxPos, s.positionMm);
  }
  const n = Math.floor((maxPos - minPos) / BIN_MM) + 1;
  if (n < MIN_BINS) return { ok: false, reason: `sweep covers ${Math.round(maxPos - minPos)} mm; need at least ${MIN_BINS * BIN_MM} mm` };

  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const s of good) {
    const i = Math.min(n - 1, Math.floor((s.positionMm - minPos) / BIN_MM));
    sum[i]! += s.motorMa;
    count[i]!++;
  }
  const raw = fillGaps(sum, count);
  const smooth = movingAverage(raw, SMOOTH_BINS);
  const sorted = Array.from(smooth).sort((a, b) => a - b);
  const base = sorted[Math.floor(n * 0.05)]!;
  const top = sorted[Math.floor(n * 0.95)]!;
  if (top - base < MIN_CONTRAST_MA) return { ok: false, reason: "the trace is flat: nobody on the bed, or the projector is not touching" };
  const norm = (i: number) => (smooth[i]! - base) / (top - base);
  const posOf = (i: number) => minPos + (i + 0.5) * BIN_MM;
  const binOf = (mm: number) => Math.round((mm - minPos) / BIN_MM - 0.5);
  const grad = (i: number) => smooth[Math.min(n - 1, i + GRAD_BINS)]! - smooth[Math.max(0, i - GRAD_BINS)]!;

  let onset = -1;
  let offset = -1;
  for (let i = 0; i < n; i++) if (norm(i) >= 0.1) { onset = i; break; }
  for (let i = n - 1; i >= 0; i--) if (norm(i) >= 0.3) { offset = i; break; }
  if (onset < 0 || offset <= onset) return { ok: false, reason: "no contact found in the trace" };

  const edge = (centre: number, halfBins: number, sign: 1 | -1): number => {
    let best = centre;
    let bestV = -Infinity;
    for (let i = Math.max(0, centre - halfBins); i <= Math.min(n - 1, centre + halfBins); i++) {
      const v = sign * grad(i);
      if (v > bestV) { bestV = v; best = i; }
    }
    return best;
  };
  const edgeHalf = Math.round(EDGE_SEARCH_MM / BIN_MM);
  const startMm = posOf(edge(onset, edgeHalf, 1));
  const endMm = posOf(edge(offset, edgeHalf, -1));
  const lengthMm = endMm - startMm;
  if (lengthMm < 100) return { ok: false, reason: `contact only ${Math.round(lengthMm)} mm long: not a spine` };

  // Internal boundaries: cervical→thoracic rises, thoracic→lumbar falls, lumbar→sacral rises.
  const signs: (1 | -1)[] = [1, -1, 1];
  const bounds: number[] = [];
  let cumulative = 0;
  const half = Math.max(2, Math.round((BOUNDARY_SEARCH_FRACTION * lengthMm) / BIN_MM));
  for (let k = 0; k < 3; k++) {
    cumulative += SPINE_REGIONS[k]!.fraction;
    bounds.push(posOf(edge(binOf(startMm + cumulative * lengthMm), half, signs[k]!)));
  }
  const regions: SpineMap["regions"] = {
    cervical: { startMm, endMm: bounds[0]! },
    thoracic: { startMm: bounds[0]!, endMm: bounds[1]! },
    lumbar: { startMm: bounds[1]!, endMm: bounds[2]! },
    sacral: { startMm: bounds[2]!, endMm },
  };
  return { ok: true, spine: { startMm, endMm, lengthMm, regions } };
}

function fillGaps(sum: Float64Array, count: Uint32Array): Float64Array {
  const n = sum.length;
  const out = new Float64Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (count[i]! === 0) continue;
    out[i] = sum[i]! / count[i]!;
    if (last >= 0 && i - last > 1) for (let j = last + 1; j < i; j++) out[j] = out[last]! + ((out[i]! - out[last]!) * (j - last)) / (i - last);
    else if (last < 0) for (let j = 0; j < i; j++) out[j] = out[i]!;
    last = i;
  }
  for (let j = last + 1; j < n; j++) out[j] = out[last]!;
  return out;
}

function movingAverage(x: Float64Array, half: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) { s += x[j]!; c++; }
    out[i] = s / c;
  }
  return out;
}
