// The panel server in real time. (a) `bedlink serve --sim` under 100 live subscribers at 10 Hz on
// loopback: CPU share and memory of the server process, and tick-period jitter (server-side send
// times and client-observed arrivals). (b) Emergency stop from HTTP request to heaters off, with the
// simulator behind a real pty (`bedlink sim --pty`, socat) when socat is there, else in-process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RealClock } from "../protocols/clock.ts";
import { openBed } from "../src/cli/connect.ts";
import { silentLogger } from "../src/log.ts";
import { buildApp } from "../src/server/app.ts";
import { openStore } from "../src/store/index.ts";

const SUBSCRIBERS = 100;
const MEASURE_MS = 10_000;
const ESTOP_SAMPLES = 200;
const TICK_PERIOD_MS = 100;
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

function waitForLine(child: ChildProcess, re: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.on("exit", (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
  });
}

async function subscribersBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "bedlink-bench-panel-"));
  const child = spawn(process.execPath, ["bin/bedlink.js", "serve", "--sim", "--listen", "127.0.0.1:0", "--data", dataDir], {
    env: { ...process.env, BEDLINK_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = new URL((await waitForLine(child, /bedlink panel: (http:\/\/\S+)/, "serve"))[1]!);
    await sleep(2000);
    const pid = child.pid!;
    const idleCpu0 = cpuSeconds(pid);
    await sleep(MEASURE_MS / 2);
    const idleShare = (cpuSeconds(pid) - idleCpu0) / (MEASURE_MS / 2 / 1000);

    const arrivals: number[][] = [];
    const serverAtMs: number[] = [];
    const requests = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const mine: number[] = [];
      arrivals.push(mine);
      const req = request({ host: url.hostname, port: url.port, path: "/api/live" }, (res) => {
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let k;
          while ((k = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            if (!block.startsWith("event: tick")) continue;
            mine.push(performance.now());
            if (i === 0) serverAtMs.push(JSON.parse(block.slice(block.indexOf("data: ") + 6)).atMs as number);
          }
        });
      });
      req.end();
      requests.push(req);
    }
    await sleep(1000);
    for (const a of arrivals) a.length = 0;
    serverAtMs.length = 0;
    const cpu0 = cpuSeconds(pid);
    await sleep(MEASURE_MS);
    const cpuShare = (cpuSeconds(pid) - cpu0) / (MEASURE_MS / 1000);
    const memMb = rssMb(pid);
    for (const r of requests) r.destroy();

    const jitter = (ts: number[]) => ts.slice(1).map((t, i) => Math.abs(t - ts[i]! - TICK_PERIOD_MS));
    const clientJitter = arrivals.flatMap(jitter);
    const serverJitter = jitter(serverAtMs);
    const received = arrivals.reduce((a, x) => a + x.length, 0);
    console.log(
      JSON.stringify({
        bench: "panel.live",
        subscribers: SUBSCRIBERS,
        hz: 1000 / TICK_PERIOD_MS,
        seconds: MEASURE_MS / 1000,
        ticksPerSubscriberPerS: r2(received / SUBSCRIBERS / (MEASURE_MS / 1000)),
        cpuShare: r2(cpuShare),
        cpuShareIdle: r2(idleShare),
        rssMb: Math.round(memMb),
        serverJitterP99Ms: r2(quantile(serverJitter, 0.99)),
        clientJitterP99Ms: r2(quantile(clientJitter, 0.99)),
        clientJitterMedianMs: r2(quantile(clientJitter, 0.5)),
        targetJitterP99Ms: 10,
      }),
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bed for (b): the simulator on a real pty in its own process, or in-process when socat is missing. */
async function openEstopBed(real: RealClock): Promise<{ bed: Awaited<ReturnType<typeof openBed>>["bed"]; heatersOffAt: () => Promise<number>; via: string; stop: () => Promise<void> }> {
  if (existsSync("/usr/bin/socat")) {
    const dir = mkdtempSync(join(tmpdir(), "bedlink-bench-pty-"));
    const path = join(dir, "ttyBED");
    const sim = spawn(process.execPath, ["bin/bedlink.js", "sim", "--pty", path, "--trace"], { env: { ...process.env, BEDLINK_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "inherit"] });
    await waitForLine(sim, /bedlink sim: bed .* on /, "sim --pty");
    // The firmware switches the heaters off in its receive path, as it logs the ESTOP frame (trace).
    let waiter: ((t: number) => void) | undefined;
    let buf = "";
    sim.stdout!.on("data", (b: Buffer) => {
      buf += b.toString();
      let k;
      while ((k = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        if (/host → bed\s+ESTOP/.test(line) && waiter) {
          const w = waiter;
          waiter = undefined;
          w(performance.now());
        }
      }
    });
    const { bed } = await openBed({ kind: "port", path }, { clock: real, logger: silentLogger() });
    return {
      bed,
      via: "pty (bedlink sim --pty, socat), separate process",
      heatersOffAt: () => new Promise((r) => (waiter = r)),
      stop: async () => {
        await bed.close();
        sim.kill("SIGTERM");
        await new Promise((r) => sim.once("exit", r));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { bed, sim } = await openBed({ kind: "sim" }, { clock: real, logger: silentLogger() });
  return {
    bed,
    via: "in-process simulator (socat missing), real time",
    heatersOffAt: async () => {
      while (sim!.truth.zones.projector.duty !== 0 || sim!.truth.state !== "estop") await sleep(0);
      return performance.now();
    },
    stop: async () => {
      await bed.close();
      sim!.stop();
    },
  };
}

async function estopBench(): Promise<void> {
  const real = new RealClock();
  const dataDir = mkdtempSync(join(tmpdir(), "bedlink-bench-estop-"));
  const store = openStore(dataDir);
  const target = await openEstopBed(real);
  const app = await buildApp({ bed: target.bed, clock: real, store });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const offMs: number[] = [];
  const replyMs: number[] = [];
  try {
    // The bed homes at power-up; heat commands are refused until it is idle.
    await target.bed.waitForTelemetry((t) => t.state === "idle" || t.state === "active", 60_000);
    for (let i = 0; i < ESTOP_SAMPLES; i++) {
      await target.bed.setHeat("projector", 45);
      await sleep(30);
      const off = target.heatersOffAt();
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/estop`, { method: "POST" });
      const t1 = performance.now();
      if (res.status !== 200) throw new Error(`estop answered ${res.status}: ${await res.text()}`);
      offMs.push((await off) - t0);
      replyMs.push(t1 - t0);
      // The emergency stop stays latched until a technician releases it.
      await target.bed.releaseLatch();
      await target.bed.waitForTelemetry((t) => t.state !== "estop", 5_000);
    }
  } finally {
    await app.close();
    await target.stop().catch(() => {});
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      bench: "panel.estop",
      via: target.via,
      samples: ESTOP_SAMPLES,
      heatersOffMedianMs: r2(quantile(offMs, 0.5)),
      heatersOffP99Ms: r2(quantile(offMs, 0.99)),
      httpReplyMedianMs: r2(quantile(replyMs, 0.5)),
      httpReplyP99Ms: r2(quantile(replyMs, 0.99)),
      targetP99Ms: 50,
    }),
  );
}

await subscribersBench();
await estopBench();
