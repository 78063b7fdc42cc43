// Safety when the bed misbehaves. (a) safety.estopIgnored, real time: a bed that ACKs the
// emergency stop and does not act on it (or does not answer it), behind a real pty in its own
// process (`bedlink sim --pty --faults …`): from the press to the operator alarm, to the last
// heartbeat the bed received, and to the bed's own lease expiry. (b) safety.stuckHeater, virtual
// time: a heater switch welding shut mid-program: from the fault to the power cut, with the true
// element and skin maxima from the simulator's ground truth.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RealClock, VirtualClock } from "../protocols/clock.ts";
import type { Zone } from "../protocols/constants.ts";
import { parseFaultSpec } from "../simulator/index.ts";
import { driveClock, openBed, settle } from "../src/cli/connect.ts";
import type { BedDriver } from "../src/device/bed.ts";
import { silentLogger } from "../src/log.ts";
import { loadProgram } from "../src/therapy/programs/load.ts";
import { TherapySession } from "../src/therapy/session.ts";

const SAMPLES = 10;
const LEASE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]): number => Math.max(...xs);
const r1 = (x: number) => Math.round(x * 10) / 10;

function waitForLine(child: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (re.test(out)) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
  });
}

/** One press on a bed that will not stop; times are host wall clock (performance.now), ms from the press. */
async function onePress(bed: BedDriver, hbArrivals: number[]): Promise<{ alarmMs: number; lastHbMs: number; leaseMs: number }> {
  await bed.waitForTelemetry((t) => t.state === "idle" || t.state === "active", 60_000);
  await bed.setHeat("projector", 45);
  await sleep(300);
  let alarmAt = NaN;
  let leaseAt = NaN;
  const onGaveUp = (): void => void (alarmAt = performance.now());
  const onEvent = (e: { code: string }): void => {
    if (e.code === "W_LEASE_EXPIRED" && Number.isNaN(leaseAt)) leaseAt = performance.now();
  };
  bed.on("gaveUp", onGaveUp);
  bed.on("event", onEvent);
  const t0 = performance.now();
  await bed.estop().catch(() => {});
  for (let i = 0; i < 300 && Number.isNaN(leaseAt); i++) await sleep(10);
  bed.off("gaveUp", onGaveUp);
  bed.off("event", onEvent);
  const lastHb = hbArrivals.filter((t) => t < leaseAt).at(-1) ?? NaN;
  // A technician's release: heartbeats resume, RESET clears the bed's safe state for the next sample.
  await bed.releaseLatch();
  return { alarmMs: alarmAt - t0, lastHbMs: lastHb - t0, leaseMs: leaseAt - t0 };
}

async function estopIgnoredBench(kind: "estop-ignored" | "estop-unanswered"): Promise<void> {
  if (!existsSync("/usr/bin/socat")) {
    console.log(JSON.stringify({ bench: "safety.estopIgnored", fault: kind, skipped: "socat missing (apt-get install socat)" }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "bedlink-bench-safety-"));
  const path = join(dir, "ttyBED");
  const sim = spawn(process.execPath, ["bin/bedlink.js", "sim", "--pty", path, "--trace", "--faults", kind], { env: { ...process.env, BEDLINK_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "inherit"] });
  const hbArrivals: number[] = [];
  let buf = "";
  sim.stdout!.on("data", (b: Buffer) => {
    buf += b.toString();
    let k;
    while ((k = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      if (/host → bed\s+HB\b/.test(line)) hbArrivals.push(performance.now());
    }
  });
  const samples: { alarmMs: number; lastHbMs: number; leaseMs: number }[] = [];
  let bed: BedDriver | undefined;
  try {
    await waitForLine(sim, /bedlink sim: bed .* on /, "sim --pty");
    bed = (await openBed({ kind: "port", path }, { clock: new RealClock(), logger: silentLogger() })).bed;
    for (let i = 0; i < SAMPLES; i++) samples.push(await onePress(bed, hbArrivals));
  } finally {
    await bed?.close().catch(() => {});
    sim.kill("SIGTERM");
    await new Promise((r) => sim.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
  const alarm = samples.map((s) => s.alarmMs);
  const hb = samples.map((s) => s.lastHbMs);
  const lease = samples.map((s) => s.leaseMs);
  console.log(
    JSON.stringify({
      bench: "safety.estopIgnored",
      fault: kind,
      via: "pty (bedlink sim --pty, socat), separate process, real time",
      samples: SAMPLES,
      alarmMedianMs: r1(median(alarm)),
      alarmMaxMs: r1(max(alarm)),
      lastHeartbeatMedianMs: r1(median(hb)),
      lastHeartbeatMaxMs: r1(max(hb)),
      leaseExpiryMedianMs: r1(median(lease)),
      leaseExpiryMaxMs: r1(max(lease)),
      targetAlarmAndHeartbeatMs: 300,
      targetLeaseExpiryMs: LEASE_MS + 100,
    }),
  );
}

const STUCK_CASES: { program: string; zone: Zone; atS: number }[] = [
  { program: "swedish", zone: "projector", atS: 300 },
  { program: "swedish", zone: "mat", atS: 600 },
  { program: "deep-tissue", zone: "projector", atS: 600 },
  { program: "deep-tissue", zone: "mat", atS: 300 },
  { program: "myofascial-release", zone: "projector", atS: 420 },
  { program: "heat-only", zone: "mat", atS: 900 },
];

async function stuckHeaterCase(c: (typeof STUCK_CASES)[number]) {
  const clock = new VirtualClock();
  const logger = silentLogger();
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger, seed: 1, person: { heightCm: 175, weightKg: 75 }, faults: parseFaultSpec(`heater-stuck-on:${c.zone}@${c.atS}s`) });
  const session = new TherapySession({ program: loadProgram(c.program), bed, clock, logger, confirmations: { cover: true, screening: true } });
  const truth = { cutAtMs: NaN, offAtMs: NaN, elementMaxC: -Infinity, skinMaxC: -Infinity, skinOver43Ms: 0 };
  const faultAt = c.atS * 1000;
  const sampler = clock.setInterval(() => {
    const z = sim!.truth.zones[c.zone];
    if (clock.now() < faultAt) return;
    if (Number.isNaN(truth.offAtMs) && (z.setC === 0 || z.sensorC > z.setC + 1)) truth.offAtMs = clock.now();
    if (Number.isNaN(truth.cutAtMs) && z.powerCut) truth.cutAtMs = clock.now();
    truth.elementMaxC = Math.max(truth.elementMaxC, z.elementC);
    truth.skinMaxC = Math.max(truth.skinMaxC, z.skinC);
    if (z.skinC > 43) truth.skinOver43Ms += 100;
  }, 100);
  let done = false;
  const result = session.start().finally(() => (done = true));
  await driveClock(clock, () => done, "max", 80 * 60_000, new RealClock());
  const r = await result;
  await clock.advance(60_000);
  clock.clearInterval(sampler);
  await settle(clock, bed.close(), 5_000).catch(() => {});
  sim!.stop();
  const trip = r.faults.find((f) => f.code === "S_OFF_RISING");
  return {
    case: `${c.program} ${c.zone}@${c.atS}s`,
    code: trip?.code ?? r.faults[0]?.code ?? "none",
    detectFromOffS: trip ? r1((trip.atMs - truth.offAtMs) / 1000) : NaN,
    cutAfterFaultS: r1((truth.cutAtMs - faultAt) / 1000),
    elementMaxC: r1(truth.elementMaxC),
    ceilingC: c.zone === "projector" ? 65 : 60,
    trueSkinMaxC: r1(truth.skinMaxC),
    trueSkinOver43S: r1(truth.skinOver43Ms / 1000),
  };
}

async function stuckHeaterBench(): Promise<void> {
  const cases = [];
  for (const c of STUCK_CASES) cases.push(await stuckHeaterCase(c));
  console.log(
    JSON.stringify({
      bench: "safety.stuckHeater",
      cases,
      cutAfterFaultMedianS: r1(median(cases.map((c) => c.cutAfterFaultS))),
      cutAfterFaultMaxS: r1(max(cases.map((c) => c.cutAfterFaultS))),
      detectFromOffMaxS: r1(max(cases.map((c) => c.detectFromOffS))),
      trueSkinMaxC: r1(max(cases.map((c) => c.trueSkinMaxC))),
      trueSkinOver43MaxS: r1(max(cases.map((c) => c.trueSkinOver43S))),
      targetDetectS: 30,
      targetSkinOver43S: 60,
    }),
  );
}

await estopIgnoredBench("estop-ignored");
await estopIgnoredBench("estop-unanswered");
await stuckHeaterBench();
