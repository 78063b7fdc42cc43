// Link faults, each seen from the host's end of the wire the way simulator/FAULTS.md says.
import { describe, expect, it } from "vitest";
import { parseOneFault } from "../../simulator/faults.ts";
import { rig } from "./harness.ts";

const notes = (log: string[], kind: string) => log.filter((l) => l.includes(` ! ${kind}`));
const replies = (host: Awaited<ReturnType<typeof rig>>["host"], seq: number) => host.received.filter((r) => (r.frame.type === "ACK" || r.frame.type === "NAK") && r.frame.seq === seq);

async function sendHeartbeats(host: Awaited<ReturnType<typeof rig>>["host"], n: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    seqs.push(host.send("HB", {}));
    await host.waitFor(() => false, 50);
  }
  await host.waitFor(() => false, 500);
  return seqs;
}

describe("byte faults", () => {
  it("bitflip-rx: corrupted host frames fail the device's CRC check and go unanswered, never NAKed", async () => {
    const { host, bed } = await rig();
    host.stopHeartbeat();
    host.startHeartbeat(100);
    bed.injectFault(parseOneFault("bitflip-rx:0.02"));
    const seqs = await sendHeartbeats(host, 60);
    const answered = seqs.filter((s) => replies(host, s).length > 0).length;
    expect(answered).toBeLessThan(60);
    expect(answered).toBeGreaterThan(10);
    expect(bed.firmware.stats.crc + bed.firmware.stats.framing).toBeGreaterThan(0);
    expect(host.received.some((r) => r.frame.type === "NAK")).toBe(false);
    expect(notes(bed.wireLog, "bitflip-rx").length).toBeGreaterThan(0);
    bed.stop();
  });

  it("bitflip-tx: the host receives lines that fail its CRC check", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("bitflip-tx:0.01"));
    await host.waitFor(() => false, 5000);
    expect(host.badLines).toBeGreaterThan(5);
    bed.stop();
  });

  it("dropbyte-rx: host frames that lost a byte go unanswered", async () => {
    const { host, bed } = await rig();
    host.stopHeartbeat();
    host.startHeartbeat(100);
    bed.injectFault(parseOneFault("dropbyte-rx:0.05"));
    const seqs = await sendHeartbeats(host, 40);
    expect(seqs.filter((s) => replies(host, s).length === 0).length).toBeGreaterThan(5);
    expect(notes(bed.wireLog, "dropbyte-rx").length).toBeGreaterThan(0);
    bed.stop();
  });

  it("dropbyte-tx: the host receives short, bad lines", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("dropbyte-tx:0.01"));
    await host.waitFor(() => false, 5000);
    expect(host.badLines).toBeGreaterThan(5);
    bed.stop();
  });
});

describe("frame faults", () => {
  it("drop-frame-rx: a command the device never saw gets no reply; after the fault ends it is answered", async () => {
    const { host, bed } = await rig();
    bed.injectFault({ ...parseOneFault("drop-frame-rx:1"), forMs: 200 });
    const seq = host.send("HEAT", { zone: "mat", targetC: 40 });
    await host.waitFor(() => false, 500);
    expect(replies(host, seq)).toHaveLength(0);
    host.send("HEAT", { zone: "mat", targetC: 40 }, seq);
    expect((await host.reply(seq)).type).toBe("ACK");
    bed.stop();
  });

  it("drop-frame-tx: the host sees gaps in the device's telemetry sequence numbers", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("drop-frame-tx:0.3"));
    const from = bed.truth.tMs;
    await host.waitFor(() => false, 5000);
    const seqs = host.telemetry(from).map((t) => t.seq);
    expect(seqs.length).toBeLessThan(45);
    expect(seqs.some((s, i) => i > 0 && s - seqs[i - 1]! > 1)).toBe(true);
    bed.stop();
  });

  it("dup-frame-rx: a command arriving twice is applied once and answered twice with the same reply", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("dup-frame-rx:1"));
    const seq = host.send("SESSION", { state: "start" });
    await host.waitFor(() => replies(host, seq).length >= 2, 1000);
    const [a, b] = replies(host, seq);
    expect(a!.frame).toEqual(b!.frame);
    bed.clearFault("dup-frame-rx");
    expect((await host.command("INFO", {})).body).toMatchObject({ counters: { sessions: 1 } });
    bed.stop();
  });

  it("dup-frame-tx: the host receives each telemetry frame twice (same seq)", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("dup-frame-tx:1"));
    const from = bed.truth.tMs;
    await host.waitFor(() => false, 1000);
    const seqs = host.telemetry(from).map((t) => t.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(18);
    expect(new Set(seqs).size).toBe(seqs.length / 2);
    bed.stop();
  });

  it("reorder-rx: two HEATs for one zone arrive swapped → the older is ACKed stale and the newer setpoint stays", async () => {
    const { host, bed } = await rig();
    host.stopHeartbeat();
    bed.injectFault(parseOneFault("reorder-rx:1"));
    const first = host.send("HEAT", { zone: "projector", targetC: 40 });
    const second = host.send("HEAT", { zone: "projector", targetC: 50 });
    await host.waitFor(() => replies(host, first).length > 0 && replies(host, second).length > 0, 2000);
    expect(replies(host, first)[0]!.frame.body).toEqual({ stale: true });
    expect(bed.truth.zones.projector.setC).toBe(50);
    bed.stop();
  });

  it("reorder-tx: the host receives telemetry out of sequence order", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("reorder-tx:0.5"));
    const from = bed.truth.tMs;
    await host.waitFor(() => false, 3000);
    const seqs = host.telemetry(from).map((t) => t.seq);
    expect(seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)).toBe(true);
    bed.stop();
  });

  it("delay-frame-rx: the reply comes at least the delay after the command", async () => {
    const { clock, host, bed } = await rig();
    bed.injectFault(parseOneFault("delay-frame-rx:300ms"));
    const t0 = clock.now();
    await host.command("INFO", {});
    expect(clock.now() - t0).toBeGreaterThanOrEqual(300);
    bed.stop();
  });

  it("delay-frame-tx: telemetry arrives the delay after its own timestamp", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("delay-frame-tx:400"));
    const from = bed.truth.tMs + 500;
    await host.waitFor(() => false, 2000);
    for (const t of host.telemetry(from)) expect(t.atMs - t.tMs).toBeGreaterThanOrEqual(400);
    bed.stop();
  });

  it("slow-ack: ACKs come late while telemetry keeps flowing on time", async () => {
    const { clock, host, bed } = await rig();
    bed.injectFault(parseOneFault("slow-ack:600ms"));
    const t0 = clock.now();
    await host.command("HEAT", { zone: "mat", targetC: 35 });
    expect(clock.now() - t0).toBeGreaterThanOrEqual(600);
    expect(host.telemetry(t0).length).toBeGreaterThanOrEqual(5);
    bed.stop();
  });

  it("no-ack: the command is applied but never acknowledged; the retransmit after the fault gets the cached ACK", async () => {
    const { host, bed } = await rig();
    bed.injectFault(parseOneFault("no-ack:1"));
    const seq = host.send("HEAT", { zone: "projector", targetC: 42 });
    await host.waitFor(() => false, 1000);
    expect(replies(host, seq)).toHaveLength(0);
    expect(bed.truth.zones.projector.setC).toBe(42);
    bed.clearFault("no-ack");
    host.send("HEAT", { zone: "projector", targetC: 42 }, seq);
    expect((await host.reply(seq)).type).toBe("ACK");
    expect(notes(bed.wireLog, "no-ack").length).toBeGreaterThan(0);
    bed.stop();
  });
});
