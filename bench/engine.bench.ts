// Whole stack in virtual time: codec + link + engine + simulator running a 60-minute program.
// Prints the wall time per run (median of several); target under 1 s.
import { VirtualClock } from "../protocols/clock.ts";
import { fullBodyRelaxation } from "../src/therapy/programs/library/thermal.ts";
import { validateProgram } from "../src/therapy/programs/validate.ts";
import { TherapySession } from "../src/therapy/session.ts";
import { openBed, driveClock, settle } from "../src/cli/connect.ts";
import { silentLogger } from "../src/log.ts";
import { RealClock } from "../protocols/clock.ts";

const MIN = 60_000;
// The relaxation program stretched to the 60-minute hard maximum (5 + 51 + 2 min + 2 min cool-down).
const source = structuredClone(fullBodyRelaxation);
source.id = "bench-60-min";
source.steps[1]!.durationMs = 51 * MIN;
const checked = validateProgram(source);
if (!checked.ok) throw new Error(`bench program invalid: ${JSON.stringify(checked.errors)}`);
const program = checked.program;

async function once(): Promise<{ wallMs: number; virtualS: number; outcome: string }> {
  const real = new RealClock();
  const clock = new VirtualClock();
  const logger = silentLogger();
  const t0 = real.now();
  const { bed, sim } = await openBed({ kind: "sim" }, { clock, logger, seed: 1, person: { heightCm: 175, weightKg: 75 } });
  const session = new TherapySession({ program, bed, clock, logger, confirmations: { cover: true, screening: true } });
  let done = false;
  const result = session.start().finally(() => (done = true));
  await driveClock(clock, () => done, "max", 70 * MIN, real);
  const r = await result;
  await settle(clock, bed.close(), 5_000);
  sim?.stop();
  return { wallMs: real.now() - t0, virtualS: r.virtualDurationS, outcome: r.outcome };
}

const runs: { wallMs: number; virtualS: number; outcome: string }[] = [];
for (let i = 0; i < 5; i++) runs.push(await once());
const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
const median = walls[Math.floor(walls.length / 2)]!;
process.stdout.write(
  `${JSON.stringify({
    bench: "engine.session60min",
    programMinutes: 60,
    virtualDurationS: Math.round(runs[0]!.virtualS),
    outcome: runs[0]!.outcome,
    wallMsMedian: Math.round(median),
    wallMsRuns: walls.map((w) => Math.round(w)),
    realtimeFactor: Math.round((runs[0]!.virtualS * 1000) / median),
    targetWallMs: 1000,
  })}\n`,
);
