// The one source of time for both sides of the wire. Real time on a bed, virtual time in
// tests and CI: the same controller and simulator code runs on either.
// Lives in protocols/ because the simulator (which may import only protocols/) needs it too.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch (monotonic on the real clock). */
  now(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, periodMs: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
  /** Resolves after delayMs on this clock. */
  sleep(delayMs: number): Promise<void>;
}

/** Wall-clock time. Uses performance.now() so a system clock step never shifts a timer. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const t = globalThis.setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, delayMs));
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) globalThis.clearTimeout(t);
    this.timers.delete(handle.id);
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    const id = this.nextId++;
    const t = globalThis.setInterval(fn, Math.max(1, periodMs));
    this.timers.set(id, t);
    return { id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) globalThis.clearInterval(t);
    this.timers.delete(handle.id);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }
}

interface VirtualTimer {
  id: number;
  dueMs: number;
  order: number;
  periodMs: number; // 0 for one-shot
  fn: () => void;
}

/**
 * Virtual time: nothing happens until someone advances the clock. Timers fire in due
 * order (ties in the order they were set), and between firings the real event loop is
 * given one turn so promise chains and stream callbacks settle exactly as they would
 * between two real timer ticks. Deterministic for a given sequence of calls.
 */
export class VirtualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private nextId = 1;
  private heap: VirtualTimer[] = [];
  private readonly live = new Map<number, VirtualTimer>();
  private running = false;

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  get pendingTimers(): number {
    return this.live.size;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add(fn, Math.max(0, delayMs), 0);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.live.delete(handle.id);
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    const p = Math.max(1, periodMs);
    return this.add(fn, p, p);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /**
   * Advance virtual time by `ms`, firing every timer that falls due, and letting the event
   * loop turn between firings. Resolves when the clock stands at now + ms.
   */
  async advance(ms: number): Promise<void> {
    await this.runUntilTime(this.nowMs + ms);
  }

  /**
   * Advance until `predicate` holds (checked after every timer) or `maxMs` of virtual
   * time has passed. Returns true when the predicate held.
   */
  async advanceUntil(predicate: () => boolean, maxMs: number): Promise<boolean> {
    const limit = this.nowMs + maxMs;
    await flushEventLoop();
    if (predicate()) return true;
    return this.runUntilTime(limit, predicate);
  }

  /** Synchronous advance for code with no promises in its path (pure physics benches). */
  advanceSync(ms: number): void {
    const limit = this.nowMs + ms;
    for (;;) {
      const t = this.popDue(limit);
      if (!t) break;
      this.fire(t);
    }
    this.nowMs = limit;
  }

  private async runUntilTime(limitMs: number, predicate?: () => boolean): Promise<boolean> {
    if (this.running) throw new Error("VirtualClock.advance is not re-entrant");
    this.running = true;
    try {
      for (;;) {
        const t = this.popDue(limitMs);
        if (!t) break;
        this.fire(t);
        await flushEventLoop();
        if (predicate?.()) return true;
      }
      this.nowMs = Math.max(this.nowMs, limitMs);
      await flushEventLoop();
      return predicate ? predicate() : true;
    } finally {
      this.running = false;
    }
  }

  private fire(t: VirtualTimer): void {
    this.nowMs = Math.max(this.nowMs, t.dueMs);
    if (t.periodMs > 0) {
      t.dueMs += t.periodMs;
      t.order = this.seq++;
      this.push(t);
    } else {
      this.live.delete(t.id);
    }
    t.fn();
  }

  private add(fn: () => void, delayMs: number, periodMs: number): TimerHandle {
    const t: VirtualTimer = { id: this.nextId++, dueMs: this.nowMs + delayMs, order: this.seq++, periodMs, fn };
    this.live.set(t.id, t);
    this.push(t);
    return { id: t.id };
  }

  /** Pops the earliest live timer due at or before limitMs; skips cancelled ones. */
  private popDue(limitMs: number): VirtualTimer | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      if (this.live.get(top.id) !== top) {
        this.pop();
        continue;
      }
      if (top.dueMs > limitMs) return undefined;
      this.pop();
      return top;
    }
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order);
  }

  private push(t: VirtualTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** One full turn of the real event loop: microtasks, nextTicks and I/O callbacks settle. */
export function flushEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
