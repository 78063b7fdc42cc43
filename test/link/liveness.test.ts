import { describe, expect, it } from "vitest";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { Link } from "../../src/link/link.ts";
import { scriptedHarness, type HarnessOptions } from "../helpers/linkHarness.ts";
import { settle, settleError } from "../helpers/virtualTime.ts";

async function upLink(opts: HarnessOptions = {}) {
  const h = scriptedHarness(opts);
  const link = new Link({ transport: h.transport, clock: h.clock, random: h.random });
  await settle(h.clock, link.open());
  return { h, link };
}

describe("heartbeat and lease", () => {
  it("controller idle for 10 s → heartbeats every lease/4 keep the bed's lease alive; it never goes safe", async () => {
    const { h, link } = await upLink();
    await h.clock.advance(10_000);
    await h.clock.advance(10); // the last heartbeat is still on the wire
    expect(h.bed.counts.leaseExpiries).toBe(0);
    expect(h.bed.state).toBe("idle");
    expect(h.bed.counts.heartbeats).toBeGreaterThanOrEqual(39);
    expect(link.stats().heartbeatsSent).toBe(h.bed.counts.heartbeats);
    // Heartbeat ACKs are RTT samples too.
    expect(link.stats().rtt.samples).toBeGreaterThan(30);
    await link.close();
  });

  it("controller goes away without a word → the bed's own lease makes it safe within a second", async () => {
    const { h, link } = await upLink();
    h.bed.deaf = true; // the host's frames stop arriving
    await h.clock.advance(1100);
    expect(h.bed.counts.leaseExpiries).toBe(1);
    expect(h.bed.state).toBe("safe");
    await link.close();
  });
});

describe("emergency stop", () => {
  it("four commands stuck in flight and one queued → ESTOP still goes out at once and is confirmed", async () => {
    const { h, link } = await upLink();
    for (const t of ["MOVE", "HEAT", "LIFT"]) h.bed.hold.add(t);
    const stuck = [
      link.send("MOVE", { positionMm: 300, speedMmS: 20 }),
      link.send("HEAT", { zone: "projector", targetC: 45 }),
      link.send("HEAT", { zone: "mat", targetC: 40 }),
      link.send("LIFT", { level: 3 }),
      link.send("INFO", {}),
    ];
    for (const p of stuck) p.catch(() => undefined);
    await h.clock.advance(5);
    expect(link.stats()).toMatchObject({ inFlight: 4, queued: 1 });
    const t0 = h.clock.now();
    await settle(h.clock, link.estop());
    expect(h.clock.now() - t0).toBeLessThan(10);
    expect(h.bed.state).toBe("estop");
    await link.close();
  });

  it("ESTOP frames lost for 120 ms → repeated every 50 ms until the bed ACKs", async () => {
    const { h, link } = await upLink();
    h.bed.deaf = true;
    const done = link.estop();
    await h.clock.advance(120);
    h.bed.deaf = false;
    await settle(h.clock, done);
    expect(link.stats().retransmits).toBeGreaterThanOrEqual(2);
    expect(h.bed.counts.estops).toBe(1);
    expect(h.bed.state).toBe("estop");
    await link.close();
  });

  it("after ESTOP a move is refused → CommandRejected carrying the NAK body", async () => {
    const { h, link } = await upLink();
    await settle(h.clock, link.estop());
    const err = await settleError(h.clock, link.send("MOVE", { positionMm: 100, speedMmS: 10 }));
    expect(isBedlinkError(err, ErrorCode.CommandRejected)).toBe(true);
    expect((err as { context?: { nak?: { code?: string } } }).context?.nak?.code).toBe("E_ESTOP_LATCHED");
    expect(link.stats().naks).toBe(1);
    await link.close();
  });
});

describe("device events", () => {
  it("bed never hears our ACKs and retransmits an event 5 times → delivered once, every copy ACKed", async () => {
    const { h, link } = await upLink();
    const seen: string[] = [];
    link.on("event", (e) => seen.push(e.code));
    h.bed.ignoreAcks = true;
    h.bed.raise("E_MOTOR_OVERCURRENT", "carriage jammed at 312 mm");
    await h.clock.advance(2000);
    expect(seen).toEqual(["E_MOTOR_OVERCURRENT"]);
    expect(link.stats().eventsIn).toBe(5);
    expect(link.stats().duplicateEventsDropped).toBe(4);
    await link.close();
  });
});

describe("garbage on the line", () => {
  it("noise, over-long lines and a forged frame → counted and logged, never thrown; link stays up", async () => {
    const { h, link } = await upLink();
    const device = h.bed as unknown as { port: { write(b: Uint8Array): void } };
    device.port.write(Buffer.from("\x00\xff\x13 hello there\n"));
    device.port.write(Buffer.alloc(5000, 0x41));
    device.port.write(Buffer.from("\nTLM 5 1,idle*0000\nXYZZY 1 {}*1234\n"));
    await h.clock.advance(50);
    const st = link.stats();
    expect(st.overlongLines).toBe(1);
    expect(st.framingErrors + st.crcErrors).toBeGreaterThanOrEqual(3);
    expect(link.state).toBe("up");
    await settle(h.clock, link.send("INFO", {}));
    await link.close();
  });
});
