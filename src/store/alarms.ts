// Alarm history: every alarm raised (device, supervisor, session, link), and who acknowledged it when.
import type { Priority } from "../../protocols/constants.ts";
import type { Db } from "./db.ts";

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

export class AlarmLog {
  constructor(
    private readonly db: Db,
    private readonly wallNowMs: () => number,
  ) {}

  raise(a: { code: string; priority: Priority; text: string; zone?: string; source: string; sessionId?: string }): AlarmRecord {
    const now = this.wallNowMs();
    const r = this.db
      .prepare(`INSERT INTO alarms (code, priority, text, zone, source, session_id, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(a.code, a.priority, a.text, a.zone ?? null, a.source, a.sessionId ?? null, now);
    return this.get(Number(r.lastInsertRowid))!;
  }

  acknowledge(id: number, by: string): AlarmRecord | undefined {
    this.db.prepare(`UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL`).run(this.wallNowMs(), by, id);
    return this.get(id);
  }

  get(id: number): AlarmRecord | undefined {
    const r = this.db.prepare(`SELECT * FROM alarms WHERE id = ?`).get(id) as Row | undefined;
    return r && fromRow(r);
  }

  /** Unacknowledged alarms, highest priority first, newest first within a priority. */
  active(): AlarmRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM alarms WHERE acknowledged_at IS NULL
         ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, raised_at DESC, id DESC`,
      )
      .all() as Row[];
    return rows.map(fromRow);
  }

  recent(limit: number): AlarmRecord[] {
    return (this.db.prepare(`SELECT * FROM alarms ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(fromRow);
  }
}
