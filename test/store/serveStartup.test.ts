// `bedlink serve` failing to start, the real CLI in a child process. An unusable --data: it says which
// directory and why, exits 2 on its own within seconds, and never opens the bed (no simulator, no link,
// no secret printed). A failure after the bed is open (the address is taken): the bed is released, exit 2.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { DB_FILE } from "../../src/store/db.ts";
import { openStore } from "../../src/store/index.ts";

const root = mkdtempSync(join(tmpdir(), "bedlink-serve-data-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stuck serve (the old read-only hang) fails the test instead of hanging it. */
const GIVE_UP_MS = 15_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function serve(dataDir: string, asUser?: string, listen = "127.0.0.1:0"): Promise<Ran> {
  const args = ["--import", "tsx", "bin/bedlink.js", "serve", "--sim", "--listen", listen, "--data", dataDir];
  const [cmd, argv] = asUser ? ["runuser", ["-u", asUser, "--", process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  const child = spawn(cmd, argv, { env: { ...process.env, BEDLINK_LOG_LEVEL: "debug" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), GIVE_UP_MS);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    }),
  );
}

function expectRefusedBeforeTheBed(r: Ran, dataDir: string, reason: string): void {
  expect(r.code, `stderr:\n${r.stderr}`).toBe(2);
  expect(r.stderr).toContain(`bedlink serve: cannot use the data directory ${dataDir}: `);
  expect(r.stderr).toContain(reason);
  // Debug logging is on: an opened bed would have logged from the simulator and the link.
  expect(r.stderr).not.toContain('"ns":"bedlink:sim"');
  expect(r.stderr).not.toContain('"ns":"bedlink:link"');
  expect(r.stdout).not.toContain("Technician secret");
  expect(r.stdout).not.toContain("bedlink panel:");
  expect(r.ms).toBeLessThan(GIVE_UP_MS);
}

it("--data names a regular file → exit 2, 'not a directory', the bed never opened", async () => {
  const path = join(root, "a-file");
  writeFileSync(path, "not a directory");
  expectRefusedBeforeTheBed(await serve(path), path, "not a directory");
}, 30_000);

it("--data holds a corrupt database file → exit 2, 'corrupt', the bed never opened", async () => {
  const dir = join(root, "corrupt");
  mkdirSync(dir);
  writeFileSync(join(dir, DB_FILE), Buffer.alloc(16_384, "garbage "));
  expectRefusedBeforeTheBed(await serve(dir), dir, "corrupt");
}, 30_000);

/** Root ignores permission bits: run the CLI as `nobody` when we are root and that works here. */
function ordinaryUser(): string | undefined | "unavailable" {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", "-e", ""], { stdio: "ignore" });
  return probe.status === 0 ? "nobody" : "unavailable";
}

/** A data directory a previous server left mid-session (WAL files still there), then made read-only. */
function leftReadOnly(dir: string): void {
  const before = join(root, "before");
  const store = openStore(before);
  store.sessions.begin({ id: "left-running", programId: "swedish", programName: "Swedish", startedBy: "staff", deviceSerial: "SIM-1" });
  mkdirSync(dir);
  // Copied while open: the -wal and -shm a killed server leaves behind.
  for (const suffix of ["", "-wal", "-shm"]) copyFileSync(join(before, DB_FILE + suffix), join(dir, DB_FILE + suffix));
  store.close();
  chmodSync(join(dir, DB_FILE), 0o444);
  chmodSync(dir, 0o555);
}

// The reported case: the old serve got past opening the store (reads work), opened the bed, failed
// on its first write and hung with the link open.
it("--data is read-only (the reported hang) → exit 2, 'read-only', the bed never opened", async (ctx) => {
  const user = ordinaryUser();
  if (user === "unavailable") ctx.skip("running as root and cannot run as 'nobody' here: permission bits would not bind");
  chmodSync(root, 0o755);
  const dir = join(root, "read-only");
  leftReadOnly(dir);
  try {
    expectRefusedBeforeTheBed(await serve(dir, user), dir, "read-only");
  } finally {
    chmodSync(dir, 0o755);
  }
}, 30_000);

it("the listen address is taken (the bed is open by then) → the bed is released, exit 2, no hang", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const r = await serve(join(root, "listen"), undefined, `127.0.0.1:${port}`);
    expect(r.code, `stderr:\n${r.stderr}`).toBe(2);
    expect(r.stderr).toContain(`bedlink serve: cannot listen on 127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/"ns":"bedlink:link".*"msg":"link closed"/);
    expect(r.ms).toBeLessThan(GIVE_UP_MS);
  } finally {
    taken.close();
  }
}, 30_000);
