// Session history: a row per therapy session, written when it starts and updated as it goes,
// so a server killed mid-session leaves a row the next start marks `interrupted`.
import type { GuardedDb } from "./guardedDb.ts";

export type StoredOutcome = "running" | "completed" | "stopped" | "faulted" | "estopped" | "interrupted";

export interface StoredFault {
  code: string;
  priority: string;
  text: string;
  atMs: number;
}

export interface SessionRecord {
  id: string;
  programId: string;
  programName: string;
  startedBy: string;
  startedAt: number;
  updatedAt: number;
  endedAt: number | null;
  durationMs: number;
  outcome: StoredOutcome;
  lastState: string;
  reasonCode: string | null;
  reasonText: string | null;
  faults: StoredFault[];
  maxProjectorC: number | null;
  maxMatC: number | null;
  deviceSerial: string | null;
}

interface Row {
  id: string;
  program_id: string;
  program_name: string;
  started_by: string;
  started_at: number;
  updated_at: number;
  ended_at: number | null;
  outcome: StoredOutcome;
  last_state: string;
  reason_code: string | null;
  reason_text: string | null;
  faults: string;
  max_projector_c: number | null;
  max_mat_c: number | null;
  device_serial: string | null;
}

function fromRow(r: Row): SessionRecord {
  return {
    id: r.id,
    programId: r.program_id,
    programName: r.program_name,
    startedBy: r.started_by,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
    durationMs: (r.ended_at ?? r.updated_at) - r.started_at,
    outcome: r.outcome,
    lastState: r.last_state,
    reasonCode: r.reason_code,
    reasonText: r.reason_text,
    faults: JSON.parse(r.faults) as StoredFault[],
    maxProjectorC: r.max_projector_c,
    maxMatC: r.max_mat_c,
    deviceSerial: r.device_serial,
  };
}

export interface SessionProgress {
  lastState: string;
  faults: StoredFault[];
  maxProjectorC?: number;
  maxMatC?: number;
  reasonCode?: string | null;
  reasonText?: string | null;
}

const INTERRUPTED_TEXT = "The controller stopped during this session (power cut or crash); the bed went safe on its own.";

export class SessionHistory {
  /** Rows up to here were there before this server started: only they can have been left running by a dead one. */
  private readonly lastRowidAtOpen: number | undefined;

  constructor(private readonly g: GuardedDb) {
    try {
      this.lastRowidAtOpen = g.read("Session history", (db) => (db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS n FROM sessions`).get() as { n: number }).n);
    } catch {
      this.lastRowidAtOpen = undefined;
    }
  }

  /**
   * Sessions still `running` belong to a server that died: they become `interrupted`. Returns how many.
   * Scoped to the rows that predate this server, so a replay of it from the queue can never touch a
   * session this server began.
   */
  markInterrupted(): number {
    const limit = this.lastRowidAtOpen;
    if (limit === undefined) return 0;
    let count = 0;
    this.g.write({
      what: "sessions.markInterrupted",
      run: (db) => {
        count = db
          .prepare(
            `UPDATE sessions SET outcome = 'interrupted', ended_at = updated_at,
               reason_code = COALESCE(reason_code, 'INTERRUPTED'), reason_text = ?
             WHERE outcome = 'running' AND rowid <= ?`,
          )
          .run(INTERRUPTED_TEXT, limit).changes;
      },
    });
    if (count > 0) return count;
    // Queued: the rows it will change can still be counted (reads work on a full disk).
    try {
      return this.g.read("Session history", (db) => (db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE outcome = 'running' AND rowid <= ?`).get(limit) as { n: number }).n);
    } catch {
      return 0;
    }
  }

  begin(s: { id: string; programId: string; programName: string; startedBy: string; deviceSerial: string }): void {
    const now = this.g.wallNowMs();
    this.g.write({
      what: "sessions.begin",
      run: (db) =>
        db
          .prepare(
            `INSERT INTO sessions (id, program_id, program_name, started_by, started_at, updated_at, outcome, last_state, device_serial)
             VALUES (?, ?, ?, ?, ?, ?, 'running', 'starting', ?)`,
          )
          .run(s.id, s.programId, s.programName, s.startedBy, now, now, s.deviceSerial),
    });
  }

  /** A queued progress write is replaced by a newer one: each carries the whole picture. */
  progress(id: string, p: SessionProgress): void {
    const now = this.g.wallNowMs();
    const faults = JSON.stringify(p.faults);
    this.g.write({
      what: "sessions.progress",
      supersedes: `sessions.progress:${id}`,
      run: (db) =>
        db
          .prepare(
            `UPDATE sessions SET updated_at = ?, last_state = ?, faults = ?,
               max_projector_c = COALESCE(?, max_projector_c), max_mat_c = COALESCE(?, max_mat_c),
               reason_code = ?, reason_text = ?
             WHERE id = ? AND outcome = 'running'`,
          )
          .run(now, p.lastState, faults, p.maxProjectorC ?? null, p.maxMatC ?? null, p.reasonCode ?? null, p.reasonText ?? null, id),
    });
  }

  finish(id: string, outcome: Exclude<StoredOutcome, "running" | "interrupted">, p: SessionProgress): void {
    const now = this.g.wallNowMs();
    const faults = JSON.stringify(p.faults);
    this.g.write({
      what: "sessions.finish",
      run: (db) =>
        db
          .prepare(
            `UPDATE sessions SET updated_at = ?, ended_at = ?, outcome = ?, last_state = ?, faults = ?,
               max_projector_c = COALESCE(?, max_projector_c), max_mat_c = COALESCE(?, max_mat_c),
               reason_code = ?, reason_text = ?
             WHERE id = ?`,
          )
          .run(now, now, outcome, p.lastState, faults, p.maxProjectorC ?? null, p.maxMatC ?? null, p.reasonCode ?? null, p.reasonText ?? null, id),
    });
  }

  /** May throw a BedlinkError when the history cannot be read. */
  get(id: string): SessionRecord | undefined {
    const r = this.g.read("Session history", (db) => db.prepare(`SELECT * FROM sessions WHERE id = ?`).get(id) as Row | undefined);
    return r && fromRow(r);
  }

  /** Newest first. May throw a BedlinkError when the history cannot be read. */
  list(opts: { limit: number; before?: number }): SessionRecord[] {
    const rows = this.g.read("Session history", (db) =>
      db.prepare(`SELECT * FROM sessions WHERE started_at < ? ORDER BY started_at DESC, rowid DESC LIMIT ?`).all(opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit) as Row[],
    );
    return rows.map(fromRow);
  }
}
