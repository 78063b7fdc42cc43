// Can the panel keep its history here? Asked once, before anything touches the bed: creates the data
// directory if need be, writes a probe file, opens and migrates the database and commits a write.
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DB_FILE, openDatabase, type Db } from "./db.ts";
import { classifyFailure, type StorageProblem } from "./failures.ts";

/** Nothing is controlled yet, so the check may wait out a short lock (another process's commit). */
const CHECK_BUSY_TIMEOUT_MS = 1000;
/** One file-system block: enough for a full disk to refuse it. */
const PROBE_BYTES = 4096;

export type DataDirCheck = { ok: true } | { ok: false; problem: StorageProblem; code: string; reason: string; message: string };

/** Words for the operator who started `serve`: what is wrong and, where it helps, what to do. */
const CHECK_REASON: Record<StorageProblem, string> = {
  "disk-full": "the disk is full",
  locked: "the database is locked by another process",
  "read-only": "it is read-only (cannot create or change files there)",
  "cannot-open": `the database file (${DB_FILE}) cannot be opened`,
  corrupt: `${DB_FILE} is a corrupt database file; move it aside to start a new history`,
  "io-error": "the disk reports I/O errors",
  "not-a-directory": "it is not a directory",
  refused: "the database refused a test write",
};

export function checkDataDir(dir: string): DataDirCheck {
  const fail = (err: unknown, problem?: StorageProblem): DataDirCheck => {
    const f = classifyFailure(err);
    const p = problem ?? f.problem;
    const reason = `${CHECK_REASON[p]} (${f.code})`;
    return { ok: false, problem: p, code: f.code, reason, message: `cannot use the data directory ${dir}: ${reason}` };
  };

  try {
    if (!statSync(dir).isDirectory()) return fail({ code: "ENOTDIR" });
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") return fail(err);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (mkdirErr) {
      return fail(mkdirErr);
    }
  }

  const probe = join(dir, `.bedlink-probe-${process.pid}`);
  try {
    // fsync: a full disk may accept the write into the page cache and refuse it only on the flush.
    const fd = openSync(probe, "w", 0o600);
    try {
      writeSync(fd, Buffer.alloc(PROBE_BYTES));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (err) {
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
    return fail(err);
  }

  let db: Db | undefined;
  try {
    db = openDatabase(dir, { busyTimeoutMs: CHECK_BUSY_TIMEOUT_MS });
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") return fail({ code: "SQLITE_CORRUPT" });
    // Rewriting user_version commits a real page to the WAL: the write path works end to end.
    const version = db.pragma("user_version", { simple: true }) as number;
    db.transaction(() => db!.pragma(`user_version = ${version}`)).immediate();
    return { ok: true };
  } catch (err) {
    return fail(err);
  } finally {
    db?.close();
  }
}
