// Firmware updates on the simulated bed at the edges: a rolled-back image flashed again once the
// fault is gone, a reboot on the very last chunk, two updates in a row (A → B → A).
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../protocols/clock.ts";
import { parseFaultSpec } from "../../simulator/index.ts";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import { BedDriver } from "../../src/device/bed.ts";
import { createSimulatedConnection } from "../../src/device/simulated.ts";
import { flashImage } from "../../src/firmware/transfer.ts";
import { settle } from "../helpers/virtualTime.ts";
import { payloadOf, signedImage, vendor } from "./fixtures.ts";

const META = { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" };

async function rig(faults = "") {
  const clock = new VirtualClock();
  const { sim, transport } = createSimulatedConnection({ clock, seed: 5, faults: faults ? parseFaultSpec(faults) : [] });
  const bed = await settle(clock, BedDriver.connect({ transport, clock }));
  const flash = (image: Uint8Array, extra: { allowDowngrade?: boolean } = {}) => flashImage(bed, image, { clock, publicKeys: [vendor.publicKey], ...extra });
  return { clock, sim, bed, flash };
}

describe("firmware update edge cases on the simulated bed", () => {
  it("rolled back, fault cleared, same image flashed again → updated", async () => {
    const { clock, sim, bed, flash } = await rig("boot-nohandshake");
    const img = signedImage(META, payloadOf(4096));
    const r1 = await settle(clock, flash(img), 200_000);
    expect(r1.outcome).toBe("rolled-back");
    sim.clearFault("boot-nohandshake");
    const r2 = await settle(clock, flash(img), 200_000);
    expect(r2).toMatchObject({ outcome: "updated", runningVersion: "1.5.0" });
    expect(bed.identity.bootSlot).toBe("B");
    sim.stop();
  }, 60_000);

  it.each([4096, 4000])("bed reboots on the very last chunk (boot-interrupt@100%%), %i bytes → updated, bytes intact", async (n) => {
    const { clock, sim, flash } = await rig("boot-interrupt@100%");
    const p = payloadOf(n);
    const r = await settle(clock, flash(signedImage(META, p)), 200_000);
    expect(r.outcome).toBe("updated");
    expect(sim.bootloader.slots.B?.bytes).toEqual(new Uint8Array(p));
    sim.stop();
  }, 60_000);

  it("update 1.5.0 then 1.6.0 → second lands in slot A and is reported updated", async () => {
    const { clock, sim, flash } = await rig();
    const r1 = await settle(clock, flash(signedImage(META, payloadOf(3000))), 200_000);
    const r2 = await settle(clock, flash(signedImage({ ...META, version: "1.6.0" }, payloadOf(3001))), 200_000);
    expect(r2).toMatchObject({ outcome: "updated", bootSlot: "A", runningVersion: "1.6.0" });
    sim.stop();
  }, 60_000);

  it("second flash of a different image after a rolled-back first one", async () => {
    const { clock, sim, flash } = await rig("boot-nohandshake");
    const r1 = await settle(clock, flash(signedImage(META, payloadOf(3000))), 200_000);
    expect(r1.outcome).toBe("rolled-back");
    sim.clearFault("boot-nohandshake");
    const r2 = await settle(clock, flash(signedImage({ ...META, version: "1.5.1" }, payloadOf(3001))), 200_000);
    expect(r2).toMatchObject({ outcome: "updated", runningVersion: "1.5.1" });
    sim.stop();
  }, 60_000);
});
