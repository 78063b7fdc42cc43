// The report a technician sends: one self-contained HTML file (inline CSS and SVG, no scripts,
// no external assets) with the verdicts first, the curves, then every measurement and the log.
import { carriageCharts, heaterChart } from "./charts.ts";
import { escapeXml as esc } from "./svg.ts";
import { formatValue, sentence } from "./table.ts";
import type { CheckResult, DiagReport } from "./types.ts";

const STATUS_LABEL: Record<CheckResult["status"], string> = { pass: "PASS", fail: "FAIL", refused: "REFUSED", skipped: "SKIPPED" };

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.45}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#555;margin:0 0 12px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:18px;color:#fff}
.verdict.pass{background:#1e8449}.verdict.fail{background:#b03a2e}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{background:#f5f5f5;font-weight:600}
table.m{table-layout:fixed}table.m th:nth-child(1){width:36%}table.m th:nth-child(2){width:22%}table.m th:nth-child(3){width:34%}
td.num,td.name{white-space:nowrap}
.badge{display:inline-block;min-width:64px;text-align:center;padding:2px 6px;border-radius:4px;font-weight:700;font-size:12px;color:#fff}
.badge.pass{background:#1e8449}.badge.fail{background:#b03a2e}.badge.refused{background:#b9770e}.badge.skipped{background:#7f8c8d}
.ok{color:#1e8449;font-weight:600}.out{color:#b03a2e;font-weight:700}
.note{color:#555;font-size:13px;margin:2px 0}
.chart{margin:8px 0 16px;border:1px solid #e3e3e3;border-radius:6px;padding:6px;background:#fff;overflow-x:auto}
.chart svg{max-width:100%;height:auto}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:6px 0}dt{color:#555}dd{margin:0}
footer{margin-top:32px;color:#777;font-size:12px}
@media print{.chart{break-inside:avoid}h2{break-after:avoid}}
`;

function badge(status: CheckResult["status"]): string {
  return `<span class="badge ${status}">${STATUS_LABEL[status]}</span>`;
}

function checkDetails(c: CheckResult): string {
  const rows = c.measurements
    .map((m) => `<tr><td>${esc(m.name)}</td><td class="num">${esc(formatValue(m))}</td><td>${esc(m.limit ?? "")}</td><td>${m.ok === undefined ? "" : m.ok ? '<span class="ok">ok</span>' : '<span class="out">OUT</span>'}</td></tr>`)
    .join("\n");
  const table = rows ? `<table class="m"><thead><tr><th>measurement</th><th>value</th><th>limit</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : "";
  const notes = c.notes.map((n) => `<p class="note">Note: ${esc(sentence(n))}</p>`).join("");
  return `<h3 id="check-${esc(c.id)}">${badge(c.status)} ${esc(c.title)}</h3><p>${esc(c.message)}</p>${table}${notes}`;
}

export function renderHtmlReport(r: DiagReport): string {
  const d = r.device;
  const title = d ? `Bed diagnostics — ${d.model} ${d.serial}` : "Bed diagnostics";
  const notPassed = r.checks.filter((c) => c.status !== "pass");
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(`<p class="sub">${d ? `Hardware ${esc(d.hw)} · firmware ${esc(d.fw)} · protocol ${d.proto} · boot slot ${esc(d.bootSlot)}` : "Device identity unknown"}${r.startedAt ? ` · run ${esc(r.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}` : ""} · ${(r.durationMs / 1000).toFixed(0)} s</p>`);
  parts.push(`<p><span class="verdict ${r.overall}">${r.overall === "pass" ? "ALL CHECKS PASSED" : `${notPassed.length} OF ${r.checks.length} CHECKS NOT PASSED`}</span></p>`);
  if (r.linkLost) parts.push(`<p class="out">The link to the bed was lost during the run; the remaining checks were not run.</p>`);

  parts.push(`<h2>Summary</h2><table><thead><tr><th>check</th><th>result</th><th>finding</th></tr></thead><tbody>`);
  for (const c of r.checks) parts.push(`<tr><td class="name"><a href="#check-${esc(c.id)}">${esc(c.title)}</a></td><td>${badge(c.status)}</td><td>${esc(c.message)}</td></tr>`);
  parts.push(`</tbody></table>`);
  const e = r.endState;
  parts.push(e
    ? `<p><strong>Bed at the end:</strong> ${esc(e.state)}, heaters ${e.projectorSetC}/${e.matSetC} °C, lift ${e.lift}, carriage ${e.parked ? "parked at home" : `at ${e.positionMm} mm`}.${e.notes.map((n) => ` ${esc(sentence(n))}`).join("")}</p>`
    : `<p class="out"><strong>Bed at the end:</strong> unknown (link lost); the bed's lease makes it safe on its own within a second.</p>`);

  const heaters = Object.values(r.curves.heater);
  if (heaters.length || r.curves.carriage) {
    parts.push(`<h2>Curves</h2>`);
    for (const c of heaters) parts.push(`<div class="chart">${heaterChart(c)}</div>`);
    if (r.curves.carriage && r.curves.carriage.points.length) parts.push(`<div class="chart">${carriageCharts(r.curves.carriage).replace("\n<svg", '</div><div class="chart"><svg')}</div>`);
  }

  parts.push(`<h2>Checks in detail</h2>`);
  for (const c of r.checks) parts.push(checkDetails(c));

  parts.push(`<h2>Device error log${r.logCleared ? " (cleared after reading)" : ""}</h2>`);
  if (r.errorLog && r.errorLog.entries.length) {
    parts.push(`<table><thead><tr><th>device time</th><th>code</th><th>detail</th></tr></thead><tbody>`);
    for (const x of r.errorLog.entries) parts.push(`<tr><td class="num">${(x.atMs / 1000).toFixed(1)} s</td><td>${esc(x.code)}</td><td>${esc(x.detail ?? "")}</td></tr>`);
    parts.push(`</tbody></table>${r.errorLog.dropped ? `<p class="note">${r.errorLog.dropped} older entries were overwritten.</p>` : ""}`);
  } else parts.push(`<p>${r.errorLog ? "Empty." : "Not read."}</p>`);

  if (r.counters) {
    const k = r.counters.counters;
    parts.push(`<h2>Usage counters</h2><dl><dt>state</dt><dd>${esc(r.counters.state)}</dd><dt>uptime</dt><dd>${(r.counters.uptimeMs / 1000).toFixed(0)} s</dd><dt>projector heater</dt><dd>${(k.heaterProjectorS / 3600).toFixed(2)} h at full power</dd><dt>mat heater</dt><dd>${(k.heaterMatS / 3600).toFixed(2)} h at full power</dd><dt>carriage cycles</dt><dd>${k.carriageCycles}</dd><dt>sessions</dt><dd>${k.sessions}</dd><dt>boots</dt><dd>${k.boots}</dd></dl>`);
  }
  if (d) {
    const L = d.limits;
    parts.push(`<h2>Device limits (from its handshake)</h2><dl><dt>projector max</dt><dd>${L.projectorMaxC} °C</dd><dt>mat max</dt><dd>${L.matMaxC} °C</dd><dt>cut-out</dt><dd>${L.cutoutC} °C</dd><dt>track</dt><dd>${L.trackMm} mm</dd><dt>speed</dt><dd>${L.speedMinMmS}–${L.speedMaxMmS} mm/s, ${L.accelMmS2} mm/s²</dd><dt>lift</dt><dd>0–${L.liftMax}</dd><dt>load sensor</dt><dd>${L.loadMaxKg} kg full scale; roller limit ${L.rollerMaxKg} kg</dd><dt>motor trip</dt><dd>${L.motorTripMa} mA</dd><dt>lease</dt><dd>${L.leaseMs} ms</dd></dl>`);
  }
  parts.push(`<footer>Generated by bedlink diag (report format ${r.formatVersion}). Limits are the controller's acceptance limits; expected heater rates and travel times come from the bed's heater power, heat capacity, speed and acceleration.</footer></body></html>`);
  return parts.join("\n");
}
