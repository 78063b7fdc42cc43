import { describe, expect, it } from "vitest";
import type { EventCode } from "../../protocols/constants.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { Link } from "../../src/link/link.ts";
import { scriptedHarness } from "../helpers/linkHarness.ts";
import { settle } from "../helpers/virtualTime.ts";

const COMMANDS = 400;
const IMPAIRMENTS = { lossRate: 0.05, corruptRate: 0.05, duplicateRate: 0.05, reorderRate: 0.05, maxDelayMs: 40 };

type Sent = { kind: "MOVE" | "HEAT"; key: number; outcome?: "ok" | "stale" | "failed"; error?: unknown };

async function runLossyScenario(seed: number) {
  const h = scriptedHarness({ seed, impairments: IMPAIRMENTS, bed: { telemetry: true } });
  const link = new Link({ transport: h.transport, clock: h.clock, random: h.random, reconnect: false });
  const delivered: { seq: number; code: EventCode }[] = [];
  link.on("event", (e, seq) => delivered.push({ seq, code: e.code }));
  await settle(h.clock, link.open());

  const sent: Sent[] = [];
  const promises: Promise<void>[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    // Every body is unique, so the peer's record says exactly which command it applied.
    const s: Sent = i % 2 === 0 ? { kind: "MOVE", key: i / 2 } : { kind: "HEAT", key: 20 + i / 100 };
    sent.push(s);
    const p = s.kind === "MOVE" ? link.send("MOVE", { positionMm: s.key, speedMmS: 20 }) : link.send("HEAT", { zone: i % 4 === 1 ? "projector" : "mat", targetC: s.key });
    promises.push(
      p.then(
        (body) => void (s.outcome = body?.stale === true ? "stale" : "ok"),
        (err) => void ((s.outcome = "failed"), (s.error = err)),
      ),
    );
    // The firmware raises an event now and then while commands flow.
    if (i % 20 === 0) h.bed.raise(i % 40 === 0 ? "I_OCCUPANCY" : "I_HOMED");
  }
  await settle(h.clock, Promise.all(promises), 600_000);
  // Let the device's EVT retransmissions run out.
  await h.clock.advance(3000);
  return { h, link, sent, delivered };
}

describe("link over a bad cable (loss, bit flips both ways, duplication, reordering)", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ${COMMANDS} commands → each applied exactly once or reported failed; never lost, never applied twice`, async () => {
      const { h, link, sent, delivered } = await runLossyScenario(seed);
      const applied = (s: Sent) =>
        h.bed.appliedCount((a) => a.type === s.kind && (s.kind === "MOVE" ? a.body.positionMm === s.key : a.body.targetC === s.key));

      let ok = 0;
      let stale = 0;
      let failed = 0;
      for (const s of sent) {
        expect(s.outcome, `command ${s.kind} ${s.key} never settled`).toBeDefined();
        const n = applied(s);
        expect(n, `${s.kind} ${s.key} applied ${n} times`).toBeLessThanOrEqual(1);
        if (s.outcome === "ok") {
          ok++;
          expect(n, `${s.kind} ${s.key} was confirmed but never applied`).toBe(1);
        } else if (s.outcome === "stale") {
          // One command per actuator in flight means nothing can overtake: a stale reply would be a bug.
          stale++;
        } else {
          failed++;
          expect(isBedlinkError(s.error, ErrorCode.CommandTimeout)).toBe(true);
        }
      }
      // Nothing the peer applied came from outside our list.
      expect(h.bed.applied.filter((a) => a.type === "MOVE" || a.type === "HEAT").length).toBe(sent.filter((s) => applied(s) === 1).length);
      expect(stale).toBe(0);
      expect(ok + failed).toBe(COMMANDS);
      expect(ok).toBeGreaterThan(COMMANDS * 0.9);

      // Events: each delivered once despite retransmits and duplicates.
      const keys = delivered.map((d) => d.seq);
      expect(new Set(keys).size).toBe(keys.length);
      expect(delivered.length).toBe(h.bed.events.length);

      const st = link.stats();
      const lossy = h.lossy()!;
      expect(lossy.counts.in.corrupted + lossy.counts.out.corrupted).toBeGreaterThan(10);
      expect(st.crcErrors + st.framingErrors).toBeGreaterThan(0);
      expect(st.retransmits).toBeGreaterThan(0);
      expect(h.bed.counts.duplicatesAnswered).toBeGreaterThan(0);
      expect(st.timeouts.command).toBe(failed);
      expect(st.rtt.samples).toBeGreaterThan(100);
      await link.close();
    });
  }
});
