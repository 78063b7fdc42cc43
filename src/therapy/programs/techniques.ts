// The techniques a program can render, from the brief's technique table: what each one caps.
// Speeds and minutes are the table's estimates (shown to people, not enforced); the caps are enforced.

export const TECHNIQUES = [
  "full-body-relaxation",
  "swedish",
  "deep-tissue",
  "myofascial-release",
  "trigger-point",
  "sports-massage",
  "post-run-recovery",
  "heat-therapy", // heat only, carriage parked: for people over the roller weight limit (our addition)
  "spinal-walk", // scan-led: segment by segment along the spine (the spinal family, our addition)
] as const;
export type Technique = (typeof TECHNIQUES)[number];

export interface TechniqueCaps {
  /** Skin-side ceiling from the table's "skin heat" column (upper end of the range). */
  skinMaxC: number;
  /** Pressure ceiling from the table's "pressure" column; warm-ups may go lighter. */
  liftMax: number;
  /** Longest single hold in a dwell; 0 = the technique has no dwell ("none"). */
  holdMaxMs: number;
  /** Dwell repeats and the pause between them (trigger point: <= 3, 10–20 s off). */
  repeatsMax: number;
  offMinMs?: number;
  offMaxMs?: number;
  /** Whether the carriage may move at all (heat therapy keeps it parked). */
  carriageMoves: boolean;
  /** For people: the table's speed range and session minutes (not enforced). */
  speedHint: string;
  minutesHint: [number, number];
}

export const TECHNIQUE_CAPS: Record<Technique, TechniqueCaps> = {
  "full-body-relaxation": {
    skinMaxC: 42, liftMax: 2, holdMaxMs: 0, repeatsMax: 1, carriageMoves: true,
    speedHint: "continuous full sweeps, 10–20 mm/s", minutesHint: [30, 40],
  },
  swedish: {
    skinMaxC: 42, liftMax: 3, holdMaxMs: 5_000, repeatsMax: 1, carriageMoves: true,
    speedHint: "long sweeps 15–30 mm/s, alternating full and partial", minutesHint: [30, 45],
  },
  "deep-tissue": {
    skinMaxC: 42, liftMax: 6, holdMaxMs: 15_000, repeatsMax: 3, carriageMoves: true,
    speedHint: "slow 5–10 mm/s, short strokes inside one region", minutesHint: [20, 30],
  },
  "myofascial-release": {
    // 43 °C is the table's hard cap; holds 90–120 s per site, up to 5 min (domain numbers).
    skinMaxC: 43, liftMax: 3, holdMaxMs: 5 * 60_000, repeatsMax: 1, carriageMoves: true,
    speedHint: "creep <= 2 mm/s or still", minutesHint: [20, 30],
  },
  "trigger-point": {
    skinMaxC: 43, liftMax: 5, holdMaxMs: 60_000, repeatsMax: 3, offMinMs: 10_000, offMaxMs: 20_000,
    carriageMoves: true, speedHint: "stop at a scanned point, ramp, hold, back off", minutesHint: [10, 20],
  },
  "sports-massage": {
    skinMaxC: 42, liftMax: 3, holdMaxMs: 5_000, repeatsMax: 1, carriageMoves: true,
    speedHint: "brisk 30–50 mm/s", minutesHint: [10, 20],
  },
  "post-run-recovery": {
    skinMaxC: 40, liftMax: 2, holdMaxMs: 0, repeatsMax: 1, carriageMoves: true,
    speedHint: "light sweeps", minutesHint: [10, 15],
  },
  "heat-therapy": {
    // Long stationary contact: the IEC >= 10 min skin limit.
    skinMaxC: 43, liftMax: 0, holdMaxMs: 0, repeatsMax: 1, carriageMoves: false,
    speedHint: "carriage parked, heat only", minutesHint: [10, 40],
  },
  "spinal-walk": {
    skinMaxC: 42, liftMax: 4, holdMaxMs: 15_000, repeatsMax: 1, carriageMoves: true,
    speedHint: "segment by segment, short holds", minutesHint: [15, 30],
  },
};
