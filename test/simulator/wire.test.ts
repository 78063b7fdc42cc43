// The serial front end: --baud pacing in virtual time, and the --trace decoding of the wire log.
import { describe, expect, it } from "vitest";
import { describeWireEntry } from "../../simulator/trace.ts";
import { rig } from "./harness.ts";

describe("baud pacing", () => {
  it("at 19200 bit/s a heartbeat's round trip includes both frames' wire time (10 bits per byte)", async () => {
    const { clock, host, bed } = await rig({ baud: 19200 });
    host.stopHeartbeat();
    await host.waitFor(() => false, 300); // let the line go quiet
    const t0 = clock.now();
    const seq = host.send("HB", {});
    await host.reply(seq);
    const hbBytes = `HB ${seq} {}*0000\n`.length;
    const ackBytes = `ACK ${seq}*0000\n`.length;
    const wireMs = ((hbBytes + ackBytes) * 10 * 1000) / 19200;
    expect(clock.now() - t0).toBeGreaterThanOrEqual(wireMs);
    // + 2 ms command processing, + at most one ~85-byte TLM (44 ms) ahead of the ACK on the line.
    expect(clock.now() - t0).toBeLessThan(wireMs + 50);
    bed.stop();
  });

  it("at 9600 bit/s telemetry at 10 Hz still fits the line (≈ 80 bytes per frame)", async () => {
    const { host, bed } = await rig({ baud: 9600 });
    const from = bed.truth.tMs;
    await host.waitFor(() => false, 5000);
    expect(host.telemetry(from).length).toBeGreaterThanOrEqual(49);
    bed.stop();
  });
});

describe("trace", () => {
  it("marks a frame that fails its CRC instead of decoding it", () => {
    expect(describeWireEntry(`1500.0 < HEAT 4 {"zone":"projector","targetC":45}*ABCD`)).toMatch(/1\.500 s {2}host → bed {2}\?\? crc/);
    expect(describeWireEntry("2000.0 ! fault jam")).toMatch(/2\.000 s {2}!! fault jam/);
  });

  it("describes every frame of a real session", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 45 });
    await host.command("MOVE", { positionMm: 900, speedMmS: 20 });
    await host.waitFor(() => false, 200);
    const lines = bed.wireLog.map(describeWireEntry);
    expect(lines.some((l) => /host → bed {2}HEAT #\d+ projector → 45 °C/.test(l))).toBe(true);
    expect(lines.some((l) => /bed → host {2}NAK #\d+ E_RANGE positionMm 0–780/.test(l))).toBe(true);
    expect(lines.some((l) => /bed → host {2}TLM #\d+ active · projector [\d.]+\/45 °C \d+% · mat/.test(l))).toBe(true);
    expect(lines.some((l) => /bed → host {2}EVT #\d+ I_HOMED \(low\)/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("??"))).toBe(false);
    bed.stop();
  });
});
