// A technician flashes the simulated bed (virtual time, in-process): refusals happen before a
// single bootloader frame goes out; a clean transfer updates the version; interrupted and
// corrupted transfers recover; an image that will not boot rolls back to the old firmware.
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { createSimulatedConnection } from "../../src/device/simulated.ts";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import { flashImage, type FlashProgress } from "../../src/firmware/transfer.ts";
import { buildUnsignedImage } from "../../src/firmware/sign.ts";
import { settle, settleError } from "../helpers/virtualTime.ts";
import { payloadOf, signedImage, stranger, vendor } from "./fixtures.ts";

const SIM_META = { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" };
const PAYLOAD = payloadOf(20_000);

async function flashRig(faults = "", baud?: number) {
  const clock = new VirtualClock();
  const { sim, transport } = createSimulatedConnection({ clock, seed: 5, faults: faults ? parseFaultSpec(faults) : [], baud });
  const bed = await settle(clock, BedDriver.connect({ transport, clock, baud }));
  const progress: FlashProgress[] = [];
  const flash = (image: Uint8Array, extra: { allowDowngrade?: boolean } = {}) =>
    flashImage(bed, image, { clock, publicKeys: [vendor.publicKey], onProgress: (p) => progress.push(p), ...extra });
  const bootloaderFramesSeen = () => sim.wireLog.filter((e) => / < (BOOT|DATA|DONE|REBOOT) /.test(e)).length;
  return { clock, sim, bed, progress, flash, bootloaderFramesSeen };
}

describe("refused before a single bootloader frame is sent", () => {
  it.each([
    ["tampered after signing (version edited in the header)", () => Buffer.from(signedImage(SIM_META, PAYLOAD).toString("latin1").replace('"1.5.0"', '"1.9.0"'), "latin1"), ErrorCode.ImageSignatureInvalid],
    ["tampered payload (one byte changed)", () => { const b = signedImage(SIM_META, PAYLOAD); b[400] ^= 0x01; return b; }, ErrorCode.ImageInvalid],
    ["signed by a key this controller does not trust", () => signedImage(SIM_META, PAYLOAD, stranger), ErrorCode.ImageSignatureInvalid],
    ["unsigned", () => buildUnsignedImage(PAYLOAD, SIM_META), ErrorCode.ImageSignatureInvalid],
    ["for another model", () => signedImage({ ...SIM_META, model: "CG-V5" }, PAYLOAD), ErrorCode.ImageWrongModel],
    ["for another hardware revision", () => signedImage({ ...SIM_META, hw: ["rev-A"] }, PAYLOAD), ErrorCode.ImageWrongModel],
    ["older than the running firmware (no --allow-downgrade)", () => signedImage({ ...SIM_META, version: "1.3.0" }, PAYLOAD), ErrorCode.ImageDowngrade],
  ])("%s", async (_name, build, code) => {
    const { clock, bed, sim, flash, bootloaderFramesSeen } = await flashRig();
    const err = await settleError(clock, flash(build()));
    expect(isBedlinkError(err, code), String(err)).toBe(true);
    expect(bootloaderFramesSeen()).toBe(0);
    expect(sim.wireLog.some((e) => e.includes(" < HELLO "))).toBe(true); // the log is live: the handshake is in it
    expect(bed.identity.fw).toBe(SIM_IDENTITY.fw);
    sim.stop();
  });
});

describe("flashing the simulated bed", () => {
  it("a clean transfer: 256-byte chunks, progress to 100 %, REBOOT, and the bed answers with the new version from slot B", async () => {
    const { clock, bed, sim, progress, flash } = await flashRig();
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result).toMatchObject({ outcome: "updated", fromVersion: SIM_IDENTITY.fw, runningVersion: "1.5.0", fromSlot: "A", bootSlot: "B", bytes: PAYLOAD.length, resumes: 0, verifyFailures: 0 });
    expect(bed.identity).toMatchObject({ fw: "1.5.0", bootSlot: "B" });
    expect(sim.bootloader.slots.B?.bytes).toEqual(new Uint8Array(PAYLOAD));
    const dataFrames = sim.wireLog.filter((e) => e.includes(" < DATA "));
    expect(dataFrames.length).toBe(Math.ceil(PAYLOAD.length / 256));
    const done = progress.filter((p) => p.phase === "transfer").map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(PAYLOAD.length);
    expect(progress.map((p) => p.phase).filter((p, i, a) => p !== a[i - 1])).toEqual(["boot", "transfer", "verify", "reboot", "complete"]);
    expect(result.bytesPerS).toBeGreaterThan(0);
    sim.stop();
  });

  it("a downgrade goes through when allowed", async () => {
    const { clock, sim, flash } = await flashRig();
    const result = await settle(clock, flash(signedImage({ ...SIM_META, version: "1.3.0" }, PAYLOAD), { allowDowngrade: true }), 120_000);
    expect(result).toMatchObject({ outcome: "updated", runningVersion: "1.3.0", downgrade: true });
    sim.stop();
  });

  it("the bed reboots half-way through (boot-interrupt@50%): the host reconnects, BOOTs again and resumes from where the bed stopped", async () => {
    const { clock, sim, progress, flash } = await flashRig("boot-interrupt@50%");
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result).toMatchObject({ outcome: "updated", runningVersion: "1.5.0", resumes: 1 });
    const resumed = progress.find((p) => p.resumeOffset !== undefined)!;
    expect(resumed.resumeOffset).toBeGreaterThanOrEqual(PAYLOAD.length / 2 - 256);
    // After the second BOOT only the missing part goes over the wire.
    const boots = sim.wireLog.flatMap((e, i) => (e.includes(" < BOOT ") ? [i] : []));
    const dataAfter = sim.wireLog.slice(boots.at(-1)).filter((e) => e.includes(" < DATA ")).length;
    expect(dataAfter).toBe(Math.ceil((PAYLOAD.length - resumed.resumeOffset!) / 256));
    sim.stop();
  });

  it("the cable is pulled at 40 % (unplug@40%): the link reconnects and the transfer resumes", async () => {
    const { clock, sim, flash } = await flashRig("unplug:2s@40%");
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result).toMatchObject({ outcome: "updated", resumes: 1 });
    sim.stop();
  });

  it("a chunk corrupted in the bed's flash (boot-corrupt) is caught by DONE's SHA-256 check and the transfer starts over", async () => {
    const { clock, sim, flash } = await flashRig("boot-corrupt@30%");
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result).toMatchObject({ outcome: "updated", verifyFailures: 1 });
    expect(sim.wireLog.some((e) => e.includes("E_BOOT_VERIFY"))).toBe(true);
    sim.stop();
  });

  it("DATA frames corrupted on the line (bitflip-rx) fail their CRC and are retransmitted; the image arrives intact", async () => {
    const { clock, bed, sim, flash } = await flashRig("bitflip-rx:0.0005");
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result.outcome).toBe("updated");
    expect(sim.firmware.stats.crc).toBeGreaterThan(0);
    expect(bed.stats().retransmits).toBeGreaterThan(0);
    expect(sim.bootloader.slots.B?.bytes).toEqual(new Uint8Array(PAYLOAD));
    sim.stop();
  });

  it("an image that never completes a handshake (boot-nohandshake) rolls back after 10 s; the bed answers with the old version", async () => {
    const { clock, bed, sim, flash } = await flashRig("boot-nohandshake");
    const result = await settle(clock, flash(signedImage(SIM_META, PAYLOAD)), 120_000);
    expect(result).toMatchObject({ outcome: "rolled-back", imageVersion: "1.5.0", runningVersion: SIM_IDENTITY.fw, bootSlot: "A" });
    expect(bed.identity).toMatchObject({ fw: SIM_IDENTITY.fw, bootSlot: "A" });
    const log = await settle(clock, bed.readLog());
    expect(log.entries).toContainEqual(expect.objectContaining({ code: "I_BOOT", detail: "rollback" }));
    sim.stop();
  });

  it("on a line paced at 115200 baud, four 256-byte chunks in flight keep the line busy with no needless retransmission", async () => {
    const { clock, bed, sim, flash } = await flashRig("", 115_200);
    await clock.advance(2000); // past the bed's boot announcements
    const before = bed.stats().retransmits;
    const result = await settle(clock, flash(signedImage(SIM_META, payloadOf(32_768))), 120_000);
    expect(result.outcome).toBe("updated");
    expect(bed.stats().retransmits - before).toBe(0);
    expect(result.bytesPerS / 11_520).toBeGreaterThanOrEqual(0.8);
    sim.stop();
  });
});
