// The one connection, guarded so storage trouble never reaches the controller: a write that fails
// (disk full, locked, read-only, corrupt) is queued in memory, in order, and replayed later; reads
// report failures as a BedlinkError; the store's health is tracked and published on change.
import type { Clock, TimerHandle } from "../../protocols/clock.ts";
import type { Logger } from "../log.ts";
import type { Db } from "./db.ts";
import { classifyFailure, PROBLEM_REASON, storageError, type StorageFailure, type StorageProblem } from "./failures.ts";

/** 1,000 writes is about 15 minutes of a busy panel's history (alarms, audit, one coalesced progress row per session). */
export const MAX_QUEUED_WRITES = 1000;
/** Writes replayed per attempt: ~5 ms of SQLite work, so catching up never stalls the bed's heartbeat. */
const REPLAY_BATCH = 200;
/** While failing, try again at most once a second (each failed attempt may cost the busy timeout). */
export const RETRY_MS = 1000;

export interface QueuedWrite {
  /** What kind of write, for the log (never its data). */
  what: string;
  /** A newer write with the same key replaces a queued one: a session's latest progress says it all. */
  supersedes?: string;
  run(db: Db): void;
  /** Once the write has reached the database, or was given up (overflow, refused, store closed). */
  done?(landed: boolean): void;
}

export interface StoreHealth {
  state: "ok" | "failing";
  /** While failing: what is wrong, a short reason for people ("disk full") and SQLite's code. */
  problem?: StorageProblem;
  reason?: string;
  code?: string;
  /** Writes waiting in memory for the database. */
  queued: number;
  /** Writes lost since start: the oldest beyond the queue's bound, or refused by the database. */
  dropped: number;
}

export interface GuardOptions {
  logger: Logger;
  wallNowMs: () => number;
  /** Drives the periodic retry; without one, queued writes are retried on the next write and on retry(). */
  clock?: Clock;
  maxQueued?: number;
}

export class GuardedDb {
  private readonly queue: QueuedWrite[] = [];
  private readonly listeners = new Set<(h: StoreHealth) => void>();
  private readonly maxQueued: number;
  private failure: StorageFailure | undefined;
  private dropped = 0;
  private droppedThisEpisode = 0;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  private draining = false;
  private closed = false;
  private timer: TimerHandle | undefined;
  private published = "ok";

  constructor(
    readonly db: Db,
    private readonly opts: GuardOptions,
  ) {
    this.maxQueued = opts.maxQueued ?? MAX_QUEUED_WRITES;
  }

  get wallNowMs(): () => number {
    return this.opts.wallNowMs;
  }

  /** Never throws. Runs now when the database is healthy; otherwise queues behind what is waiting. */
  write(w: QueuedWrite): void {
    if (this.closed) {
      this.opts.logger.warn({ what: w.what }, "store closed: write discarded");
      w.done?.(false);
      return;
    }
    if (w.supersedes !== undefined) {
      const i = this.queue.findIndex((q) => q.supersedes === w.supersedes);
      if (i >= 0) this.queue.splice(i, 1)[0]!.done?.(false);
    }
    this.queue.push(w);
    if (this.queue.length > this.maxQueued) this.dropOldest();
    if (!this.failure || this.retryDue()) this.drain();
    else this.schedule();
  }

  /** Replays queued writes now, whatever the back-off says. */
  retry(): StoreHealth {
    this.drain();
    return this.health();
  }

  /** A read; a storage failure becomes a BedlinkError naming `what` (the route answers it). */
  read<T>(what: string, fn: (db: Db) => T): T {
    try {
      const value = fn(this.db);
      this.worked();
      return value;
    } catch (err) {
      const failure = classifyFailure(err);
      if (!failure.retry) throw err;
      this.failed(failure);
      this.publish();
      throw storageError(what, "read", failure);
    }
  }

  /** A write that must not be deferred (a new technician secret): runs after the queue, or throws. */
  writeNow<T>(what: string, fn: (db: Db) => T): T {
    for (let before = Infinity; this.queue.length > 0 && this.queue.length < before; ) {
      before = this.queue.length;
      this.drain();
    }
    // Jumping the queue would reorder history (and let a queued login outlive a new secret).
    if (this.queue.length > 0) throw storageError(what, "saved", this.failure ?? { problem: "locked", code: "SQLITE_BUSY", retry: true });
    try {
      const value = fn(this.db);
      this.worked();
      return value;
    } catch (err) {
      const failure = classifyFailure(err);
      if (!failure.retry) throw err;
      this.failed(failure);
      this.publish();
      throw storageError(what, "saved", failure);
    }
  }

  health(): StoreHealth {
    const counts = { queued: this.queue.length, dropped: this.dropped };
    const f = this.failure;
    return f ? { state: "failing", problem: f.problem, reason: PROBLEM_REASON[f.problem], code: f.code, ...counts } : { state: "ok", ...counts };
  }

  /** Called when the store starts or stops failing (or fails for another reason). Returns the unsubscribe. */
  onHealthChange(listener: (h: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Last chance for queued writes, then the connection closes. */
  close(): void {
    if (this.closed) return;
    this.opts.clock?.clearTimeout(this.timer);
    this.timer = undefined;
    // No alarms about the store while it closes.
    this.listeners.clear();
    this.drain();
    this.closed = true;
    if (this.queue.length > 0) {
      this.opts.logger.warn({ lost: this.queue.length, ...this.failureLog() }, "store closed with history writes that could not be saved");
      for (const w of this.queue.splice(0)) w.done?.(false);
    }
    this.db.close();
  }

  private drain(): void {
    if (this.draining || this.closed || this.queue.length === 0) return;
    this.draining = true;
    let landed = 0;
    try {
      this.lastAttemptMs = this.opts.wallNowMs();
      while (this.queue.length > 0 && landed < REPLAY_BATCH) {
        const w = this.queue[0]!;
        try {
          w.run(this.db);
        } catch (err) {
          const failure = classifyFailure(err);
          if (failure.retry) {
            this.failed(failure);
            break;
          }
          // The same write would fail the same way forever and hold up everything behind it.
          this.queue.shift();
          this.dropped++;
          this.opts.logger.error({ what: w.what, code: failure.code, err: failure.code === "UNKNOWN" ? err : undefined }, "history write refused; dropped");
          w.done?.(false);
          continue;
        }
        this.queue.shift();
        landed++;
        w.done?.(true);
      }
      if (landed > 0 && this.failure) this.recovered(landed);
    } finally {
      this.draining = false;
    }
    if (this.queue.length > 0) this.schedule();
    this.publish();
  }

  private dropOldest(): void {
    const oldest = this.queue.shift()!;
    this.dropped++;
    if (this.droppedThisEpisode++ === 0) this.opts.logger.warn({ maxQueued: this.maxQueued, ...this.failureLog() }, "history queue full: dropping the oldest writes");
    oldest.done?.(false);
  }

  private retryDue(): boolean {
    const now = this.opts.wallNowMs();
    // A wall clock stepped backwards must not postpone the retry until it catches up.
    return now - this.lastAttemptMs >= RETRY_MS || now < this.lastAttemptMs;
  }

  private schedule(): void {
    const clock = this.opts.clock;
    if (!clock || this.timer || this.closed) return;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, RETRY_MS);
  }

  private failed(failure: StorageFailure): void {
    const before = this.failure;
    this.failure = failure;
    if (before?.problem === failure.problem) return;
    // Once per episode (and again if the cause changes), never per write.
    this.opts.logger.warn({ code: failure.code, reason: PROBLEM_REASON[failure.problem], queued: this.queue.length }, "history writes failing: keeping them in memory and retrying");
  }

  private recovered(replayed: number): void {
    this.opts.logger.info({ was: this.failure?.code, replayed, stillQueued: this.queue.length, dropped: this.droppedThisEpisode }, "history writes working again");
    this.failure = undefined;
    this.droppedThisEpisode = 0;
  }

  /** A failure seen only outside the queue (a read) ends when that works again; queued writes end it by landing. */
  private worked(): void {
    if (!this.failure || this.queue.length > 0) return;
    this.recovered(0);
    this.publish();
  }

  private failureLog(): { code?: string; reason?: string } {
    return this.failure ? { code: this.failure.code, reason: PROBLEM_REASON[this.failure.problem] } : {};
  }

  private publish(): void {
    const h = this.health();
    const key = `${h.state}:${h.problem ?? ""}`;
    if (key === this.published) return;
    this.published = key;
    for (const listener of [...this.listeners]) {
      try {
        listener(h);
      } catch (err) {
        this.opts.logger.error({ err }, "store health listener failed");
      }
    }
  }
}
