// The simulator alone: simulated seconds per wall second for a 60-minute session at 10 Hz
// telemetry, the host sending only heartbeats (and ACKing events). Target ≥ 10,000×.
import { VirtualClock } from "../protocols/clock.ts";
import { decodeFrame, encodeFrame } from "../protocols/codec.ts";
import { DEFAULT_LEASE_MS, HEARTBEAT_FRACTION } from "../protocols/constants.ts";
import { SimulatedBed } from "../simulator/index.ts";
import { createLoopback } from "../simulator/loopback.ts";

const SESSION_MS = 60 * 60_000;

function run(): { wallMs: number; cpuMs: number; tlm: number; lines: number } {
  const clock = new VirtualClock();
  const [hostEnd, deviceEnd] = createLoopback(clock);
  const bed = new SimulatedBed({ clock, seed: 1, telemetryHz: 10 });
  let seq = 0;
  let tlm = 0;
  let pending = "";
  hostEnd.onData((b) => {
    pending += b.toString("latin1");
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      // Telemetry is only counted: this bench measures the simulator, not a host's decoder.
      if (line.startsWith("TLM ")) {
        tlm++;
        continue;
      }
      const r = decodeFrame(line);
      if (r.ok && r.frame.type === "EVT") hostEnd.write(Buffer.from(encodeFrame({ type: "ACK", seq: r.frame.seq, body: undefined }), "latin1"));
    }
  });
  const send = (line: string) => hostEnd.write(Buffer.from(line, "latin1"));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  bed.attach(deviceEnd);
  send(encodeFrame({ type: "HELLO", seq: seq++, body: { proto: [1, 1], host: "bench", sid: "00c0ffee" } }));
  clock.setInterval(() => send(encodeFrame({ type: "HB", seq: (seq = (seq + 1) % 65536), body: {} })), DEFAULT_LEASE_MS / HEARTBEAT_FRACTION);
  clock.advanceSync(SESSION_MS);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const lines = bed.wireLog.length;
  bed.stop();
  if (bed.firmware.state === "safe") throw new Error("bench host lost its lease: the session is not representative");
  return { wallMs, cpuMs, tlm, lines };
}

run(); // warm-up: JIT
const r = run();
const realtimeFactor = SESSION_MS / r.wallMs;
process.stdout.write(
  `${JSON.stringify({ bench: "sim.realtimeFactor", realtimeFactor: Math.round(realtimeFactor), cpuRealtimeFactor: Math.round(SESSION_MS / r.cpuMs), simulatedS: SESSION_MS / 1000, wallMs: Math.round(r.wallMs), telemetryFrames: r.tlm, wireLines: r.lines, target: 10000 })}\n`,
);
