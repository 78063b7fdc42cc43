// A pty pair through socat for end-to-end tests over real ttys: start, kill (the unplug)
// and start again on the same paths (the replug).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

export function socatAvailable(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

export class PtyPair {
  private proc: ChildProcess | undefined;

  constructor(
    readonly pathA: string,
    readonly pathB: string,
  ) {}

  /** Starts socat and resolves once both pty links exist. */
  async start(): Promise<void> {
    const proc = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${this.pathA}`, `pty,raw,echo=0,link=${this.pathB}`], { stdio: "ignore" });
    this.proc = proc;
    const deadline = Date.now() + 5000;
    while (!(existsSync(this.pathA) && existsSync(this.pathB))) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`socat did not create ${this.pathA} and ${this.pathB}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Kills this socat (by its pid) and waits for it to exit: both ptys vanish, like a pulled cable. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  }
}
