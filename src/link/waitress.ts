// Matches replies to whoever is waiting for them (the zigbee-herdsman Waitress pattern),
// with timeouts on the injected clock so virtual-time tests never wait for real.
import type { Clock, TimerHandle } from "../../protocols/clock.ts";

export class WaitTimeout extends Error {
  constructor(readonly description: string, readonly timeoutMs: number) {
    super(`no ${description} within ${timeoutMs} ms`);
    this.name = "WaitTimeout";
  }
}

interface Waiter<TPayload, TMatcher> {
  matcher: TMatcher;
  resolve: (payload: TPayload) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

export interface Wait<TPayload> {
  promise: Promise<TPayload>;
  cancel(): void;
}

export class Waitress<TPayload, TMatcher> {
  private readonly waiters = new Set<Waiter<TPayload, TMatcher>>();

  constructor(
    private readonly clock: Clock,
    private readonly matches: (payload: TPayload, matcher: TMatcher) => boolean,
    private readonly describe: (matcher: TMatcher) => string,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  waitFor(matcher: TMatcher, timeoutMs: number): Wait<TPayload> {
    let waiter!: Waiter<TPayload, TMatcher>;
    const promise = new Promise<TPayload>((resolve, reject) => {
      waiter = { matcher, resolve, reject, timer: { id: 0 } };
    });
    waiter.timer = this.clock.setTimeout(() => {
      if (!this.waiters.delete(waiter)) return;
      waiter.reject(new WaitTimeout(this.describe(matcher), timeoutMs));
    }, timeoutMs);
    this.waiters.add(waiter);
    return {
      promise,
      cancel: () => {
        if (this.waiters.delete(waiter)) this.clock.clearTimeout(waiter.timer);
      },
    };
  }

  /** Hands the payload to the first matching waiter. Returns false when nobody was waiting for it. */
  resolve(payload: TPayload): boolean {
    for (const w of this.waiters) {
      if (!this.matches(payload, w.matcher)) continue;
      this.waiters.delete(w);
      this.clock.clearTimeout(w.timer);
      w.resolve(payload);
      return true;
    }
    return false;
  }

  rejectAll(err: Error): void {
    for (const w of this.waiters) {
      this.clock.clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}
