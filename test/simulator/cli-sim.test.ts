// `bedlink sim` as a technician runs it: a real pty pair through socat (the controller opens
// PATH with serialport), a TCP port, --trace on stdout, and clear refusals of bad options.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, type Frame } from "../../protocols/codec.ts";

const BIN = join(import.meta.dirname, "../../bin/bedlink.js");
const socatInstalled = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
const running: ChildProcess[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.exitCode === null) {
      const exited = new Promise((r) => p.once("exit", r));
      p.kill("SIGINT");
      await exited;
    }
  }
});

function startSim(args: string[]): { proc: ChildProcess; stdout: () => string; waitFor: (re: RegExp, ms?: number) => Promise<RegExpMatchArray> } {
  const proc = spawn(process.execPath, [BIN, "--log-level", "warn", "sim", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  running.push(proc);
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp, ms = 15_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = out.match(re);
      if (m) return m;
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no ${re} in sim output:\n${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { proc, stdout: () => out, waitFor };
}

/** Collects decoded frames from a byte stream. */
function frameCollector() {
  const frames: Frame[] = [];
  let pending = "";
  return {
    frames,
    push(b: Buffer) {
      pending += b.toString("latin1");
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const r = decodeFrame(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (r.ok) frames.push(r.frame);
      }
    },
    async waitFor(pred: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
      const deadline = Date.now() + ms;
      for (;;) {
        const f = frames.find(pred);
        if (f) return f;
        if (Date.now() > deadline) throw new Error(`frame not seen in time; got ${frames.length} frames: ${frames.slice(0, 8).map((x) => `${x.type} ${x.seq}`).join(", ")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe("bedlink sim over a real pty", () => {
  it("a controller opens PATH with serialport, handshakes and sets a heat zone; --trace shows it decoded", async (ctx) => {
    if (!socatInstalled) {
      if (process.env.CI === "true") throw new Error("socat is required in CI for the pty test (apt-get install socat)");
      ctx.skip("socat is not installed: skipping the pty test (apt-get install socat)");
    }
    const dir = mkdtempSync(join(tmpdir(), "bedlink-sim-"));
    const path = join(dir, "ttyBED");
    const sim = startSim(["--pty", path, "--trace", "--seed", "3"]);
    await sim.waitFor(/bedlink sim: bed CGM-V6-SIM \S+ on /);
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    const rx = frameCollector();
    port.on("data", (b: Buffer) => rx.push(b));
    port.write(encodeFrame({ type: "HELLO", seq: 0, body: { proto: [1, 1], host: "pty-test", sid: "a1b2c3d4" } }));
    const hello = await rx.waitFor((f) => f.type === "ACK" && f.seq === 0);
    expect(hello.body).toMatchObject({ proto: 1, model: "CGM-V6-SIM" });
    let seq = 1;
    const heartbeat = setInterval(() => port.write(encodeFrame({ type: "HB", seq: seq++, body: {} })), 250);
    try {
      await rx.waitFor((f) => f.type === "TLM" && f.body.state === "idle", 20_000); // homed
      const heatSeq = seq++;
      port.write(encodeFrame({ type: "HEAT", seq: heatSeq, body: { zone: "projector", targetC: 45 } }));
      await rx.waitFor((f) => f.type === "ACK" && f.seq === heatSeq);
    } finally {
      clearInterval(heartbeat);
    }
    await rx.waitFor((f) => f.type === "TLM" && f.body.projectorSetC === 45);
    await sim.waitFor(/host → bed {2}HEAT #\d+ projector → 45 °C/);
    await sim.waitFor(/bed → host {2}TLM #\d+ \w+ · projector [\d.]+\/45 °C/);
    await new Promise<void>((r) => port.close(() => r()));
    const exited = new Promise<number | null>((r) => sim.proc.once("exit", (code) => r(code)));
    sim.proc.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(existsSync(path)).toBe(false); // socat is gone with its links
  });
});

describe("bedlink sim unplug over a real pty", () => {
  it("--faults unplug:1s@2s: the controller's port closes, PATH comes back and telemetry flows again", async (ctx) => {
    if (!socatInstalled) {
      if (process.env.CI === "true") throw new Error("socat is required in CI for the pty test (apt-get install socat)");
      ctx.skip("socat is not installed: skipping the pty test (apt-get install socat)");
    }
    const path = join(mkdtempSync(join(tmpdir(), "bedlink-sim-")), "ttyBED");
    const sim = startSim(["--pty", path, "--faults", "unplug:1s@2s"]);
    await sim.waitFor(/bedlink sim: bed /);
    const open = async () => {
      const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
      await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
      return p;
    };
    const first = await open();
    first.on("data", () => undefined);
    await new Promise((r) => {
      first.once("close", r);
      first.once("error", r);
    });
    await sim.waitFor(/cable pulled for 1 s/);
    await sim.waitFor(/cable back in/, 5000);
    const again = await open();
    const rx = frameCollector();
    again.on("data", (b: Buffer) => rx.push(b));
    await rx.waitFor((f) => f.type === "TLM");
    await new Promise<void>((r) => again.close(() => r()));
  });
});

describe("bedlink sim over TCP", () => {
  it("serves one controller at a time on the port it prints", async () => {
    const sim = startSim(["--tcp", "127.0.0.1:0", "--nobody"]);
    const m = await sim.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(m[1]);
    const first = connect({ host: "127.0.0.1", port });
    const rx = frameCollector();
    first.on("data", (b: Buffer) => rx.push(b));
    await new Promise((r) => first.once("connect", r));
    first.write(encodeFrame({ type: "HELLO", seq: 7, body: { proto: [1, 1], host: "tcp-test", sid: "0000beef" } }));
    expect((await rx.waitFor((f) => f.type === "ACK" && f.seq === 7)).body).toMatchObject({ serial: "SIM-000001" });
    const tlm = await rx.waitFor((f) => f.type === "TLM");
    expect(tlm.body).toMatchObject({ loadKg: expect.any(Number) });
    // A second controller is turned away while the first is connected.
    const second = connect({ host: "127.0.0.1", port });
    await new Promise((r) => second.once("close", r));
    first.destroy();
  });
});

describe("bedlink sim with misbehaving firmware", () => {
  it("--faults estop-ignored,relay-welded:mat: an ESTOP over TCP is ACKed and the bed does not stop", async () => {
    const sim = startSim(["--tcp", "127.0.0.1:0", "--faults", "estop-ignored,relay-welded:mat"]);
    const m = await sim.waitFor(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/);
    const socket = connect({ host: "127.0.0.1", port: Number(m[1]) });
    const rx = frameCollector();
    socket.on("data", (b: Buffer) => rx.push(b));
    await new Promise((r) => socket.once("connect", r));
    socket.write(encodeFrame({ type: "HELLO", seq: 1, body: { proto: [1, 1], host: "cli-test", sid: "0000f00d" } }));
    await rx.waitFor((f) => f.type === "ACK" && f.seq === 1);
    socket.write(encodeFrame({ type: "ESTOP", seq: 2, body: {} }));
    await rx.waitFor((f) => f.type === "ACK" && f.seq === 2);
    const after = rx.frames.length;
    await rx.waitFor((f) => f.type === "TLM" && rx.frames.indexOf(f) >= after);
    expect(rx.frames.slice(after).some((f) => f.type === "TLM" && f.body.state === "estop")).toBe(false);
    expect(rx.frames.some((f) => f.type === "EVT" && f.body.code === "E_ESTOP")).toBe(false);
    socket.destroy();
  });
});

describe("bedlink sim refuses bad options before starting anything", () => {
  it.each([
    [[], /give exactly one of --tcp HOST:PORT or --pty PATH/],
    [["--tcp", "localhost"], /--tcp must be HOST:PORT/],
    [["--tcp", "127.0.0.1:0", "--baud", "12"], /--baud must be a whole number 300–4000000/],
    [["--tcp", "127.0.0.1:0", "--faults", "heater-dead:leg"], /zone must be projector or mat \(got "leg"\)/],
    [["--tcp", "127.0.0.1:0", "--faults", "relay-welded"], /relay-welded.*needs a parameter \(projector or mat\)/],
    [["--tcp", "127.0.0.1:0", "--person", "height=300,weight=70"], /--person height must be/],
    [["--tcp", "127.0.0.1:0", "--scenario", "/nonexistent.json"], /cannot read scenario/],
  ])("bedlink sim %j → exit 2 with %s", (args, message) => {
    const r = spawnSync(process.execPath, [BIN, "sim", ...args], { encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
