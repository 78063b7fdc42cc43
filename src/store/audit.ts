// The audit log: what operators and technicians did, when, and from where. Append-only.
import type { GuardedDb } from "./guardedDb.ts";

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
  constructor(private readonly g: GuardedDb) {}

  /** Never throws: while the database fails, the entry waits in the store's queue (ids come from SQLite then). */
  record(actor: Actor, action: string, detail: Record<string, unknown> = {}, remote?: string): void {
    const at = this.g.wallNowMs();
    const detailJson = JSON.stringify(detail);
    this.g.write({ what: "audit.record", run: (db) => db.prepare(`INSERT INTO audit (at, actor, action, detail, remote) VALUES (?, ?, ?, ?, ?)`).run(at, actor, action, detailJson, remote ?? null) });
  }

  /** Newest first. May throw a BedlinkError when the log cannot be read. */
  recent(limit: number): AuditEntry[] {
    const rows = this.g.read("The audit log", (db) => db.prepare(`SELECT * FROM audit ORDER BY id DESC LIMIT ?`).all(limit) as Row[]);
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
