// Alarm history: every alarm raised (device, supervisor, session, link), and who acknowledged it when.
import type { Priority } from "../../protocols/constants.ts";
import type { Db } from "./db.ts";
import type { GuardedDb } from "./guardedDb.ts";

export interface AlarmRecord {
  id: number;
  code: string;
  priority: Priority;
  text: string;
  zone: string | null;
  source: string;
  sessionId: string | null;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

interface Row {
  id: number;
  code: string;
  priority: Priority;
  text: string;
  zone: string | null;
  source: string;
  session_id: string | null;
  raised_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

const fromRow = (r: Row): AlarmRecord => ({
  id: r.id,
  code: r.code,
  priority: r.priority,
  text: r.text,
  zone: r.zone,
  source: r.source,
  sessionId: r.session_id,
  raisedAt: r.raised_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
});

const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

/** The order the panel shows alarms in: highest priority first, newest first within a priority. */
export function byUrgency(a: AlarmRecord, b: AlarmRecord): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || b.raisedAt - a.raisedAt || b.id - a.id;
}

export class AlarmLog {
  /** Ids are ours, not SQLite's: the panel acknowledges by id even while the inserts wait in the queue. */
  private nextId: number;
  /** Records whose writes have not reached the database yet, and how many are still waiting. */
  private readonly unsaved = new Map<number, { rec: AlarmRecord; pending: number }>();

  constructor(private readonly g: GuardedDb) {
    // sqlite_sequence too: AUTOINCREMENT never reuses the id of a deleted row, nor do we.
    const max = () => g.read("Alarm history", (db) => db.prepare(`SELECT MAX(m) AS m FROM (SELECT MAX(id) AS m FROM alarms UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'alarms')`).get() as { m: number | null });
    let highest: number;
    try {
      highest = max().m ?? 0;
    } catch {
      // Unreadable: wall-clock milliseconds are above any id a panel has handed out, and still rise.
      highest = g.wallNowMs();
    }
    this.nextId = highest + 1;
  }

  raise(a: { code: string; priority: Priority; text: string; zone?: string; source: string; sessionId?: string }): AlarmRecord {
    const rec: AlarmRecord = {
      id: this.nextId++,
      code: a.code,
      priority: a.priority,
      text: a.text,
      zone: a.zone ?? null,
      source: a.source,
      sessionId: a.sessionId ?? null,
      raisedAt: this.g.wallNowMs(),
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    this.track(rec, "alarm.raise", (db) =>
      db
        .prepare(`INSERT INTO alarms (id, code, priority, text, zone, source, session_id, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(rec.id, rec.code, rec.priority, rec.text, rec.zone, rec.source, rec.sessionId, rec.raisedAt),
    );
    return rec;
  }

  /**
   * Acknowledges once (a second acknowledgement changes nothing). `known` is the caller's copy, used
   * when the database cannot say what the alarm is. undefined: no such alarm (as far as anyone knows).
   */
  acknowledge(id: number, by: string, known?: AlarmRecord): AlarmRecord | undefined {
    let base = this.unsaved.get(id)?.rec ?? known;
    if (!base) {
      try {
        base = this.get(id);
      } catch {
        return undefined;
      }
    }
    if (!base || base.acknowledgedAt !== null) return base;
    const rec: AlarmRecord = { ...base, acknowledgedAt: this.g.wallNowMs(), acknowledgedBy: by };
    this.track(rec, "alarm.acknowledge", (db) => db.prepare(`UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL`).run(rec.acknowledgedAt, by, id));
    return rec;
  }

  /** May throw a BedlinkError when the history cannot be read. */
  get(id: number): AlarmRecord | undefined {
    const mine = this.unsaved.get(id);
    if (mine) return mine.rec;
    const r = this.g.read("Alarm history", (db) => db.prepare(`SELECT * FROM alarms WHERE id = ?`).get(id) as Row | undefined);
    return r && fromRow(r);
  }

  /** Unacknowledged alarms, highest priority first, newest first within a priority. May throw when unreadable. */
  active(): AlarmRecord[] {
    const rows = this.g.read("Alarm history", (db) => db.prepare(`SELECT * FROM alarms WHERE acknowledged_at IS NULL`).all() as Row[]);
    return this.withUnsaved(rows.map(fromRow)).filter((a) => a.acknowledgedAt === null).sort(byUrgency);
  }

  /** Newest first. When the history cannot be read, what this server raised and could not save yet. */
  recent(limit: number): AlarmRecord[] {
    let rows: AlarmRecord[] = [];
    try {
      rows = this.g.read("Alarm history", (db) => (db.prepare(`SELECT * FROM alarms ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(fromRow));
    } catch {
      // The live list is in memory (AlarmBoard); this only loses older history for a while.
    }
    return this.withUnsaved(rows)
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
  }

  private withUnsaved(rows: AlarmRecord[]): AlarmRecord[] {
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const { rec } of this.unsaved.values()) byId.set(rec.id, rec);
    return [...byId.values()];
  }

  /** Writes through the queue; reads see the record until its last pending write has landed. */
  private track(rec: AlarmRecord, what: string, run: (db: Db) => unknown): void {
    const entry = this.unsaved.get(rec.id) ?? { rec, pending: 0 };
    entry.rec = rec;
    entry.pending++;
    this.unsaved.set(rec.id, entry);
    this.g.write({
      what,
      run,
      done: () => {
        if (--entry.pending === 0 && this.unsaved.get(rec.id) === entry) this.unsaved.delete(rec.id);
      },
    });
  }
}
