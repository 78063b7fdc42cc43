// The alarms the panel shows: raised from device events, the supervisor, the session, the link and the
// store, shown until acknowledged. One live alarm per code and zone (no floods). The live list is kept
// here, in memory, and written through the store: alarms work while the history cannot be saved.
import type { Priority } from "../../protocols/constants.ts";
import type { Logger } from "../log.ts";
import { byUrgency, type AlarmRecord, type PanelStore, type StoreHealth } from "../store/index.ts";

/** The store cannot save history: medium, because the bed is unaffected but a technician must act. */
export const STORAGE_ALARM = "S_STORAGE";

export interface RaiseAlarm {
  code: string;
  priority: Priority;
  text: string;
  zone?: string;
  source: "device" | "supervisor" | "session" | "link" | "operator" | "storage";
  sessionId?: string;
}

export class AlarmBoard {
  /** Bumped on every change, so the live push sends the list only when it changed. */
  version = 0;
  private live: AlarmRecord[];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: PanelStore,
    private readonly logger: Logger,
  ) {
    try {
      this.live = store.alarms.active();
    } catch (err) {
      // Alarms from before this start are unreadable; new ones still show.
      this.live = [];
      logger.warn({ err }, "live alarms from before this start could not be read");
    }
    this.unsubscribe = store.onHealthChange((h) => this.onStorageHealth(h));
    this.onStorageHealth(store.health());
  }

  /** Stops following the store's health (the panel is shutting down; the store may outlive it). */
  detach(): void {
    this.unsubscribe();
  }

  get active(): readonly AlarmRecord[] {
    return this.live;
  }

  raise(a: RaiseAlarm): AlarmRecord | undefined {
    if (this.live.some((x) => x.code === a.code && x.zone === (a.zone ?? null))) return undefined;
    const rec = this.store.alarms.raise(a);
    this.logger[a.priority === "low" ? "info" : "warn"]({ alarm: rec }, "alarm raised");
    this.live = [...this.live, rec].sort(byUrgency);
    this.version++;
    return rec;
  }

  /** undefined: no such alarm; "already": it was acknowledged before. */
  acknowledge(id: number, by: string): AlarmRecord | undefined | "already" {
    const live = this.live.find((x) => x.id === id);
    if (!live) {
      let before: AlarmRecord | undefined;
      try {
        before = this.store.alarms.get(id);
      } catch {
        // The history cannot be read: an alarm not on the live list is as good as unknown.
        return undefined;
      }
      if (!before) return undefined;
      if (before.acknowledgedAt !== null) return "already";
      return this.store.alarms.acknowledge(id, by, before);
    }
    const rec = this.store.alarms.acknowledge(id, by, live);
    this.drop([id]);
    return rec;
  }

  /** Clears live alarms of a code that no longer holds (the link came back). */
  resolve(code: string, by: string): void {
    const gone = this.live.filter((x) => x.code === code);
    if (gone.length === 0) return;
    for (const a of gone) this.store.alarms.acknowledge(a.id, by, a);
    this.drop(gone.map((a) => a.id));
  }

  private drop(ids: number[]): void {
    this.live = this.live.filter((x) => !ids.includes(x.id));
    this.version++;
  }

  private onStorageHealth(h: StoreHealth): void {
    if (h.state === "ok") {
      this.resolve(STORAGE_ALARM, "system");
      return;
    }
    this.raise({
      code: STORAGE_ALARM,
      priority: "medium",
      text: `History can't be saved right now (${h.reason}): the bed is still controlled normally. Tell a technician.`,
      source: "storage",
    });
  }
}
