// The bed falls silent mid-session (every frame it sends is lost): the panel server used to die
// 1.5 s later, taking its emergency stop with it, and leave the session row "running". Now the
// session ends as a fault with its row written, and the panel (and its stop button) stays up.
import { afterEach, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("bed silent at 2 min into a program → session faulted and saved, the panel answers, the emergency stop still answers", async () => {
  const failures: unknown[] = [];
  const onRejection = (err: unknown): void => void failures.push(err);
  process.on("unhandledRejection", onRejection);
  try {
    h = await panelHarness({ faults: parseFaultSpec("drop-frame-tx:1@120s") });
    const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "quick-10-relax", confirmations: CONFIRMED } });
    expect(started.statusCode).toBe(201);
    expect(await h.until(() => h!.app.panel.panel.sessionView() === undefined, 10 * 60_000)).toBe(true);
    await h.advance(5_000);
    const row = h.store.sessions.list({ limit: 1 })[0]!;
    expect(row.outcome).toBe("faulted");
    const status = await h.call("/api/status");
    expect(status.statusCode).toBe(200);
    // The last readings are shown as what they are: old, with their age.
    expect(status.json()).toMatchObject({ telemetryStale: true });
    expect(status.json().telemetryAgeMs).toBeGreaterThan(5_000);
    const stop = await h.call({ method: "POST", url: "/api/estop" });
    expect([200, 502]).toContain(stop.statusCode);
    expect(stop.json().message).toMatch(/mains switch/);
    expect(failures).toEqual([]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
});
