// Codec throughput on one core: telemetry decode against a JSON.parse + zod baseline in the
// same run, telemetry encode, and decode through LineFramer of a large buffer (framing included).
import { performance } from "node:perf_hooks";
import { decodeFrame, encodeFrame, TelemetryObjectSchema } from "../protocols/codec.ts";
import { LineFramer } from "../protocols/framing.ts";
import type { Telemetry } from "../protocols/messages.ts";

/** Distinct frames cycled through, so the JIT cannot specialise on one string. */
const VARIANTS = 1024;
/** Each timed round runs this many decodes: long enough (~50–200 ms) to swamp timer noise. */
const ROUND_FRAMES = 100_000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 9;

function sampleTelemetry(i: number): Telemetry {
  return {
    tMs: 60_000 + i * 100,
    state: i % 7 === 0 ? "idle" : "active",
    projectorC: Math.round((38 + (i % 270) / 10) * 10) / 10,
    matC: Math.round((30 + (i % 97) / 10) * 10) / 10,
    projectorSetC: 55,
    matSetC: 40,
    projectorDuty: i % 101,
    matDuty: (i * 7) % 101,
    positionMm: Math.round(((i * 13) % 7800) / 10 * 10) / 10,
    targetMm: 420,
    speedMmS: i % 2 === 0 ? 20 : -12.5,
    lift: i % 7,
    motorMa: 800 + (i % 400),
    loadKg: 72.4,
    flags: 0x1b,
  };
}

const objects = Array.from({ length: VARIANTS }, (_, i) => sampleTelemetry(i));
const lines = objects.map((t, i) => encodeFrame({ type: "TLM", seq: i, body: t }).slice(0, -1));
const jsonLines = objects.map((t) => JSON.stringify(t));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Runs `round` WARMUP_ROUNDS + ROUNDS times; returns the median rate in frames/s. */
function measure(round: () => number): number {
  const rates: number[] = [];
  for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
    const t0 = performance.now();
    const frames = round();
    const ms = performance.now() - t0;
    if (r >= WARMUP_ROUNDS) rates.push((frames * 1000) / ms);
  }
  return median(rates);
}

let sink = 0; // keeps results alive so nothing is optimised away

function decodeRound(): number {
  for (let i = 0; i < ROUND_FRAMES; i++) {
    const r = decodeFrame(lines[i & (VARIANTS - 1)]!);
    if (!r.ok) throw new Error(`bench frame rejected: ${r.error.detail}`);
    sink += r.frame.seq;
  }
  return ROUND_FRAMES;
}

function jsonRound(): number {
  for (let i = 0; i < ROUND_FRAMES; i++) {
    const r = TelemetryObjectSchema.safeParse(JSON.parse(jsonLines[i & (VARIANTS - 1)]!));
    if (!r.success) throw new Error("bench JSON rejected");
    sink += r.data.lift;
  }
  return ROUND_FRAMES;
}

function encodeRound(): number {
  for (let i = 0; i < ROUND_FRAMES; i++) {
    sink += encodeFrame({ type: "TLM", seq: i & 0xffff, body: objects[i & (VARIANTS - 1)]! }).length;
  }
  return ROUND_FRAMES;
}

// One big buffer of newline-terminated frames, fed in serial-driver-sized chunks.
const STREAM_FRAMES = 50_000;
const CHUNK_BYTES = 64 * 1024;
const stream = Buffer.from(
  Array.from({ length: STREAM_FRAMES }, (_, i) => lines[i & (VARIANTS - 1)]! + "\n").join(""),
  "latin1",
);

function framerRound(): number {
  const framer = new LineFramer();
  let decoded = 0;
  framer.on("data", (line: string) => {
    if (decodeFrame(line).ok) decoded++;
  });
  for (let off = 0; off < stream.length; off += CHUNK_BYTES) framer.write(stream.subarray(off, off + CHUNK_BYTES));
  framer.end();
  if (decoded !== STREAM_FRAMES) throw new Error(`framer decoded ${decoded} of ${STREAM_FRAMES}`);
  return decoded;
}

// Interleave codec and baseline rounds so both see the same machine state.
const decodeRates: number[] = [];
const jsonRates: number[] = [];
for (let k = 0; k < 3; k++) {
  decodeRates.push(measure(decodeRound));
  jsonRates.push(measure(jsonRound));
}
const framesPerS = median(decodeRates);
const baselineFramesPerS = median(jsonRates);
const encodeFramesPerS = measure(encodeRound);
const framerFramesPerS = measure(framerRound);

const round = (n: number) => Math.round(n);
console.log(
  JSON.stringify({
    bench: "codec.decode",
    framesPerS: round(framesPerS),
    baselineFramesPerS: round(baselineFramesPerS),
    ratioVsJson: Math.round((framesPerS / baselineFramesPerS) * 100) / 100,
    bytesPerFrame: Math.round(stream.length / STREAM_FRAMES),
  }),
);
console.log(JSON.stringify({ bench: "codec.encode", framesPerS: round(encodeFramesPerS) }));
console.log(
  JSON.stringify({
    bench: "codec.framer+decode",
    framesPerS: round(framerFramesPerS),
    mbPerS: Math.round(((framerFramesPerS * stream.length) / STREAM_FRAMES / 1e6) * 10) / 10,
  }),
);
if (sink === -1) console.log("unreachable");
