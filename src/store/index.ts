// The panel's persistent store: session history, alarms, the audit log and technician credentials,
// in one SQLite file under the data directory.
import { openDatabase, type Db } from "./db.ts";
import { AlarmLog } from "./alarms.ts";
import { AuditLog } from "./audit.ts";
import { SessionHistory } from "./sessions.ts";
import { TechnicianCredentials } from "./technician.ts";

export { DEFAULT_DATA_DIR } from "./db.ts";
export type { AlarmRecord } from "./alarms.ts";
export type { Actor, AuditEntry } from "./audit.ts";
export type { SessionRecord, StoredFault, StoredOutcome } from "./sessions.ts";

/** Wall-clock milliseconds since the epoch, without Date.now (time is injected; tests pass their own). */
export const systemWallClock = (): number => Math.round(performance.timeOrigin + performance.now());

export interface PanelStore {
  readonly dataDir: string;
  readonly sessions: SessionHistory;
  readonly alarms: AlarmLog;
  readonly audit: AuditLog;
  readonly technician: TechnicianCredentials;
  close(): void;
}

export function openStore(dataDir: string, wallNowMs: () => number = systemWallClock): PanelStore {
  const db: Db = openDatabase(dataDir);
  return {
    dataDir,
    sessions: new SessionHistory(db, wallNowMs),
    alarms: new AlarmLog(db, wallNowMs),
    audit: new AuditLog(db, wallNowMs),
    technician: new TechnicianCredentials(db, wallNowMs),
    close: () => db.close(),
  };
}
