// Opens the panel's SQLite database in the data directory and brings its schema up to date.
// WAL + synchronous=NORMAL: a session row written as it goes survives a kill -9 of the server.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

/** The data directory when --data is not given (relative to where the server starts). */
export const DEFAULT_DATA_DIR = ".bedlink-data";
export const DB_FILE = "bedlink.sqlite";

/** Each entry upgrades the schema by one version; never edit one that has shipped, add another. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     program_id TEXT NOT NULL,
     program_name TEXT NOT NULL,
     started_by TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     ended_at INTEGER,
     outcome TEXT NOT NULL,
     last_state TEXT NOT NULL,
     reason_code TEXT,
     reason_text TEXT,
     faults TEXT NOT NULL DEFAULT '[]',
     max_projector_c REAL,
     max_mat_c REAL,
     device_serial TEXT
   );
   CREATE INDEX sessions_started ON sessions(started_at);
   CREATE TABLE alarms (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     code TEXT NOT NULL,
     priority TEXT NOT NULL,
     text TEXT NOT NULL,
     zone TEXT,
     source TEXT NOT NULL,
     session_id TEXT,
     raised_at INTEGER NOT NULL,
     acknowledged_at INTEGER,
     acknowledged_by TEXT
   );
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     detail TEXT NOT NULL DEFAULT '{}',
     remote TEXT
   );
   CREATE TABLE technician_secret (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     salt TEXT NOT NULL,
     hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE technician_sessions (
     token_hash TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
];

/**
 * How long a statement waits for another process's lock. The store runs on the controller's event
 * loop, next to the bed's heartbeat (1 s lease): 5 ms rides out another writer's commit (well under
 * a millisecond) and anything longer is queued and retried instead of waited for.
 */
export const BUSY_TIMEOUT_MS = 5;

export function openDatabase(dataDir: string, opts: { busyTimeoutMs?: number } = {}): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, DB_FILE));
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Db): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
