// A real SQLITE_FULL on one connection, without a small file system (CI runs as root in a container
// that cannot mount one): every row written to the panel's tables also needs a page of a temp table
// whose page count is capped, and the main database may not grow. SQLite itself then refuses the
// write with "database or disk is full", exactly as on a full disk, and takes the statement back.
import type Database from "better-sqlite3";

const TABLES = ["sessions", "alarms", "audit", "technician_secret", "technician_sessions"] as const;
const OPS = ["INSERT", "UPDATE", "DELETE"] as const;
/** SQLite's own ceiling for max_page_count: "no limit". */
const NO_LIMIT = 4294967294;

export function fillDisk(db: Database.Database): void {
  db.exec("CREATE TEMP TABLE IF NOT EXISTS ballast (b BLOB)");
  for (const table of TABLES) {
    for (const op of OPS) db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS full_${table}_${op} AFTER ${op} ON main.${table} BEGIN INSERT INTO temp.ballast VALUES (zeroblob(8192)); END`);
  }
  // Asking for 1 page caps each at what it has now.
  db.pragma("temp.max_page_count = 1");
  db.pragma("main.max_page_count = 1");
}

export function freeDisk(db: Database.Database): void {
  for (const table of TABLES) for (const op of OPS) db.exec(`DROP TRIGGER IF EXISTS temp.full_${table}_${op}`);
  db.pragma(`temp.max_page_count = ${NO_LIMIT}`);
  db.pragma(`main.max_page_count = ${NO_LIMIT}`);
}
