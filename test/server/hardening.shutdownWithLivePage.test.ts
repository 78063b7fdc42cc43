// Graceful shutdown while the kiosk page holds its live stream open: the bed goes safe and the
// server finishes (fastify waits for open connections before onClose, so the work runs in preClose).
import { request, type ClientRequest } from "node:http";
import { afterEach, beforeEach, expect, it } from "vitest";
import { CONFIRMED, drive, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
let client: ClientRequest | undefined;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  client?.destroy();
  await h.close();
});

it("closing the server with a live page connected still makes the bed safe and finishes", async () => {
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  await drive(
    h.clock,
    new Promise<void>((resolve, reject) => {
      client = request({ host: "127.0.0.1", port, path: "/api/live" }, (res) => {
        res.resume();
        resolve();
      });
      client.on("error", reject);
      client.end();
    }),
  );
  expect(h.app.panel.live.size).toBe(1);
  const started = await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "full-body-relaxation", confirmations: CONFIRMED } });
  expect(started.statusCode).toBe(201);
  expect(await h.until(() => h.sim.truth.zones.projector.duty > 0, 90_000)).toBe(true);

  let closed = false;
  const closing = h.app.close().then(() => (closed = true));
  closing.catch(() => undefined);
  // 5 s of bed time, with real turns in between for the sockets.
  for (let i = 0; i < 500 && !closed; i++) {
    await h.advance(10);
    await new Promise((r) => setTimeout(r, 1));
  }
  const truth = h.sim.truth;
  expect({ projectorDuty: truth.zones.projector.duty, matDuty: truth.zones.mat.duty, saved: h.store.sessions.list({ limit: 1 })[0]?.outcome }).toEqual({ projectorDuty: 0, matDuty: 0, saved: "stopped" });
  expect(closed).toBe(true);
});
