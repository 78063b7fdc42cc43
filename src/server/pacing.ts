// Runs a virtual clock at a fixed multiple of real time, so the built-in simulator can be watched
// faster than life (`serve --sim --sim-speed 10`: demos and the browser test). Real beds use real time.
import type { Clock, VirtualClock } from "../../protocols/clock.ts";
import type { Logger } from "../log.ts";

/** Real-time step of the pacer: 50 steps a second is smoother than the 10 Hz the panel shows. */
const STEP_MS = 20;

/** Starts pacing; returns the function that stops it. A step still running when the next is due is skipped (falls behind, never piles up). */
export function paceVirtualClock(virtual: VirtualClock, realClock: Clock, speed: number, logger: Logger): () => void {
  let busy = false;
  const handle = realClock.setInterval(() => {
    if (busy) return;
    busy = true;
    // A timer callback that throws rejects the advance: a bug to log, not a reason to stop the clock.
    virtual
      .advance(STEP_MS * speed)
      .catch((err: unknown) => logger.error({ err }, "a simulated-clock timer failed"))
      .finally(() => (busy = false));
  }, STEP_MS);
  return () => realClock.clearInterval(handle);
}
