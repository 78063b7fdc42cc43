// Nothing crashes: `run`, `diag`, `flash` and `serve` on the simulator under every fault kind, run as
// real processes with --unhandled-rejections=strict. Whatever the bed does, each ends on a documented
// exit status with its report, never on an unhandled rejection, an uncaught exception or a stack trace.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, type ExpectStatic } from "vitest";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import { FAULT_KIND_NAMES, type FaultKind } from "../../simulator/index.ts";
import { EXIT } from "../../src/cli/exitCodes.ts";
import { loadPrivateKey, writeKeyPair } from "../../src/firmware/keys.ts";
import { signImage } from "../../src/firmware/sign.ts";
import { payloadOf } from "../firmware/fixtures.ts";
import { crashProblem, finished, ProcessPool, spawnBedlink, type Finished } from "../helpers/cliProcess.ts";

/** The link-level kinds and their parameter: noise the link has to ride out (retransmits, dedup, reordering). */
const LINK_NOISE = {
  "bitflip-rx": "0.002",
  "bitflip-tx": "0.002",
  "dropbyte-rx": "0.002",
  "dropbyte-tx": "0.002",
  "drop-frame-rx": "0.2",
  "drop-frame-tx": "0.2",
  "dup-frame-rx": "0.2",
  "dup-frame-tx": "0.2",
  "reorder-rx": "0.2",
  "reorder-tx": "0.2",
  "delay-frame-rx": "300",
  "delay-frame-tx": "300",
  "slow-ack": "500",
  "no-ack": "0.3",
} as const satisfies Partial<Record<FaultKind, string>>;
type LinkNoiseKind = keyof typeof LINK_NOISE;
const LINK_NOISE_KINDS = Object.keys(LINK_NOISE) as LinkNoiseKind[];
const noise = (kind: LinkNoiseKind, at: string, forS: number): string => `${kind}:${LINK_NOISE[kind]}@${at}+${forS}s`;

/**
 * One sensible spec per kind, striking at `at` (simulated time from the start). The misbehaving-
 * firmware kinds come with the fault that makes the controller lean on what they break.
 * Typed as a Record: a new fault kind does not compile until it is covered here.
 */
const FAULT_SPEC: Record<FaultKind, (at: string) => string> = {
  ...(Object.fromEntries(LINK_NOISE_KINDS.map((kind) => [kind, (at: string) => noise(kind, at, 60)])) as Record<LinkNoiseKind, (at: string) => string>),
  reboot: (at) => `reboot@${at}`,
  unplug: (at) => `unplug:5s@${at}`,
  "sensor-open": (at) => `sensor-open:projector@${at}`,
  "sensor-short": (at) => `sensor-short:mat@${at}`,
  "heater-stuck-on": (at) => `heater-stuck-on:projector@${at}`,
  "heater-dead": (at) => `heater-dead:projector@${at}`,
  jam: (at) => `jam@${at}`,
  "limit-stuck": (at) => `limit-stuck:home-closed@${at}`,
  "person-off": (at) => `person-off@${at}`,
  overweight: (at) => `overweight:150@${at}`,
  brownout: (at) => `brownout@${at}`,
  // At once: the handshake is refused and the bed is never reached.
  "proto-version": () => "proto-version:2",
  // These act only during a firmware transfer (flash below); elsewhere they must be harmless.
  "boot-interrupt": () => "boot-interrupt",
  "boot-corrupt": () => "boot-corrupt",
  "boot-nohandshake": () => "boot-nohandshake",
  "estop-ignored": (at) => `estop-ignored@${at},safe-ignored@${at},heater-dead:projector@${at}`,
  "estop-unanswered": (at) => `estop-unanswered@${at},safe-ignored@${at},heater-dead:projector@${at}`,
  "safe-ignored": (at) => `safe-ignored@${at},heater-dead:projector@${at}`,
  "commands-ignored": (at) => `commands-ignored@${at}`,
  "telemetry-frozen": (at) => `telemetry-frozen@${at}`,
  "relay-welded": (at) => `relay-welded:projector@${at},heater-stuck-on:projector@${at}`,
};

const BOOT_KINDS: FaultKind[] = ["boot-interrupt", "boot-corrupt", "boot-nohandshake"];

/** Flash: the boot-* kinds, and link and power faults in the middle of a transfer (some it survives, some it gives up on). */
const FLASH_FAULTS = [
  "boot-interrupt",
  "boot-interrupt@20%",
  "boot-corrupt",
  "boot-nohandshake",
  "unplug:2s@50%",
  "unplug:60s@50%",
  "reboot@50%",
  "brownout@50%",
  "bitflip-rx:0.0005,drop-frame-tx:0.05,no-ack:0.1,slow-ack:300",
  "drop-frame-rx:0.9@30%",
  "proto-version:2",
];

/** Serve: every kind that changes a running session. */
const SERVE_KINDS: FaultKind[] = [
  "heater-dead",
  "heater-stuck-on",
  "sensor-open",
  "sensor-short",
  "jam",
  "limit-stuck",
  "person-off",
  "overweight",
  "reboot",
  "unplug",
  "brownout",
  "estop-ignored",
  "estop-unanswered",
  "safe-ignored",
  "commands-ignored",
  "telemetry-frozen",
  "relay-welded",
];

/** `run`'s JSON outcome → the exit statuses it may end with. */
const RUN_EXITS: Record<string, number[]> = {
  completed: [EXIT.ok, EXIT.failed],
  stopped: [EXIT.stopped],
  faulted: [EXIT.faulted],
  estopped: [EXIT.estopped],
  "link-failed": [EXIT.link, EXIT.failed],
};

const PROCESS_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;
/** Two children at once: the suite runs two test files side by side on two cores. */
const pool = new ProcessPool(2);
const work = mkdtempSync(join(tmpdir(), "bedlink-nocrash-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bedlink(...args: string[]): Promise<Finished> {
  return pool.use(() => finished(spawnBedlink(args), PROCESS_TIMEOUT_MS));
}

/** The JSON objects on stdout, one a line (a report is one line). */
function jsonLines(stdout: string): unknown[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as unknown);
}

it("the crash check recognises a real crash, and a plain non-zero exit is none", async () => {
  const crash = await finished(spawn(process.execPath, ["--unhandled-rejections=strict", "-e", "Promise.reject(new Error('boom'))"]), 10_000);
  expect(crashProblem(crash)).toBeDefined();
  const thrown = await finished(spawn(process.execPath, ["-e", "setTimeout(() => { throw new Error('boom'); }, 0)"]), 10_000);
  expect(crashProblem(thrown)).toBeDefined();
  const failed = await finished(spawn(process.execPath, ["-e", "process.stderr.write('bedlink run: no\\n'); process.exit(4)"]), 10_000);
  expect(crashProblem(failed)).toBeUndefined();
});

it("every fault kind has a spec here", () => {
  expect(Object.keys(FAULT_SPEC).sort()).toEqual([...FAULT_KIND_NAMES].sort());
});

describe.concurrent("bedlink run quick-10-relax --sim --json --faults <kind>: one summary, a documented status", () => {
  it.for(FAULT_KIND_NAMES)("%s", { timeout: TEST_TIMEOUT_MS }, async (kind, { expect }) => {
    const r = await bedlink("run", "quick-10-relax", "--sim", "--json", "--faults", FAULT_SPEC[kind]("120s"));
    expect(crashProblem(r), r.stderr).toBeUndefined();
    const out = jsonLines(r.stdout);
    expect(out, r.stdout).toHaveLength(1);
    const outcome = (out[0] as { outcome: string }).outcome;
    expect(RUN_EXITS[outcome], `outcome ${outcome}`).toContain(r.code);
  });
});

/** diag's own verdicts: a report on stdout, or nothing when the bed could not be reached. */
function expectDiagEnded(r: Finished, expect: ExpectStatic): { linkLost?: boolean } | undefined {
  expect(crashProblem(r), r.stderr).toBeUndefined();
  const out = jsonLines(r.stdout);
  if (out.length === 0) {
    expect(r.code, r.stderr).toBe(EXIT.link);
    expect(r.stderr).toContain("cannot reach the bed");
    return undefined;
  }
  expect(out, r.stdout).toHaveLength(1);
  expect(out[0]).toHaveProperty("overall");
  expect([EXIT.ok, EXIT.failed, EXIT.link]).toContain(r.code);
  return out[0] as { linkLost?: boolean };
}

describe.concurrent("bedlink diag --sim --json --faults <kind…>: a report or a link failure, a documented status", () => {
  // The heater checks run from about 5 s to 175 s: each link kind gets 10 s of them to itself.
  it("every link-level kind in turn, 10 s each", { timeout: TEST_TIMEOUT_MS }, async ({ expect }) => {
    const spec = LINK_NOISE_KINDS.map((kind, i) => noise(kind, `${10 + 10 * i}s`, 10)).join(",");
    const report = expectDiagEnded(await bedlink("diag", "--sim", "--json", "--faults", spec), expect);
    // Survived, so every window was reached.
    expect(report?.linkLost).toBe(false);
  });

  it("the boot-* kinds together (they act only during a transfer)", { timeout: TEST_TIMEOUT_MS }, async ({ expect }) => {
    const spec = BOOT_KINDS.map((kind) => FAULT_SPEC[kind]("20s")).join(",");
    expectDiagEnded(await bedlink("diag", "--sim", "--json", "--faults", spec), expect);
  });

  const alone = FAULT_KIND_NAMES.filter((kind) => !(kind in LINK_NOISE) && !BOOT_KINDS.includes(kind));
  it.for(alone)("%s", { timeout: TEST_TIMEOUT_MS }, async (kind, { expect }) => {
    expectDiagEnded(await bedlink("diag", "--sim", "--json", "--faults", FAULT_SPEC[kind]("20s")), expect);
  });
});

describe.concurrent("bedlink flash IMAGE --sim --json --faults <spec>: one result, a documented status", () => {
  const keys = writeKeyPair(join(work, "keys"));
  const image = join(work, "fw-1.5.0.bfw");
  writeFileSync(image, signImage(payloadOf(12_000), { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" }, loadPrivateKey(keys.privateKeyPath)).bytes);

  it.for(FLASH_FAULTS)("%s", { timeout: TEST_TIMEOUT_MS }, async (spec, { expect }) => {
    const r = await bedlink("flash", image, "--sim", "--pubkey", keys.publicKeyPath, "--json", "--faults", spec);
    expect(crashProblem(r), r.stderr).toBeUndefined();
    const out = jsonLines(r.stdout);
    if (out.length === 0) {
      expect(r.code, r.stderr).toBe(EXIT.link);
      expect(r.stderr).toContain("cannot reach the bed");
    } else {
      expect(out, r.stdout).toHaveLength(1);
      expect(["updated", "rolled-back", "failed"]).toContain((out[0] as { outcome: string }).outcome);
      expect([EXIT.ok, EXIT.failed, EXIT.link]).toContain(r.code);
    }
  });
});

const CONFIRMED = { cover: true, screening: { pacemakerOrImplants: false, pregnancy: false, osteoporosis: false, recentSurgery: false, diabetes: false } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `serve --sim` at 100× with a fault 75 s (simulated) in: a program started over HTTP, the
 * emergency stop pressed 2 s (200 s simulated) later, the status page still answering, then SIGTERM.
 */
async function serveUnderFault(spec: string, dataDir: string): Promise<{ started: number; estop: number; status: number; result: Finished }> {
  const child = spawnBedlink(["--log-level", "warn", "serve", "--sim", "--sim-speed", "100", "--listen", "127.0.0.1:0", "--data", dataDir, "--faults", spec]);
  const done = finished(child, PROCESS_TIMEOUT_MS);
  const printed = new Promise<string>((resolve) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /bedlink panel: (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  const url = await Promise.race([printed, done.then(() => undefined)]);
  try {
    if (url === undefined) throw new Error("serve exited before printing its URL");
    const post = (path: string, body?: unknown) =>
      fetch(`${url}${path}`, { method: "POST", headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const started = (await post("/api/session/start", { programId: "quick-10-relax", confirmations: CONFIRMED })).status;
    await sleep(2000);
    const estop = (await post("/api/estop")).status;
    const status = (await fetch(`${url}/api/status`)).status;
    child.kill("SIGTERM");
    return { started, estop, status, result: await done };
  } catch (err) {
    child.kill("SIGKILL");
    const r = await done;
    throw new Error(`${(err as Error).message}; ${crashProblem(r) ?? `exit ${r.code}`}\n${r.stderr}`);
  }
}

describe.concurrent("bedlink serve --sim --faults <kind>: start, emergency stop, status, SIGTERM → exit 0", () => {
  it.for(SERVE_KINDS)("%s", { timeout: TEST_TIMEOUT_MS }, async (kind, { expect }) => {
    const dataDir = mkdtempSync(join(work, "serve-"));
    const r = await pool.use(() => serveUnderFault(FAULT_SPEC[kind]("75s"), dataDir));
    expect(crashProblem(r.result), r.result.stderr).toBeUndefined();
    expect(r.started, r.result.stderr).toBe(201);
    // 502 is the panel's answer when the bed does not confirm the stop (estop-ignored): an answer, not a crash.
    expect(r.estop, r.result.stderr).not.toBe(500);
    expect(r.status, r.result.stderr).toBe(200);
    expect(r.result.code, r.result.stderr).toBe(EXIT.ok);
  });
});
