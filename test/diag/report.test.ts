// The report a technician sends: a self-contained HTML file with the heater curves and the
// carriage trace drawn, or Markdown with text plots; rendered in a real browser when one is installed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFaultSpec } from "../../simulator/index.ts";
import { renderHtmlReport, renderMarkdownReport, type DiagReport } from "../../src/diag/index.ts";
import { runDiagOnSim } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = "test-artifacts";
const haveChromium = existsSync(CHROMIUM);

let healthy: DiagReport;
let endOpen: DiagReport;
beforeAll(async () => {
  healthy = (await runDiagOnSim()).report;
  endOpen = (await runDiagOnSim({ faults: parseFaultSpec("limit-stuck:end-open") })).report;
});

describe("the HTML report", () => {
  it("is one self-contained page: verdicts, both heater curves and the carriage trace as inline SVG, no scripts or external assets", () => {
    const html = renderHtmlReport(healthy);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("ALL CHECKS PASSED");
    expect(html).toContain("Bed diagnostics — CGM-V6-SIM SIM-000001");
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain("Projector heater: 60 s at full power");
    expect(html).toContain("Mat heater: 60 s at full power");
    expect(html).toContain("Carriage position (test speed 50 mm/s)");
    // The temperature curve is drawn from the samples: one path point per telemetry frame.
    const projectorPath = /<path d="([^"]+)" fill="none" stroke="#c0392b"/.exec(html)?.[1] ?? "";
    expect(projectorPath.split("L").length).toBeGreaterThan(500);
    for (const c of healthy.checks) expect(html).toContain(`id="check-${c.id}"`);
    expect(html).not.toMatch(/<script|<link |<img |src=|url\(|@import/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, "")).not.toMatch(/https?:\/\//);
  });

  it("a failed run leads with the failure and marks the fault on the carriage trace", () => {
    const html = renderHtmlReport(endOpen);
    expect(html).toContain("2 OF 10 CHECKS NOT PASSED");
    expect(html).toMatch(/<span class="badge fail">FAIL<\/span><\/td><td>the end switch stayed open/);
    expect(html).toContain("E_LIMIT_SWITCH — end switch silent at the end");
    expect(html).toMatch(/<td>E_LIMIT_SWITCH<\/td>/);
  });

  it("escapes what the device sends (a hostile serial number cannot inject markup)", () => {
    const evil = { ...healthy, device: { ...healthy.device!, serial: '<script>alert("x")</script>' } };
    const html = renderHtmlReport(evil);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("the Markdown report", () => {
  it("has the summary table, every measurement with its limit, and the curves as text plots", () => {
    const md = renderMarkdownReport(healthy);
    expect(md).toContain("# Bed diagnostics — CGM-V6-SIM SIM-000001");
    expect(md).toContain("| Heater rise: projector | ✅ PASS | rose ");
    expect(md).toMatch(/\| rise in 60 s \| \d\.\d K \| \d\.\d–\d\.\d K \(expected \d\.\d K ± 35 %\) \| ok \|/);
    expect(md).toContain("## Projector heater rise");
    expect(md).toContain("## Carriage position");
    expect(md.match(/```/g)).toHaveLength(6);
    expect(md).toContain("•");
  });
});

if (!haveChromium && process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: CI must install chromium (apt-get install -y chromium)`);
if (!haveChromium) console.warn(`skipping the report rendering test: ${CHROMIUM} not installed (apt-get install -y chromium)`);

describe.runIf(haveChromium)("the HTML report in a browser", () => {
  const dir = mkdtempSync(join(tmpdir(), "bedlink-diag-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("renders offline: every chart has a size, nothing is fetched, and a screenshot is kept for a person to look at", async () => {
    const file = join(dir, "diag.html");
    writeFileSync(file, renderHtmlReport(endOpen));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const fetched: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file://")) fetched.push(r.url());
      });
      await page.goto(`file://${file}`);
      const sizes = await page.$$eval("svg", (els) => els.map((e) => e.getBoundingClientRect()).map((r) => [Math.round(r.width), Math.round(r.height)]));
      expect(sizes).toHaveLength(4);
      for (const [w, h] of sizes) {
        expect(w).toBeGreaterThan(600);
        expect(h).toBeGreaterThan(150);
      }
      expect(fetched).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, "diag-report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(50_000);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
