// The audit log: what operators and technicians did, when, and from where. Append-only.
import type { Db } from "./db.ts";

export type Actor = "staff" | "technician" | "system";

export interface AuditEntry {
  id: number;
  at: number;
  actor: Actor;
  action: string;
  detail: Record<string, unknown>;
  remote: string | null;
}

interface Row {
  id: number;
  at: number;
  actor: Actor;
  action: string;
  detail: string;
  remote: string | null;
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly wallNowMs: () => number,
  ) {}

  record(actor: Actor, action: string, detail: Record<string, unknown> = {}, remote?: string): void {
    this.db.prepare(`INSERT INTO audit (at, actor, action, detail, remote) VALUES (?, ?, ?, ?, ?)`).run(this.wallNowMs(), actor, action, JSON.stringify(detail), remote ?? null);
  }

  /** Newest first. */
  recent(limit: number): AuditEntry[] {
    const rows = this.db.prepare(`SELECT * FROM audit ORDER BY id DESC LIMIT ?`).all(limit) as Row[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
