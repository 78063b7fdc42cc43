// Live push: a page that connects gets a snapshot at once, then state + telemetry at 10 per second of
// server time; alarms are pushed when they change; closing the server ends the stream.
import { request } from "node:http";
import { afterEach, beforeEach, expect, it } from "vitest";
import { drive, panelHarness, type PanelHarness } from "./harness.ts";

let h: PanelHarness;
beforeEach(async () => {
  h = await panelHarness();
});
afterEach(async () => {
  await h.close();
});

interface Sse {
  events: { event: string; data: unknown }[];
  close(): void;
  headers: Record<string, unknown>;
}

async function subscribe(port: number): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const events: Sse["events"] = [];
    const req = request({ host: "127.0.0.1", port, path: "/api/live" }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      resolve({ events, close: () => req.destroy(), headers: res.headers });
    });
    req.on("error", reject);
    req.end();
  });
}

it("snapshot on connect, then ticks at 10 Hz of server time, alarms when they change", async () => {
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  await h.advance(2500);
  const sse = await drive(h.clock, subscribe(port));
  expect(sse.headers["content-type"]).toMatch(/text\/event-stream/);
  await drive(h.clock, new Promise((r) => setTimeout(r, 20)));
  expect(sse.events[0]?.event).toBe("snapshot");
  const snap = sse.events[0]!.data as { link: string; bed: { serial: string }; history: unknown[]; alarms: unknown[] };
  expect(snap).toMatchObject({ link: "up", bed: { serial: "SIM-000001" }, alarms: [] });
  expect(snap.history.length).toBeGreaterThanOrEqual(2);

  const before = sse.events.length;
  for (let i = 0; i < 100; i++) {
    await h.advance(10);
    await new Promise((r) => setTimeout(r, 1));
  }
  const ticks = sse.events.slice(before).filter((e) => e.event === "tick");
  expect(ticks.length).toBeGreaterThanOrEqual(9);
  expect(ticks.length).toBeLessThanOrEqual(11);
  const seqs = ticks.map((t) => (t.data as { seq: number }).seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(ticks.at(-1)!.data).toMatchObject({ link: "up", telemetry: { projectorC: expect.any(Number) } });

  await drive(h.clock, h.app.inject({ method: "POST", url: "/api/estop" }));
  for (let i = 0; i < 30; i++) {
    await h.advance(10);
    await new Promise((r) => setTimeout(r, 1));
  }
  const alarms = sse.events.filter((e) => e.event === "alarms").at(-1);
  expect(alarms?.data).toEqual([expect.objectContaining({ code: "E_ESTOP", priority: "high" })]);
  sse.close();
});
