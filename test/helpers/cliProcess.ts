// Runs the real `bedlink` binary as a child process, the way an operator or CI does, with Node's
// strictest rejection mode, and says whether it crashed (a Node crash, not an exit status of ours).
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exitCodes.ts";

export const BIN = join(import.meta.dirname, "../../bin/bedlink.js");

/** Every exit status the README documents; a crash or a signal is none of them. */
export const DOCUMENTED_EXITS: ReadonlySet<number> = new Set(Object.values(EXIT));

/** What Node prints when a rejection or exception reaches the top (strict mode turns rejections into these). */
const CRASH_TEXT = /Unhandled|UnhandledPromiseRejection|uncaughtException|^Node\.js v\d+|^\s+at /m;

/** The first line of stderr that is crash output, if any. */
export function crashLine(stderr: string): string | undefined {
  const m = CRASH_TEXT.exec(stderr);
  if (!m) return undefined;
  const start = stderr.lastIndexOf("\n", m.index) + 1;
  const end = stderr.indexOf("\n", m.index);
  return stderr.slice(start, end < 0 ? undefined : end);
}

/** `node --unhandled-rejections=strict bin/bedlink.js …`: bin/bedlink.js registers tsx itself. */
export function spawnBedlink(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--unhandled-rejections=strict", BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it exits; kills it (by its handle) if it outlives timeoutMs. */
export function finished(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stderr += `\n[test] still running after ${timeoutMs / 1000} s: killed\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What is wrong with how a process ended, or undefined when it ended on a documented status without crash output. */
export function crashProblem(r: Finished): string | undefined {
  if (r.code === null) return `ended by ${r.signal}`;
  if (!DOCUMENTED_EXITS.has(r.code)) return `exit ${r.code} is not a documented bedlink status`;
  const line = crashLine(r.stderr);
  return line === undefined ? undefined : `crash output on stderr: ${line.trim()}`;
}

/**
 * At most `size` children at once: each tsx start-up costs about a second of CPU, and the
 * suite shares two cores with another test file.
 */
export class ProcessPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
