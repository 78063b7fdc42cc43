// checkDataDir: asked once before `serve` touches the bed. A usable directory is made if missing; an
// unusable one is named with the reason (problem codes asserted, the words only where people read them).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { DB_FILE } from "../../src/store/db.ts";
import { checkDataDir, openStore } from "../../src/store/index.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bedlink-datadir-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

it("a missing directory is created (owner only) with a migrated database, and nothing is left behind but the database", () => {
  const dir = join(root, "nested", "data");
  expect(checkDataDir(dir)).toEqual({ ok: true });
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  const store = openStore(dir);
  try {
    expect(store.sessions.list({ limit: 1 })).toEqual([]);
  } finally {
    store.close();
  }
  expect(checkDataDir(dir)).toEqual({ ok: true });
});

it("garbage in the database file → corrupt, naming the directory and the file", () => {
  const dir = join(root, "data");
  mkdirSync(dir);
  writeFileSync(join(dir, DB_FILE), Buffer.alloc(8192, "this is not sqlite "));
  const r = checkDataDir(dir);
  expect(r).toMatchObject({ ok: false, problem: "corrupt", code: "SQLITE_NOTADB" });
  if (!r.ok) expect(r.message).toMatch(new RegExp(`^cannot use the data directory ${dir}: .*corrupt database file`));
});

it("a regular file where the directory should be → not a directory", () => {
  const path = join(root, "data");
  writeFileSync(path, "x");
  expect(checkDataDir(path)).toMatchObject({ ok: false, problem: "not-a-directory" });
  expect(checkDataDir(join(path, "below"))).toMatchObject({ ok: false, problem: "not-a-directory" });
});

it("a directory where the database file should be → cannot be opened", () => {
  const dir = join(root, "data");
  mkdirSync(join(dir, DB_FILE), { recursive: true });
  expect(checkDataDir(dir)).toMatchObject({ ok: false, problem: "cannot-open" });
});

it("another process holding the write lock → locked by another process", () => {
  const dir = join(root, "data");
  expect(checkDataDir(dir)).toEqual({ ok: true });
  const holder = new Database(join(dir, DB_FILE));
  try {
    holder.exec("BEGIN EXCLUSIVE");
    const r = checkDataDir(dir);
    expect(r).toMatchObject({ ok: false, problem: "locked" });
    if (!r.ok) expect(r.message).toContain("locked by another process");
  } finally {
    holder.exec("ROLLBACK");
    holder.close();
  }
});

// Read-only: see serveDataDir.test.ts, which runs it as an ordinary user even when the suite runs as root.
