// The alarms the panel shows: raised from device events, the supervisor, the session and the link,
// stored as they happen, shown until acknowledged. One live alarm per code and zone (no floods).
import type { Priority } from "../../protocols/constants.ts";
import type { Logger } from "../log.ts";
import type { AlarmRecord, PanelStore } from "../store/index.ts";

export interface RaiseAlarm {
  code: string;
  priority: Priority;
  text: string;
  zone?: string;
  source: "device" | "supervisor" | "session" | "link" | "operator";
  sessionId?: string;
}

export class AlarmBoard {
  /** Bumped on every change, so the live push sends the list only when it changed. */
  version = 0;
  private cache: AlarmRecord[];

  constructor(
    private readonly store: PanelStore,
    private readonly logger: Logger,
  ) {
    this.cache = store.alarms.active();
  }

  get active(): readonly AlarmRecord[] {
    return this.cache;
  }

  raise(a: RaiseAlarm): AlarmRecord | undefined {
    if (this.cache.some((x) => x.code === a.code && x.zone === (a.zone ?? null))) return undefined;
    const rec = this.store.alarms.raise(a);
    this.logger[a.priority === "low" ? "info" : "warn"]({ alarm: rec }, "alarm raised");
    this.refresh();
    return rec;
  }

  /** undefined: no such alarm; "already": it was acknowledged before. */
  acknowledge(id: number, by: string): AlarmRecord | undefined | "already" {
    const before = this.store.alarms.get(id);
    if (!before) return undefined;
    if (before.acknowledgedAt !== null) return "already";
    const rec = this.store.alarms.acknowledge(id, by);
    this.refresh();
    return rec;
  }

  /** Clears live alarms of a code that no longer holds (the link came back). */
  resolve(code: string, by: string): void {
    for (const a of this.cache.filter((x) => x.code === code)) this.store.alarms.acknowledge(a.id, by);
    this.refresh();
  }

  private refresh(): void {
    this.cache = this.store.alarms.active();
    this.version++;
  }
}
