// The panel in a real browser (Debian chromium driven by playwright-core) against the built-in
// simulator: start the day's program, watch the projectors warm, press emergency stop, see the page
// say stopped and the simulator's heaters off. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedBed } from "../../simulator/index.ts";
import { openStore, type PanelStore } from "../../src/store/index.ts";
import { ARTIFACTS, chromiumAvailable, openPanelInBrowser } from "./browser.ts";

/** The simulator at 20× real time: homing and the spine scan (~36 s of bed time) take under 2 s. */
const SIM_SPEED = 20;
const haveChromium = chromiumAvailable("the browser test");

describe.runIf(haveChromium)("the showroom panel in a browser", () => {
  let browser: Browser;
  let url: string;
  let sim: SimulatedBed;
  let store: PanelStore;
  let close: () => Promise<void>;
  let secret: string;
  const dataDir = mkdtempSync(join(tmpdir(), "bedlink-e2e-"));

  beforeAll(async () => {
    store = openStore(dataDir);
    secret = (await store.technician.ensureSecret())!;
    const opened = await openPanelInBrowser({ store, seed: 3, simSpeed: SIM_SPEED });
    ({ url, sim, close } = opened);
    browser = opened.context.browser()!;
  }, 60_000);

  afterAll(async () => {
    await close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts the suggested program, shows the projectors warming, and stops everything on the emergency stop", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = browser?.contexts()[0];
    const page = context ? (context.pages()[0] ?? (await context.newPage())) : undefined;
    expect(page, "a browser page").toBeDefined();
    const p = page!;
    await p.goto(url);
    await expect.poll(() => p.locator("#link-text").textContent(), { timeout: 10_000 }).toBe("Bed connected");
    await p.locator("#activities .chip", { hasText: "Long run" }).click();
    await expect.poll(() => p.locator("#suggested-name").textContent()).toBe("Post-run recovery");
    await p.screenshot({ path: join(ARTIFACTS, "panel-start.png") });

    // One tap on the suggestion, then the pre-start checks.
    await p.locator("#start-suggested").click();
    await expect(p.locator("#confirm-start").isDisabled()).resolves.toBe(true);
    await p.locator("#cover").click();
    for (const no of await p.locator('#questions .answer[data-a="no"]').all()) await no.click();
    await p.screenshot({ path: join(ARTIFACTS, "panel-confirm.png") });
    await p.locator("#confirm-start").click();
    await expect.poll(() => p.locator("#state-text").textContent(), { timeout: 10_000 }).not.toBe("");

    const readC = async (): Promise<number> => Number(await p.locator("#projector-temp").textContent());
    await expect.poll(() => p.locator("#state-text").textContent(), { timeout: 20_000 }).toBe("Running");
    const startC = await readC();
    await expect.poll(readC, { timeout: 30_000, message: "projector temperature on the page rises" }).toBeGreaterThan(startC + 2);
    await p.screenshot({ path: join(ARTIFACTS, "panel-running.png") });

    await p.locator("#estop").click();
    await expect.poll(() => p.locator("#outcome-title").textContent(), { timeout: 10_000 }).toContain("Stopped");
    await expect.poll(() => p.locator("#reason").textContent()).toContain("Emergency stop");
    await expect.poll(() => p.locator(".alarm.high").count()).toBeGreaterThan(0);
    const truth = sim.truth;
    expect(truth.state).toBe("estop");
    expect(truth.zones.projector.duty).toBe(0);
    expect(truth.zones.mat.duty).toBe(0);
    expect(truth.zones.projector.heaterPowerW).toBe(0);
    await p.screenshot({ path: join(ARTIFACTS, "panel-estopped.png") });
    const history = store.sessions.list({ limit: 1 });
    expect(history[0]?.outcome).toBe("estopped");

    // The stop stays latched: staff see why and cannot start; a technician releases it.
    await expect.poll(() => p.locator("#latch").isVisible()).toBe(true);
    await expect.poll(() => p.locator("#latch-text").textContent()).toContain("technician");
    expect(await p.locator("#start-suggested").isDisabled()).toBe(true);
    await p.screenshot({ path: join(ARTIFACTS, "panel-latched.png") });
    await p.locator("#tech-open").click();
    await p.locator("#tech-secret").fill(secret);
    await p.locator("#tech-go").click();
    await p.locator("#release").click();
    await expect.poll(() => p.locator("#release-state").textContent(), { timeout: 10_000 }).toContain("Released");
    await p.keyboard.press("Escape");
    await expect.poll(() => p.locator("#latch").isVisible(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => sim.truth.state, { timeout: 10_000 }).not.toBe("estop");
    await p.screenshot({ path: join(ARTIFACTS, "panel-released.png") });
  }, 90_000);
});
