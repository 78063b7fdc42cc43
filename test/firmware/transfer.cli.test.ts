// `bedlink flash` as a technician runs it: against the built-in simulator (virtual time) and,
// end to end, against `bedlink sim --pty` over a real pty paced at 115200 baud.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import { loadPrivateKey, writeKeyPair } from "../../src/firmware/keys.ts";
import { buildUnsignedImage, signImage } from "../../src/firmware/sign.ts";
import { payloadOf } from "./fixtures.ts";

const BIN = join(import.meta.dirname, "../../bin/bedlink.js");
const SIM_META = { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" };

function workspace(payloadBytes = 12_000) {
  const dir = mkdtempSync(join(tmpdir(), "bedlink-flash-"));
  const pair = writeKeyPair(join(dir, "keys"));
  const image = join(dir, "fw-1.5.0.bfw");
  writeFileSync(image, signImage(payloadOf(payloadBytes), SIM_META, loadPrivateKey(pair.privateKeyPath)).bytes);
  const unsigned = join(dir, "unsigned.bfw");
  writeFileSync(unsigned, buildUnsignedImage(payloadOf(payloadBytes), SIM_META));
  return { dir, pubkey: pair.publicKeyPath, image, unsigned };
}

function bedlink(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "--log-level", "error", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bedlink flash on the built-in simulator", () => {
  const ws = workspace();

  it("a signed image for this bed: exit 0 and the bed runs the new version", () => {
    const r = bedlink("flash", ws.image, "--sim", "--pubkey", ws.pubkey, "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "updated", fromVersion: SIM_IDENTITY.fw, runningVersion: "1.5.0", bootSlot: "B", resumes: 0 });
  });

  it("an image that won't boot: exit 1, the rollback said plainly, the old version still running", () => {
    const r = bedlink("flash", ws.image, "--sim", "--pubkey", ws.pubkey, "--faults", "boot-nohandshake");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("ROLLED BACK");
    expect(r.stdout).toContain(`runs ${SIM_IDENTITY.fw} from slot A`);
  });

  it("a transfer interrupted half-way resumes, in one command", () => {
    const r = bedlink("flash", ws.image, "--sim", "--pubkey", ws.pubkey, "--faults", "boot-interrupt@50%", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "updated", resumes: 1 });
  });

  it("an unsigned image is refused (exit 1) without contacting the bed", () => {
    const r = bedlink("flash", ws.unsigned, "--sim", "--pubkey", ws.pubkey, "--json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "refused", code: "ImageSignatureInvalid", check: "signature" });
  });

  it("without a trusted key every image is refused", () => {
    const r = spawnSync(process.execPath, [BIN, "flash", ws.image, "--sim"], { encoding: "utf8", env: { ...process.env, BEDLINK_FW_PUBKEY: "", BEDLINK_DATA_DIR: ws.dir } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refused, nothing was sent to the bed: .*no firmware public key is configured/);
  });

  it.each([
    [["flash", "/no/such/image.bfw", "--sim"], 2, /cannot read image \/no\/such\/image.bfw: ENOENT/],
    [["flash", "IMAGE", "--port", "/dev/ttyUSB9", "--faults", "boot-corrupt"], 2, /--faults only applies to the simulator/],
    [["flash", "IMAGE", "--sim", "--port", "/dev/ttyUSB9"], 2, /choose one of --sim, --port PATH, --tcp HOST:PORT/],
    [["flash", "IMAGE", "--sim", "--faults", "boot-interrupt@150%"], 2, /transfer progress must be 0–100%/],
    [["flash", "IMAGE", "--port", "/dev/no-such-tty"], 6, /cannot reach the bed/],
  ])("bad input %j → exit %i with a clear message", (args, status, message) => {
    const r = bedlink(...args.map((a) => (a === "IMAGE" ? ws.image : a)), "--pubkey", ws.pubkey);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
  });
});

const socatInstalled = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const p of children.splice(0)) {
    if (p.exitCode !== null) continue;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGINT"); // our own child, by its handle
    await exited;
  }
});

function run(args: string[]): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, "--log-level", "warn", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exited: new Promise((r) => proc.once("exit", (code) => r(code))) };
}

describe("bedlink flash over a real pty to `bedlink sim --baud 115200`", () => {
  it("updates the simulated bed end to end and it answers with the new version", async (ctx) => {
    if (!socatInstalled) {
      if (process.env.CI === "true") throw new Error("socat is required in CI for the pty flash test (apt-get install socat)");
      ctx.skip("socat is not installed: skipping the pty flash test (apt-get install socat)");
    }
    const ws = workspace(16_000);
    const tty = join(ws.dir, "ttyBED");
    const sim = run(["sim", "--pty", tty, "--baud", "115200", "--nobody"]);
    const deadline = Date.now() + 15_000;
    while (!sim.output().includes("bedlink sim: bed")) {
      if (Date.now() > deadline || sim.proc.exitCode !== null) throw new Error(`bedlink sim did not start:\n${sim.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const flash = run(["flash", ws.image, "--port", tty, "--baud", "115200", "--pubkey", ws.pubkey, "--json"]);
    expect(await flash.exited, flash.output()).toBe(0);
    const result = JSON.parse(flash.output().split("\n").find((l) => l.startsWith('{"outcome"'))!);
    expect(result).toMatchObject({ outcome: "updated", runningVersion: "1.5.0", bootSlot: "B", bytes: 16_000 });
    // Paced at 115200 baud the line carries at most 11,520 bytes/s.
    expect(result.bytesPerS).toBeLessThanOrEqual(11_520);
    expect(result.bytesPerS).toBeGreaterThan(5_000);
  }, 60_000);
});
