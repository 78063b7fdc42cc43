// The technician page in a real browser (Debian chromium driven by playwright-core) on the built-in
// simulator: log in, run the self-test and watch every check get its verdict, open the report, then
// update the firmware with a signed image. Screenshots go to test-artifacts/.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIM_IDENTITY } from "../../simulator/constants.ts";
import type { SimulatedBed } from "../../simulator/index.ts";
import { CHECK_IDS } from "../../src/diag/index.ts";
import { signImage } from "../../src/firmware/sign.ts";
import { openStore, type PanelStore } from "../../src/store/index.ts";
import { ARTIFACTS, chromiumAvailable, openPanelInBrowser } from "./browser.ts";

/** The simulator at 50× real time: the self-test's ≈ 4 minutes of bed time take a few seconds. */
const SIM_SPEED = 50;
const haveChromium = chromiumAvailable("the technician browser test");

describe.runIf(haveChromium)("the technician page in a browser", () => {
  let context: BrowserContext;
  let page: Page;
  let url: string;
  let sim: SimulatedBed;
  let store: PanelStore;
  let secret: string;
  let close: () => Promise<void>;
  const dataDir = mkdtempSync(join(tmpdir(), "bedlink-e2e-tech-"));
  const key = generateKeyPairSync("ed25519");

  beforeAll(async () => {
    mkdirSync(join(dataDir, "firmware", "trusted-keys"), { recursive: true });
    writeFileSync(join(dataDir, "firmware", "trusted-keys", "test.pem"), key.publicKey.export({ type: "spki", format: "pem" }));
    store = openStore(dataDir);
    secret = (await store.technician.ensureSecret())!;
    // Nobody on the bed: the heater rise tests run (they refuse with someone lying on it).
    const opened = await openPanelInBrowser({ store, seed: 4, simSpeed: SIM_SPEED, person: null });
    ({ url, sim, close, context } = opened);
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a technician logs in, runs the self-test, sees every check listed with its verdict, and opens the report", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const p = page;
    await p.goto(url);
    await expect.poll(() => p.locator("#link-text").textContent(), { timeout: 10_000 }).toBe("Bed connected");
    await p.locator("#tech-open").click();
    await p.locator("#tech-secret").fill(secret);
    await p.locator("#tech-go").click();
    await expect.poll(() => p.locator("#tech-tools").isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => p.locator("#diag-checks .check-row").count()).toBe(CHECK_IDS.length);

    await p.locator("#diag-run").click();
    await expect.poll(() => p.locator("#diag-checks .check-row.running").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => p.locator("#diag-checks .check-row.running .check-line").first().textContent(), { timeout: 20_000 }).toMatch(/s left/);
    await p.screenshot({ path: join(ARTIFACTS, "tech-diag-running.png") });

    await expect.poll(() => p.locator("#diag-report").isVisible(), { timeout: 60_000 }).toBe(true);
    const rows = p.locator("#diag-checks .check-row");
    expect(await rows.count()).toBe(CHECK_IDS.length);
    for (const row of await rows.all()) {
      const title = await row.locator(".check-title").textContent();
      expect(await row.getAttribute("class"), `${title}: ${await row.locator(".check-line").textContent()}`).toBe("check-row pass");
      expect(await row.locator(".badge").textContent()).toBe("Pass");
    }
    expect(await p.locator("#diag-summary").textContent()).toMatch(/All checks passed/);
    await expect.poll(() => p.locator("#diag-bar > span").evaluate((e) => e.getBoundingClientRect().width / e.parentElement!.getBoundingClientRect().width)).toBeGreaterThan(0.99);
    await p.screenshot({ path: join(ARTIFACTS, "tech-diag.png") });
    // A row opens to show every measurement against its limit.
    await rows.filter({ hasText: "Heater rise: projector" }).locator("summary").click();
    await expect.poll(() => rows.filter({ hasText: "Heater rise: projector" }).locator(".measures").textContent()).toMatch(/rise in 60 s.*expected/);
    await p.screenshot({ path: join(ARTIFACTS, "tech-diag-detail.png") });

    const [report] = await Promise.all([context.waitForEvent("page"), p.locator("#diag-report").click()]);
    await report.waitForLoadState();
    expect(await report.content()).toContain("Heater rise: projector");
    await report.close();
    expect(store.audit.recent(10).map((e) => e.action)).toEqual(expect.arrayContaining(["diag.start", "diag.finish"]));
  }, 90_000);

  it("the technician updates the firmware: a wrong-model image is refused with the reason, a good one shows progress and the new version", async () => {
    const p = page;
    // Big enough that the page shows the transfer under way (one progress push every 200 ms of real time).
    const payload = Buffer.alloc(3 * 1024 * 1024, 0x5a);
    const wrong = signImage(payload, { model: "CG-V5", hw: [SIM_IDENTITY.hw], version: "1.5.0" }, key.privateKey).bytes;
    await p.locator("#fw-file").setInputFiles({ name: "cg-v5-1.5.0.bfw", mimeType: "application/octet-stream", buffer: wrong });
    await p.locator("#fw-update").click();
    await expect.poll(() => p.locator("#fw-error").textContent(), { timeout: 10_000 }).toContain(`image is for model CG-V5, this bed is ${SIM_IDENTITY.model}`);
    expect(sim.wireLog.some((e) => / < BOOT /.test(e))).toBe(false);

    // Record every progress line the page shows: at 50× the transfer is over in a blink.
    await p.evaluate(() => {
      const el = document.getElementById("fw-progress")!;
      const lines: string[] = ((window as unknown as { fwLines: string[] }).fwLines = []);
      new MutationObserver(() => lines.push(el.textContent ?? "")).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const good = signImage(payload, { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version: "1.5.0" }, key.privateKey).bytes;
    await p.locator("#fw-file").setInputFiles({ name: "cgm-v6-sim-1.5.0.bfw", mimeType: "application/octet-stream", buffer: good });
    await p.locator("#fw-update").click();
    await expect.poll(() => p.locator("#fw-progress").textContent(), { timeout: 10_000 }).toMatch(/^Sending the image/);
    await p.screenshot({ path: join(ARTIFACTS, "tech-firmware-progress.png") });
    await expect.poll(() => p.locator("#fw-result-title").textContent(), { timeout: 60_000 }).toBe("Updated to 1.5.0");
    expect(await p.locator("#fw-running").textContent()).toBe("The bed runs firmware 1.5.0");
    expect(await p.locator("#fw-bar > span").getAttribute("style")).toContain("width: 100%");
    const lines = await p.evaluate(() => (window as unknown as { fwLines: string[] }).fwLines);
    expect(lines.some((l) => /^Sending the image · [\d.]+ (kB|MB) of 3\.0 MB · \d+ % · [\d.]+ kB\/s/.test(l)), lines.join("\n")).toBe(true);
    await expect.poll(() => p.locator("#fw-bar > span").evaluate((e) => e.getBoundingClientRect().width / e.parentElement!.getBoundingClientRect().width)).toBeGreaterThan(0.99);
    await p.screenshot({ path: join(ARTIFACTS, "tech-firmware.png") });
    expect(sim.bootloader.slots.B?.bytes).toEqual(new Uint8Array(payload));
  }, 90_000);
});
