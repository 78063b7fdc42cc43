// The panel's persistent store: session history, alarms, the audit log and technician credentials,
// in one SQLite file under the data directory. Storage trouble never reaches the callers: writes are
// queued in memory and retried (GuardedDb), and the store says how it is doing (health, onHealthChange).
import type { Clock } from "../../protocols/clock.ts";
import { silentLogger, type Logger } from "../log.ts";
import { AlarmLog } from "./alarms.ts";
import { AuditLog } from "./audit.ts";
import { openDatabase, type Db } from "./db.ts";
import { GuardedDb, type StoreHealth } from "./guardedDb.ts";
import { SessionHistory } from "./sessions.ts";
import { TechnicianCredentials } from "./technician.ts";

export { byUrgency } from "./alarms.ts";
export { checkDataDir, type DataDirCheck } from "./dataDir.ts";
export { BUSY_TIMEOUT_MS, DEFAULT_DATA_DIR } from "./db.ts";
export { MAX_QUEUED_WRITES, RETRY_MS, type StoreHealth } from "./guardedDb.ts";
export type { StorageProblem } from "./failures.ts";
export type { AlarmRecord } from "./alarms.ts";
export type { Actor, AuditEntry } from "./audit.ts";
export type { SessionRecord, StoredFault, StoredOutcome } from "./sessions.ts";

/** Wall-clock milliseconds since the epoch, without Date.now (time is injected; tests pass their own). */
export const systemWallClock = (): number => Math.round(performance.timeOrigin + performance.now());

export interface StoreOptions {
  logger?: Logger;
  /** Retries queued writes once a second on this clock; without one, on the next write and on retry(). */
  clock?: Clock;
  /** Writes kept in memory while the database fails; beyond it the oldest are dropped (and counted). */
  maxQueued?: number;
  busyTimeoutMs?: number;
  /** Tests and tools: configure the connection once it is open and migrated (e.g. page limits that make a real SQLITE_FULL). */
  onConnection?: (db: Db) => void;
}

export interface PanelStore {
  readonly dataDir: string;
  readonly sessions: SessionHistory;
  readonly alarms: AlarmLog;
  readonly audit: AuditLog;
  readonly technician: TechnicianCredentials;
  health(): StoreHealth;
  /** Told when the store starts or stops failing (or fails for another reason). Returns the unsubscribe. */
  onHealthChange(listener: (h: StoreHealth) => void): () => void;
  /** Replays queued writes now (a housekeeping tick may call it). */
  retry(): StoreHealth;
  close(): void;
}

/** Throws when the database cannot be opened at all (`checkDataDir` says why, in words); never after. */
export function openStore(dataDir: string, wallNowMs: () => number = systemWallClock, opts: StoreOptions = {}): PanelStore {
  const db = openDatabase(dataDir, { busyTimeoutMs: opts.busyTimeoutMs });
  opts.onConnection?.(db);
  const logger = (opts.logger ?? silentLogger()).child({ ns: "bedlink:store" });
  const g = new GuardedDb(db, { logger, wallNowMs, clock: opts.clock, maxQueued: opts.maxQueued });
  return {
    dataDir,
    sessions: new SessionHistory(g),
    alarms: new AlarmLog(g),
    audit: new AuditLog(g),
    technician: new TechnicianCredentials(g),
    health: () => g.health(),
    onHealthChange: (listener) => g.onHealthChange(listener),
    retry: () => g.retry(),
    close: () => g.close(),
  };
}
