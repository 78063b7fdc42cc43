// A technician updates the bed's firmware from the panel (fastify.inject, simulator in virtual time):
// images that are damaged, unsigned, foreign, for another bed or older are refused with the reason
// before a single bootloader frame goes out; a good image is flashed with progress and the bed
// answers with the new version; one that will not boot leaves the bed on its old firmware.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseOneFault } from "../../simulator/index.ts";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import { buildUnsignedImage } from "../../src/firmware/sign.ts";
import { payloadOf, signedImage, stranger, vendor } from "../firmware/fixtures.ts";
import { CONFIRMED, panelHarness, type PanelHarness } from "./harness.ts";

const SIM_META = { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" };
const PAYLOAD = payloadOf(20_000);
/** Transfer, REBOOT, and a possible 10 s rollback window plus reconnect, in bed time. */
const FLASH_MAX_MS = 5 * 60_000;

let h: PanelHarness;
let auth: { authorization: string };
beforeEach(async () => {
  h = await panelHarness();
  // The panel trusts the keys in its own data directory.
  mkdirSync(join(h.dataDir, "firmware", "trusted-keys"), { recursive: true });
  writeFileSync(join(h.dataDir, "firmware", "trusted-keys", "vendor.pem"), vendor.publicKey.export({ type: "spki", format: "pem" }));
  const r = await h.call({ method: "POST", url: "/api/tech/login", payload: { secret: h.secret } });
  auth = { authorization: `Bearer ${r.json().token}` };
});
afterEach(async () => {
  await h.close();
});

const upload = (image: Buffer, query = "") => h.call({ method: "POST", url: `/api/tech/firmware${query}`, headers: { ...auth, "content-type": "application/octet-stream" }, payload: image });
const fwState = async () => (await h.call({ url: "/api/tech/firmware", headers: auth })).json();
const bootloaderFrames = () => h.sim.wireLog.filter((e) => / < (BOOT|DATA|DONE|REBOOT) /.test(e)).length;
const audited = (prefix: string) => h.store.audit.recent(50).filter((e) => e.action.startsWith(prefix));
const ended = () => audited("firmware.").some((e) => ["firmware.updated", "firmware.rolled-back", "firmware.failed"].includes(e.action));

describe("refused before anything goes to the bed", () => {
  it.each([
    ["for another model", 422, "model", `image is for model CG-V5, this bed is ${SIM_IDENTITY.model}`, () => signedImage({ ...SIM_META, model: "CG-V5" }, PAYLOAD)],
    ["for another hardware revision", 422, "hw", `this bed is hardware ${SIM_IDENTITY.hw}`, () => signedImage({ ...SIM_META, hw: ["rev-A"] }, PAYLOAD)],
    ["unsigned", 422, "signature", "image is unsigned", () => buildUnsignedImage(PAYLOAD, SIM_META)],
    ["signed by a key the panel does not trust", 422, "signature", "not a trusted key", () => signedImage(SIM_META, PAYLOAD, stranger)],
    ["tampered after signing", 422, "signature", "altered after signing", () => Buffer.from(signedImage(SIM_META, PAYLOAD).toString("latin1").replace('"1.5.0"', '"1.9.0"'), "latin1")],
    ["older than the running firmware", 422, "version", "a downgrade", () => signedImage({ ...SIM_META, version: "1.3.0" }, PAYLOAD)],
    ["not a firmware image at all", 400, "integrity", "not a firmware image", () => Buffer.from("MZ this is an exe")],
  ])("%s → %i (%s) with the reason; no bootloader frame on the wire; refusal audited", async (_name, status, check, reason, build) => {
    const r = await upload(build());
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ check, field: "body" });
    expect(r.json().message).toContain(reason);
    await h.advance(1000);
    expect(bootloaderFrames()).toBe(0);
    expect(h.sim.wireLog.some((e) => e.includes(" < HELLO "))).toBe(true); // the wire log is live
    expect((await fwState()).state).toBe("idle");
    expect(audited("firmware.refused")[0]?.detail).toMatchObject({ check });
  });

  it("no trusted key in the data directory → 422 saying so", async () => {
    const { rmSync } = await import("node:fs");
    rmSync(join(h.dataDir, "firmware"), { recursive: true });
    const r = await upload(signedImage(SIM_META, PAYLOAD));
    expect(r.statusCode).toBe(422);
    expect(r.json().message).toMatch(/no firmware public key is configured/);
    expect(bootloaderFrames()).toBe(0);
  });

  it.each([
    ["an empty body", 400, "body", { "content-type": "application/octet-stream" }, Buffer.alloc(0), ""],
    ["JSON instead of the image", 415, "body", { "content-type": "application/json" }, Buffer.from("{}"), ""],
    ["allowDowngrade=maybe", 400, "allowDowngrade", { "content-type": "application/octet-stream" }, Buffer.from("x"), "?allowDowngrade=maybe"],
  ])("%s → %i naming %s", async (_name, status, field, headers, payload, query) => {
    const r = await h.call({ method: "POST", url: `/api/tech/firmware${query}`, headers: { ...auth, ...headers }, payload });
    expect(r.statusCode).toBe(status);
    expect(r.json().field).toBe(field);
  });

  it("during a therapy session → 409, and a program cannot start during an update", async () => {
    expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } })).statusCode).toBe(201);
    const r = await upload(signedImage(SIM_META, PAYLOAD));
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/during a therapy session/);
    expect(bootloaderFrames()).toBe(0);
  });
});

describe("flashing from the technician page", () => {
  it("a good signed image: 202, progress in bytes, % and rate, the bed answers with 1.5.0 from its other slot; sessions and the self-test wait; audited", async () => {
    const r = await upload(signedImage(SIM_META, PAYLOAD));
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ state: "running", fromVersion: SIM_IDENTITY.fw, imageVersion: "1.5.0", totalBytes: PAYLOAD.length });

    expect(await h.until(() => h.sim.wireLog.filter((e) => e.includes(" < DATA ")).length > 40, 60_000)).toBe(true);
    const mid = await fwState();
    expect(mid).toMatchObject({ state: "running", phase: "transfer" });
    expect(mid.percent).toBeGreaterThan(0);
    expect(mid.percent).toBeLessThan(100);
    expect(mid.bytesDone).toBeLessThan(PAYLOAD.length);
    expect((await h.call({ method: "POST", url: "/api/session/start", payload: { programId: "swedish", confirmations: CONFIRMED } })).json().message).toMatch(/firmware update is running/);
    expect((await h.call({ method: "POST", url: "/api/tech/diag", headers: auth, payload: {} })).statusCode).toBe(409);
    expect((await upload(signedImage(SIM_META, PAYLOAD))).statusCode).toBe(409);

    expect(await h.until(ended, FLASH_MAX_MS)).toBe(true);
    const done = await fwState();
    expect(done).toMatchObject({ state: "updated", percent: 100, runningVersion: "1.5.0", result: { outcome: "updated", bootSlot: "B", bytes: PAYLOAD.length } });
    expect(done.bytesPerS).toBeGreaterThan(0);
    expect(done.message).toBe(`Firmware 1.5.0 is running (was ${SIM_IDENTITY.fw}).`);
    expect(h.sim.bootloader.slots.B?.bytes).toEqual(new Uint8Array(PAYLOAD));
    expect(audited("firmware.").map((e) => e.action)).toEqual(["firmware.updated", "firmware.start"]);
    expect(audited("firmware.start")[0]).toMatchObject({ actor: "technician", remote: "127.0.0.1", detail: { from: SIM_IDENTITY.fw, to: "1.5.0" } });
  }, 30_000);

  it("a downgrade goes through only when allowed", async () => {
    expect((await upload(signedImage({ ...SIM_META, version: "1.3.0" }, PAYLOAD), "?allowDowngrade=true")).statusCode).toBe(202);
    expect(await h.until(ended, FLASH_MAX_MS)).toBe(true);
    expect(await fwState()).toMatchObject({ state: "updated", runningVersion: "1.3.0", downgrade: true });
  }, 30_000);

  it("an image that will not boot: the bed rolls back and the page says it still runs the old version", async () => {
    h.sim.injectFault(parseOneFault("boot-nohandshake"));
    expect((await upload(signedImage(SIM_META, PAYLOAD))).statusCode).toBe(202);
    expect(await h.until(ended, FLASH_MAX_MS)).toBe(true);
    const s = await fwState();
    expect(s).toMatchObject({ state: "rolled-back", runningVersion: SIM_IDENTITY.fw, result: { outcome: "rolled-back", bootSlot: "A" } });
    expect(s.message).toBe(`The new firmware 1.5.0 did not start: the bed rolled back and is still running ${SIM_IDENTITY.fw}.`);
    expect(audited("firmware.rolled-back")).toHaveLength(1);
  }, 30_000);
});
