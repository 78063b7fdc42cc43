// The panel server killed with SIGKILL mid-session (power cut, crash): on the next start the session
// shows as interrupted, never lost. And a SIGTERM shuts down gracefully: the session saved as stopped.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";

const dataDir = mkdtempSync(join(tmpdir(), "bedlink-kill9-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

const CONFIRMED = { cover: true, screening: { pacemakerOrImplants: false, pregnancy: false, osteoporosis: false, recentSurgery: false, diabetes: false } };

/** Starts `bedlink serve` on the simulator (20× real time) on a free port; resolves with its URL. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["bin/bedlink.js", "serve", "--sim", "--sim-speed", "20", "--listen", "127.0.0.1:0", "--data", dataDir], {
    env: { ...process.env, BEDLINK_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /bedlink panel: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!.replace(/\/$/, "") });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before printing its URL:\n${out}`)));
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (c: ChildProcess): Promise<number | null> => new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.on("exit", (code) => r(code))));

it("kill -9 mid-session → next start lists the session as interrupted; SIGTERM → session saved as stopped, exit 0", async () => {
  const first = await startServer();
  const started = await fetch(`${first.url}/api/session/start`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ programId: "full-body-relaxation", confirmations: CONFIRMED }) });
  expect(started.status).toBe(201);
  const id = ((await started.json()) as { id: string }).id;
  await waitFor("the program running", async () => {
    const s = (await (await fetch(`${first.url}/api/session`)).json()) as { session: { state: string } | null };
    return s.session?.state === "running.step" ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 2500)); // at least one progress write after the state change
  first.child.kill("SIGKILL");
  expect(await exited(first.child)).toBeNull();

  const second = await startServer();
  const history = (await (await fetch(`${second.url}/api/sessions`)).json()) as { sessions: { id: string; outcome: string; lastState: string; durationMs: number }[] };
  expect(history.sessions[0]).toMatchObject({ id, outcome: "interrupted", lastState: "running.step" });
  expect(history.sessions[0]!.durationMs).toBeGreaterThan(0);
  const alarms = (await (await fetch(`${second.url}/api/alarms`)).json()) as { active: { code: string }[] };
  expect(alarms.active.map((a) => a.code)).toContain("S_INTERRUPTED");

  const again = await fetch(`${second.url}/api/session/start`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ programId: "heat-only", confirmations: CONFIRMED }) });
  const id2 = ((await again.json()) as { id: string }).id;
  second.child.kill("SIGTERM");
  expect(await exited(second.child)).toBe(0);
  const store = openStore(dataDir);
  try {
    expect(store.sessions.get(id2)).toMatchObject({ outcome: "stopped", reasonCode: "SHUTDOWN" });
  } finally {
    store.close();
  }
}, 60_000);
