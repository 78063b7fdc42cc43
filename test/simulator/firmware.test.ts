// The firmware's protocol end as DESIGN-NOTES.md describes it: handshake and identity,
// NAK codes, duplicate suppression, the stale-seq rule, events retransmitted until ACKed,
// the error log, usage counters and bootloader entry.
import { describe, expect, it } from "vitest";
import { crc16String, crcHex } from "../../protocols/crc16.ts";
import { DEDUP_DEPTH, EVT_MAX_ATTEMPTS, EVT_RETRY_MS } from "../../protocols/constants.ts";
import { Identity } from "../../protocols/messages.ts";
import { rig } from "./harness.ts";

describe("handshake and identity", () => {
  it("boots with I_BOOT and telemetry in state boot, homes, then answers HELLO with its identity and limits", async () => {
    const { host, bed } = await rig({}, false);
    await host.waitFor(() => host.events("I_HOMED").length > 0, 30_000);
    expect(host.events("I_BOOT")).toHaveLength(1);
    expect(host.telemetry()[0]!.state).toBe("boot");
    expect(host.telemetry().some((t) => t.state === "homing")).toBe(true);
    const r = await host.hello();
    expect(r.type).toBe("ACK");
    const id = Identity.parse(r.body);
    expect(id).toMatchObject({ proto: 1, model: "CGM-V6-SIM", telemetryHz: 10, bootSlot: "A" });
    expect(id.limits).toMatchObject({ projectorMaxC: 65, matMaxC: 60, cutoutC: 70, trackMm: 780, speedMaxMmS: 60, accelMmS2: 200, liftMax: 6, rollerMaxKg: 136, motorTripMa: 3000, leaseMs: 1000 });
    bed.stop();
  });

  it("NAKs everything but HELLO and ESTOP with E_NO_HANDSHAKE before a HELLO", async () => {
    const { host, bed } = await rig({}, false);
    const r = await host.command("HEAT", { zone: "projector", targetC: 40 });
    expect(r).toMatchObject({ type: "NAK", body: { code: "E_NO_HANDSHAKE" } });
    expect((await host.command("ESTOP", {})).type).toBe("ACK");
    bed.stop();
  });

  it("takes the identity it was given", async () => {
    const { host, bed } = await rig({ identity: { serial: "CGM-0042" } }, false);
    expect((await host.hello()).body).toMatchObject({ serial: "CGM-0042", model: "CGM-V6-SIM" });
    bed.stop();
  });
});

describe("refusals", () => {
  it("NAKs a setpoint above the projector's 65 °C with E_RANGE naming field, min and max", async () => {
    const { host, bed } = await rig();
    expect((await host.command("HEAT", { zone: "projector", targetC: 66 })).body).toMatchObject({ code: "E_RANGE", field: "targetC", min: 0, max: 65 });
    expect((await host.command("HEAT", { zone: "mat", targetC: 61 })).body).toMatchObject({ code: "E_RANGE", field: "targetC", max: 60 });
    expect((await host.command("MOVE", { positionMm: 800, speedMmS: 20 })).body).toMatchObject({ code: "E_RANGE", field: "positionMm", max: 780 });
    expect((await host.command("MOVE", { positionMm: 100, speedMmS: 90 })).body).toMatchObject({ code: "E_RANGE", field: "speedMmS", min: 1, max: 60 });
    bed.stop();
  });

  it("NAKs a value beyond what the wire allows with E_RANGE from the device's table, and a malformed body with E_BAD_BODY", async () => {
    const { host, bed } = await rig();
    host.sendRaw(withCrc(`HEAT 900 {"zone":"projector","targetC":150}`));
    expect((await host.reply(900)).body).toMatchObject({ code: "E_RANGE", field: "targetC", max: 65 });
    host.sendRaw(withCrc(`HEAT 901 {"zone":"sauna","targetC":40}`));
    expect((await host.reply(901)).body).toMatchObject({ code: "E_BAD_BODY" });
    host.sendRaw(withCrc(`MOVE 902 not-json`));
    expect((await host.reply(902)).body).toMatchObject({ code: "E_BAD_BODY" });
    bed.stop();
  });

  it("NAKs an unknown frame type with E_UNKNOWN_TYPE and drops a bad-CRC frame silently", async () => {
    const { host, bed } = await rig();
    host.sendRaw(withCrc("FOO 77 {}"));
    expect((await host.reply(77)).body).toMatchObject({ code: "E_UNKNOWN_TYPE" });
    host.sendRaw("HB 78 {}*0000");
    await host.waitFor(() => false, 500);
    expect(host.received.some((r) => r.frame.type !== "TLM" && r.frame.type !== "EVT" && r.frame.seq === 78)).toBe(false);
    expect(bed.firmware.stats.crc).toBe(1);
    bed.stop();
  });

  it("refuses to move before homing completes (E_BUSY) and moves once homed", async () => {
    const { host, bed } = await rig({}, false);
    await host.waitFor(() => bed.truth.state === "homing", 2000);
    await host.hello();
    host.startHeartbeat();
    expect((await host.command("MOVE", { positionMm: 100, speedMmS: 20 })).body).toMatchObject({ code: "E_BUSY" });
    await host.waitFor(() => bed.truth.state === "idle", 30_000);
    expect((await host.command("MOVE", { positionMm: 100, speedMmS: 20 })).type).toBe("ACK");
    bed.stop();
  });
});

describe("duplicates and reordering", () => {
  it("answers a repeated command from its cache of replies and does not apply it again", async () => {
    const { host, bed } = await rig();
    const seq = host.send("HEAT", { zone: "mat", targetC: 40 });
    const first = await host.reply(seq);
    host.send("HEAT", { zone: "mat", targetC: 0 }); // a newer command changes the setpoint
    await host.waitFor(() => bed.truth.zones.mat.setC === 0, 1000);
    const before = host.received.length;
    host.send("HEAT", { zone: "mat", targetC: 40 }, seq); // the host retransmits the old one
    const again = await host.reply(seq, 1000, before);
    expect(again).toEqual(first);
    expect(bed.truth.zones.mat.setC).toBe(0);
    bed.stop();
  });

  it(`keeps ${DEDUP_DEPTH} replies: an older seq is treated as new, a new sid forgets them all`, async () => {
    const { host, bed } = await rig();
    const first = host.send("HB", {});
    for (let i = 0; i < DEDUP_DEPTH; i++) host.send("HB", {});
    await host.waitFor(() => false, 1000);
    const n = host.received.length;
    host.send("LOG", {}, first);
    expect((await host.reply(first, 1000, n)).body).toHaveProperty("entries");
    await host.hello("12345678");
    const m = host.received.length;
    host.send("INFO", {}, first + 10); // the seq of an HB in the burst: forgotten with the new sid
    expect((await host.reply(first + 10, 1000, m)).body).toHaveProperty("counters");
    bed.stop();
  });

  it("ACKs an actuator command older than the last applied one with stale:true and ignores it", async () => {
    const { host, bed } = await rig();
    host.send("HEAT", { zone: "projector", targetC: 50 }, 200);
    expect((await host.reply(200)).body).toBeUndefined();
    host.send("HEAT", { zone: "projector", targetC: 30 }, 199);
    expect((await host.reply(199)).body).toEqual({ stale: true });
    expect(bed.truth.zones.projector.setC).toBe(50);
    // Another actuator keeps its own last seq.
    host.send("HEAT", { zone: "mat", targetC: 35 }, 150);
    expect((await host.reply(150)).body).toBeUndefined();
    bed.stop();
  });
});

describe("events, log and counters", () => {
  it(`retransmits an unACKed event every ${EVT_RETRY_MS} ms, ${EVT_MAX_ATTEMPTS} times in all`, async () => {
    const { host, bed } = await rig({}, false, false);
    await host.waitFor(() => false, 3000);
    const boots = host.events("I_BOOT");
    expect(boots).toHaveLength(EVT_MAX_ATTEMPTS);
    expect(new Set(boots.map((e) => e.seq)).size).toBe(1);
    expect(boots[1]!.atMs - boots[0]!.atMs).toBe(EVT_RETRY_MS);
    bed.stop();
  });

  it("stops retransmitting once the host ACKs", async () => {
    const { host, bed } = await rig({}, false);
    await host.waitFor(() => false, 3000);
    expect(host.events("I_BOOT")).toHaveLength(1);
    bed.stop();
  });

  it("keeps an error log with timestamps that LOG returns and LOG {clear} empties", async () => {
    const { host, bed } = await rig();
    await host.command("ESTOP", {});
    await host.command("RESET", {});
    const log = await host.command("LOG", { clear: true });
    expect(log.body).toMatchObject({ entries: expect.arrayContaining([expect.objectContaining({ code: "E_ESTOP", atMs: expect.any(Number) })]), dropped: 0 });
    expect((await host.command("LOG", {})).body).toEqual({ entries: [], dropped: 0 });
    bed.stop();
  });

  it("counts heater time, carriage cycles, sessions and boots in INFO", async () => {
    const { host, bed } = await rig();
    await host.command("SESSION", { state: "start" });
    await host.command("HEAT", { zone: "projector", targetC: 60 });
    for (const p of [600, 100, 600, 100]) {
      await host.command("MOVE", { positionMm: p, speedMmS: 60 });
      await host.waitFor(() => Math.abs(bed.truth.firmwarePositionMm - p) < 0.1 && bed.truth.speedMmS === 0, 30_000);
    }
    const info = await host.command("INFO", {});
    expect(info.body).toMatchObject({ state: "active", counters: { sessions: 1, boots: 1, carriageCycles: 2 } });
    expect((info.body as { counters: { heaterProjectorS: number } }).counters.heaterProjectorS).toBeGreaterThan(10);
    bed.stop();
  });

  it("enters bootloader mode on BOOT with actuators safe; DONE before any data fails verification", async () => {
    const { host, bed } = await rig();
    await host.command("HEAT", { zone: "projector", targetC: 50 });
    expect((await host.command("DONE", {})).body).toMatchObject({ code: "E_NOT_BOOTLOADER" });
    const boot = await host.command("BOOT", { size: 1024, sha256: "a".repeat(64), version: "1.5.0" });
    expect(boot).toMatchObject({ type: "ACK", body: { chunkBytes: 256, resumeOffset: 0 } });
    expect(bed.truth.state).toBe("bootloader");
    expect(bed.truth.zones.projector.setC).toBe(0);
    expect((await host.command("DONE", {})).body).toMatchObject({ code: "E_BOOT_VERIFY" });
    await host.waitFor(() => (host.lastTelemetry()?.flags ?? 0) & 0x40 ? true : false, 500);
    expect(host.lastTelemetry()!.state).toBe("bootloader");
    bed.stop();
  });

  it("changes the telemetry rate on RATE", async () => {
    const { host, bed } = await rig();
    await host.command("RATE", { hz: 50 });
    const from = bed.truth.tMs + 1;
    await host.waitFor(() => false, 1000);
    expect(host.telemetry(from).length).toBeGreaterThanOrEqual(49);
    await host.command("RATE", { hz: 1 });
    const from2 = bed.truth.tMs + 1;
    await host.waitFor(() => false, 5000);
    expect(host.telemetry(from2).length).toBe(5);
    bed.stop();
  });
});

function withCrc(head: string): string {
  return `${head}*${crcHex(crc16String(head))}\n`;
}

