// What went wrong with the storage, in the words a technician needs: SQLite result codes and
// file-system errnos mapped to a handful of problems, and whether trying again later can help.
import { BedlinkError, ErrorCode } from "../errors.ts";

export type StorageProblem = "disk-full" | "locked" | "read-only" | "cannot-open" | "corrupt" | "io-error" | "not-a-directory" | "refused";

/** Short reasons for the alarm text and the health view ("History can't be saved right now (disk full)"). */
export const PROBLEM_REASON: Record<StorageProblem, string> = {
  "disk-full": "disk full",
  locked: "database locked",
  "read-only": "data directory not writable",
  "cannot-open": "database file cannot be opened",
  corrupt: "database file is corrupt",
  "io-error": "disk I/O error",
  "not-a-directory": "data directory is not a directory",
  refused: "write refused by the database",
};

export interface StorageFailure {
  problem: StorageProblem;
  /** SQLITE_FULL, ENOSPC, …: for the log, never the data that failed to be written. */
  code: string;
  /** false: the same write will fail the same way again (a constraint, a bug): do not queue it. */
  retry: boolean;
}

// Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …) share their primary code's prefix.
const SQLITE_PROBLEMS: [prefix: string, problem: StorageProblem][] = [
  ["SQLITE_FULL", "disk-full"],
  ["SQLITE_BUSY", "locked"],
  ["SQLITE_LOCKED", "locked"],
  ["SQLITE_READONLY", "read-only"],
  ["SQLITE_PERM", "read-only"],
  ["SQLITE_CANTOPEN", "cannot-open"],
  ["SQLITE_CORRUPT", "corrupt"],
  ["SQLITE_NOTADB", "corrupt"],
  ["SQLITE_IOERR", "io-error"],
  ["SQLITE_PROTOCOL", "io-error"],
  ["SQLITE_NOMEM", "io-error"],
];

const ERRNO_PROBLEMS: Record<string, StorageProblem> = {
  ENOSPC: "disk-full",
  EDQUOT: "disk-full",
  EROFS: "read-only",
  EACCES: "read-only",
  EPERM: "read-only",
  ENOTDIR: "not-a-directory",
  EEXIST: "not-a-directory",
  EIO: "io-error",
};

export function classifyFailure(err: unknown): StorageFailure {
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "UNKNOWN";
  if (code.startsWith("SQLITE_")) {
    const hit = SQLITE_PROBLEMS.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`));
    return hit ? { problem: hit[1], code, retry: true } : { problem: "refused", code, retry: false };
  }
  const problem = ERRNO_PROBLEMS[code];
  return problem ? { problem, code, retry: true } : { problem: "refused", code, retry: false };
}

/** True for errors from the database or the file system (as opposed to bugs in our own code). */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_") || code in ERRNO_PROBLEMS);
}

/**
 * A read (or a write that cannot wait) that cannot be done: "The session history can't be read right
 * now (disk I/O error)…". The server band has no storage code yet, so it travels as "not allowed in
 * the storage's state" (409 with this message) rather than as a bed failure (502).
 */
export function storageError(what: string, verb: "read" | "saved", failure: StorageFailure): BedlinkError {
  return new BedlinkError(ErrorCode.StorageUnavailable, `${what} can't be ${verb} right now (${PROBLEM_REASON[failure.problem]}). The bed is still controlled normally; tell a technician.`, {
    state: "storage failing",
    problem: failure.problem,
    code: failure.code,
  });
}
