// The simulated bootloader seen from the wire (PROTOCOL.md §15): two slots, transfer in
// order, resume after an interrupted transfer, verify, trial boot and the 10 s rollback.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocols/codec.ts";
import { BOOT_CHUNK_BYTES, nextSeq } from "../../protocols/constants.ts";
import type { Identity } from "../../protocols/messages.ts";
import { ROLLBACK_TIMEOUT_MS } from "../../simulator/bootloader.ts";
import { parseOneFault } from "../../simulator/index.ts";
import { rig, type WireHost } from "./harness.ts";

const IMAGE = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13 + 10) & 0xff)); // holds LF, CR and ESC bytes
const SHA = createHash("sha256").update(IMAGE).digest("hex");
const BOOT_BODY = { size: IMAGE.length, sha256: SHA, version: "1.5.0" };

/** Sends the chunk of IMAGE at `offset` (with the next host seq, or a given one); returns the seq. */
function sendData(host: WireHost, offset: number, seq?: number): number {
  const s = seq ?? host.seq;
  if (seq === undefined) host.seq = nextSeq(s);
  const bytes = IMAGE.subarray(offset, Math.min(offset + BOOT_CHUNK_BYTES, IMAGE.length));
  host.sendRaw(encodeFrame({ type: "DATA", seq: s, body: { offset, bytes } }));
  return s;
}

async function dataReply(host: WireHost, offset: number) {
  const from = host.received.length;
  return host.reply(sendData(host, offset), 2000, from);
}

/** Sends the image from `from` one chunk at a time, each ACKed before the next. */
async function sendChunks(host: WireHost, from: number, until = IMAGE.length): Promise<void> {
  for (let offset = from; offset < until; offset += BOOT_CHUNK_BYTES) {
    const r = await dataReply(host, offset);
    expect(r).toMatchObject({ type: "ACK", body: { nextOffset: Math.min(offset + BOOT_CHUNK_BYTES, IMAGE.length) } });
  }
}

async function rebootAndHello(host: WireHost, sid: string): Promise<Identity> {
  const from = host.received.length;
  host.stopHeartbeat();
  expect((await host.command("REBOOT", {})).type).toBe("ACK");
  await host.waitFor(() => host.received.slice(from).some((r) => r.frame.type === "EVT" && r.frame.body.code === "I_BOOT"), 2000);
  const hello = await host.hello(sid);
  expect(hello.type).toBe("ACK");
  return hello.body as unknown as Identity;
}

describe("simulated bootloader", () => {
  it("takes an image in 256-byte chunks, verifies it on DONE and boots it from slot B on REBOOT", async () => {
    const { host, bed } = await rig();
    const boot = await host.command("BOOT", BOOT_BODY);
    expect(boot).toMatchObject({ type: "ACK", body: { chunkBytes: 256, resumeOffset: 0 } });
    await sendChunks(host, 0);
    expect(await host.command("DONE", {})).toMatchObject({ type: "ACK", body: { sha256: SHA } });
    const id = await rebootAndHello(host, "00000b01");
    expect(id).toMatchObject({ fw: "1.5.0", bootSlot: "B" });
    expect(bed.bootloader.slots.B?.bytes).toEqual(new Uint8Array(IMAGE));
    // Confirmed by the handshake: no rollback 10 s later.
    host.startHeartbeat();
    await host.waitFor(() => false, ROLLBACK_TIMEOUT_MS + 2000);
    expect(host.events("I_BOOT").some((e) => e.detail === "rollback")).toBe(false);
    expect((await host.hello("00000b02")).body).toMatchObject({ fw: "1.5.0", bootSlot: "B" });
    bed.stop();
  });

  it("refuses a chunk at the wrong offset with E_BOOT_OFFSET and the offset it expects; a repeated chunk gets its cached ACK", async () => {
    const { host, bed } = await rig();
    await host.command("BOOT", BOOT_BODY);
    await sendChunks(host, 0, 512);
    const skip = await dataReply(host, 768);
    expect(skip).toMatchObject({ type: "NAK", body: { code: "E_BOOT_OFFSET", expectedOffset: 512 } });
    const seq = sendData(host, 512);
    expect((await host.reply(seq)).body).toEqual({ nextOffset: 768 });
    const from = host.received.length;
    sendData(host, 512, seq); // a retransmission: same seq
    expect((await host.reply(seq, 2000, from)).body).toEqual({ nextOffset: 768 });
    bed.stop();
  });

  it("NAKs DATA, DONE and REBOOT outside a transfer with E_NOT_BOOTLOADER and actuator commands during one with E_BUSY", async () => {
    const { host, bed } = await rig();
    expect((await dataReply(host, 0)).body).toMatchObject({ code: "E_NOT_BOOTLOADER" });
    expect((await host.command("DONE", {})).body).toMatchObject({ code: "E_NOT_BOOTLOADER" });
    expect((await host.command("REBOOT", {})).body).toMatchObject({ code: "E_NOT_BOOTLOADER" });
    await host.command("BOOT", BOOT_BODY);
    expect((await host.command("HEAT", { zone: "mat", targetC: 40 })).body).toMatchObject({ code: "E_BUSY" });
    const other = await host.command("BOOT", { ...BOOT_BODY, sha256: "b".repeat(64) });
    expect(other.body).toMatchObject({ code: "E_BUSY" });
    bed.stop();
  });

  it("boot-interrupt@50%: the bed reboots half-way, keeps the partial image, and BOOT of the same image resumes from a chunk boundary", async () => {
    const { host, bed } = await rig({ faults: [parseOneFault("boot-interrupt@50%")] });
    await host.command("BOOT", BOOT_BODY);
    host.stopHeartbeat();
    const from = host.received.length;
    let offset = 0;
    for (; offset < IMAGE.length; offset += BOOT_CHUNK_BYTES) {
      const r = await host.reply(sendData(host, offset), 300, from).catch(() => undefined);
      if (!r || r.type === "NAK") break;
    }
    await host.waitFor(() => host.received.slice(from).some((r) => r.frame.type === "EVT" && r.frame.body.code === "I_BOOT"), 2000);
    expect(bed.wireLog.some((e) => e.includes("fault boot-interrupt"))).toBe(true);
    expect((await host.hello("00000c01")).body).toMatchObject({ fw: "1.4.0-sim", bootSlot: "A" });
    const boot = await host.command("BOOT", BOOT_BODY);
    const resumeOffset = (boot.body as { resumeOffset: number }).resumeOffset;
    expect(resumeOffset % BOOT_CHUNK_BYTES).toBe(0);
    expect(resumeOffset).toBeGreaterThanOrEqual(IMAGE.length / 2 - BOOT_CHUNK_BYTES);
    expect(resumeOffset).toBeLessThan(IMAGE.length);
    await sendChunks(host, resumeOffset);
    expect(await host.command("DONE", {})).toMatchObject({ type: "ACK", body: { sha256: SHA } });
    expect((await rebootAndHello(host, "00000c02")).fw).toBe("1.5.0");
    bed.stop();
  });

  it("boot-corrupt: a chunk written to flash wrongly fails DONE with E_BOOT_VERIFY, and the next BOOT starts over at 0", async () => {
    const { host, bed } = await rig({ faults: [parseOneFault("boot-corrupt@20%")] });
    await host.command("BOOT", BOOT_BODY);
    await sendChunks(host, 0);
    expect((await host.command("DONE", {})).body).toMatchObject({ code: "E_BOOT_VERIFY", message: expect.stringContaining("SHA-256") });
    expect((await host.command("BOOT", BOOT_BODY)).body).toMatchObject({ resumeOffset: 0 });
    await sendChunks(host, 0);
    expect((await host.command("DONE", {})).type).toBe("ACK");
    bed.stop();
  });

  it("boot-nohandshake: the new slot never answers HELLO, and 10 s later the bed boots the old slot with I_BOOT rollback", async () => {
    const { host, bed } = await rig({ faults: [parseOneFault("boot-nohandshake")] });
    await host.command("BOOT", BOOT_BODY);
    await sendChunks(host, 0);
    await host.command("DONE", {});
    host.stopHeartbeat();
    const rebootAt = host.clock.now();
    await host.command("REBOOT", {});
    await host.waitFor(() => false, 1000);
    const hello = host.send("HELLO", { proto: [1, 1], host: "test-host", sid: "00000d01" });
    await expect(host.reply(hello, 2000)).rejects.toThrow(/no reply/);
    expect(host.lastTelemetry()?.state).toBe("boot");
    await host.waitFor(() => host.events("I_BOOT").some((e) => e.detail === "rollback"), ROLLBACK_TIMEOUT_MS);
    const rollback = host.events("I_BOOT").find((e) => e.detail === "rollback")!;
    expect(rollback.atMs).toBeGreaterThanOrEqual(rebootAt + ROLLBACK_TIMEOUT_MS);
    expect((await host.hello("00000d02")).body).toMatchObject({ fw: "1.4.0-sim", bootSlot: "A" });
    const log = await host.command("LOG", {});
    expect((log.body as { entries: { code: string; detail?: string }[] }).entries).toContainEqual(expect.objectContaining({ code: "I_BOOT", detail: "rollback" }));
    bed.stop();
  });

  it("rolls back too when the new image is healthy but no host handshakes within 10 s", async () => {
    const { host, bed } = await rig();
    await host.command("BOOT", BOOT_BODY);
    await sendChunks(host, 0);
    await host.command("DONE", {});
    host.stopHeartbeat();
    await host.command("REBOOT", {});
    await host.waitFor(() => host.events("I_BOOT").some((e) => e.detail === "rollback"), ROLLBACK_TIMEOUT_MS + 1000);
    expect((await host.hello("00000e01")).body).toMatchObject({ fw: "1.4.0-sim", bootSlot: "A" });
    bed.stop();
  });

  it("reads @50% as transferPct>=50, and boot-interrupt alone as half-way", () => {
    expect(parseOneFault("unplug@30%").at).toEqual({ field: "transferPct", op: ">=", value: 30 });
    expect(parseOneFault("boot-interrupt").at).toEqual({ field: "transferPct", op: ">=", value: 50 });
    expect(() => parseOneFault("boot-interrupt@150%")).toThrow(/0–100%/);
  });
});
