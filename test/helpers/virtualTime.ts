// Drives a VirtualClock until a promise settles, so tests await results without real waiting.
import type { VirtualClock } from "../../protocols/clock.ts";

/** Advances virtual time until `promise` settles (or maxMs passes: then throws "still pending"). */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>, maxMs = 30_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  await clock.advanceUntil(() => done, maxMs);
  if (!done) throw new Error(`still pending after ${maxMs} ms of virtual time`);
  return tracked;
}

/** Settles and returns the rejection (fails the test if it resolved). */
export async function settleError(clock: VirtualClock, promise: Promise<unknown>, maxMs = 30_000): Promise<Error> {
  try {
    await settle(clock, promise, maxMs);
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection, but it resolved");
}
