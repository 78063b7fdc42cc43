// The technician sheet: log in with the technician secret, then run the self-test (each check's
// progress and verdict, the report), update the firmware (progress bar, outcome), and read link
// statistics and the device log. The token lives only in this page's memory; progress arrives on
// the technician stream (/api/tech/live), which the login cookie opens.
const $ = (id) => document.getElementById(id);
let techToken = null;
let stream = null;
let diagBusy = false;
let fwBusy = false;
let clearLog = false;
let allowDowngrade = false;
let apiCall = null;

const STATUS_WORDS = { pending: "Waiting", running: "Running", pass: "Pass", fail: "Fail", refused: "Refused", skipped: "Skipped" };
const PHASE_WORDS = { boot: "Preparing the bed's bootloader", transfer: "Sending the image", verify: "The bed is checking the image", reboot: "Restarting into the new firmware", complete: "Done" };

export const technicianToken = () => techToken;

export async function techGo(api) {
  apiCall = api;
  $("tech-error").hidden = true;
  if (!techToken) {
    const r = await api("POST", "/api/tech/login", { secret: $("tech-secret").value });
    if (!r.ok) {
      $("tech-error").hidden = false;
      $("tech-error").textContent = r.body?.message ?? "Login failed.";
      return;
    }
    techToken = r.body.token;
    $("tech-login").hidden = true;
    $("tech-tools").hidden = false;
    $("tech-go").textContent = "Refresh";
    $("tech-dialog").classList.add("wide");
    bindTools();
    openStream();
  }
  const [stats, log] = await Promise.all([api("GET", "/api/tech/link-stats"), api("GET", "/api/tech/device-log")]);
  $("tech-output").textContent = `Link\n${JSON.stringify(stats.body, null, 2)}\n\nDevice log\n${JSON.stringify(log.body, null, 2)}`;
}

function bindTools() {
  $("diag-run").onclick = runDiag;
  $("diag-abort").onclick = () => apiCall("POST", "/api/tech/diag/abort", {});
  $("diag-clear-log").onclick = () => toggle("diag-clear-log", (clearLog = !clearLog));
  $("fw-downgrade").onclick = () => toggle("fw-downgrade", (allowDowngrade = !allowDowngrade));
  $("fw-file").onchange = () => {
    const f = $("fw-file").files[0];
    $("fw-file-name").textContent = f ? `${f.name} · ${fmtBytes(f.size)}` : "Choose an image file…";
    updateButtons();
  };
  $("fw-update").onclick = uploadFirmware;
  $("release").onclick = release;
}

async function release() {
  $("release-error").hidden = true;
  const r = await apiCall("POST", "/api/tech/reset", {});
  if (!r.ok) {
    $("release-error").hidden = false;
    $("release-error").textContent = r.body?.message ?? "The bed did not release the stop.";
    return;
  }
  $("release-state").textContent = "Released: staff can start a program again.";
}

function toggle(id, on) {
  $(id).setAttribute("aria-pressed", String(on));
}

function openStream() {
  stream?.close();
  stream = new EventSource("/api/tech/live");
  stream.addEventListener("diag", (e) => renderDiag(JSON.parse(e.data)));
  stream.addEventListener("firmware", (e) => renderFirmware(JSON.parse(e.data)));
}

function showError(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text ?? "";
}

// ---- self-test ----

async function runDiag() {
  showError("diag-error", null);
  const r = await apiCall("POST", "/api/tech/diag", { clearLog });
  if (!r.ok) return showError("diag-error", r.body?.message ?? "The self-test could not start.");
  renderDiag(r.body);
}

function renderDiag(d) {
  diagBusy = d.state === "running" || d.state === "aborting";
  $("diag-abort").hidden = !diagBusy;
  $("diag-abort").disabled = d.state === "aborting";
  $("diag-run").hidden = diagBusy;
  setBar("diag-bar", d.state === "idle" ? 0 : d.fraction);
  const r = d.result;
  $("diag-summary").textContent =
    d.state === "running" ? `${Math.round(d.fraction * 100)} %` : d.state === "aborting" ? "Stopping…" : r ? `${r.overall === "pass" ? "All checks passed" : r.aborted ? "Stopped" : "Something needs attention"} · ${Math.round(r.durationMs / 1000)} s` : "";
  $("diag-summary").className = `verdict ${r && d.state === "finished" ? r.overall : ""}`;
  $("diag-report").hidden = !(d.state === "finished" && r);
  showError("diag-error", d.state === "failed" ? d.error : null);
  const open = new Set([...document.querySelectorAll("#diag-checks details[open]")].map((x) => x.dataset.id));
  $("diag-checks").replaceChildren(...d.checks.map((c) => checkRow(c, open.has(c.id))));
  updateButtons();
}

function checkRow(c, open) {
  const row = document.createElement("details");
  row.className = `check-row ${c.status}`;
  row.dataset.id = c.id;
  row.open = open;
  const line = c.status === "running" ? (c.step ?? "Running…") : c.status === "pending" ? "" : c.status === "pass" ? measureLine(c.measurements) || c.message : c.message;
  row.innerHTML = `<summary><span class="badge"></span><span class="check-title"></span><span class="check-line"></span></summary><table class="measures"></table>`;
  row.querySelector(".badge").textContent = STATUS_WORDS[c.status] ?? c.status;
  row.querySelector(".check-title").textContent = c.title;
  row.querySelector(".check-line").textContent = line;
  row.querySelector(".check-line").title = line;
  if (c.status === "running" && typeof c.fraction === "number") row.style.setProperty("--fraction", String(c.fraction));
  const table = row.querySelector(".measures");
  for (const m of c.measurements) {
    const tr = table.insertRow();
    tr.className = m.ok === false ? "out" : "";
    for (const text of [m.name, fmtValue(m), m.limit ?? "", m.ok === undefined ? "" : m.ok ? "ok" : "OUT"]) tr.insertCell().textContent = text;
  }
  if (c.message && c.status !== "pass") table.createCaption().textContent = c.message;
  return row;
}

/** The first measurements with a limit, as "value (limit)": what a technician glances at. */
function measureLine(ms) {
  return ms
    .filter((m) => m.limit)
    .slice(0, 2)
    .map((m) => `${m.name} ${fmtValue(m)} (${m.limit})`)
    .join(" · ");
}

const fmtValue = (m) => (m.value === null ? "—" : `${m.value}${m.unit ? ` ${m.unit}` : ""}`);

// ---- firmware ----

async function uploadFirmware() {
  const file = $("fw-file").files[0];
  if (!file) return;
  showError("fw-error", null);
  $("fw-result").hidden = true;
  fwBusy = true;
  updateButtons();
  $("fw-progress").textContent = `Checking ${file.name}…`;
  let r;
  try {
    const res = await fetch(`/api/tech/firmware?allowDowngrade=${allowDowngrade}`, { method: "POST", headers: { "content-type": "application/octet-stream", authorization: `Bearer ${techToken}` }, body: file });
    r = { ok: res.ok, body: await res.json() };
  } catch {
    r = { ok: false, body: { message: "The panel server is not answering." } };
  }
  if (!r.ok) {
    fwBusy = false;
    $("fw-progress").textContent = "";
    showError("fw-error", `Not sent to the bed: ${r.body?.message ?? "refused."}`);
    updateButtons();
    return;
  }
  renderFirmware(r.body);
}

function renderFirmware(f) {
  fwBusy = f.state === "running";
  $("fw-running").textContent = `The bed runs firmware ${f.runningVersion}`;
  if (f.state === "idle") return updateButtons();
  setBar("fw-bar", f.percent / 100);
  $("fw-progress").textContent = fwBusy ? progressLine(f) : "";
  const done = !fwBusy && f.message;
  $("fw-result").hidden = !done;
  if (done) {
    $("fw-result").className = `outcome ${f.state === "updated" ? "ok" : f.state === "rolled-back" ? "medium" : "high"}`;
    $("fw-result-title").textContent = f.state === "updated" ? `Updated to ${f.runningVersion}` : f.state === "rolled-back" ? `Rolled back, still running ${f.runningVersion}` : "Update failed";
    $("fw-result-text").textContent = f.message;
  }
  updateButtons();
}

function progressLine(f) {
  const parts = [PHASE_WORDS[f.phase] ?? f.phase, `${fmtBytes(f.bytesDone)} of ${fmtBytes(f.totalBytes)}`, `${f.percent.toFixed(0)} %`];
  if (f.bytesPerS) parts.push(`${fmtBytes(f.bytesPerS)}/s`);
  if (f.etaMs && f.phase === "transfer") parts.push(`${Math.ceil(f.etaMs / 1000)} s left`);
  if (f.resumes) parts.push(`resumed ${f.resumes}×`);
  return parts.join(" · ");
}

function fmtBytes(n) {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`;
}

function setBar(id, fraction) {
  $(id).firstElementChild.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
}

/** One technician job at a time: the server refuses the second anyway, the page says so first. */
function updateButtons() {
  $("diag-run").disabled = fwBusy;
  $("fw-update").disabled = diagBusy || fwBusy || !$("fw-file").files[0];
  $("fw-pick").classList.toggle("disabled", fwBusy);
}
