// The showroom panel page: program choice with the day's suggestion, the pre-start checks, the running
// session, alarms, and the emergency stop. State comes from the server's live push (server-sent events).
import { TemperatureChart } from "./chart.js";
import { SpineFigure } from "./spine.js";
import { techGo, technicianToken } from "./tech.js";

const $ = (id) => document.getElementById(id);
const ACTIVITIES = [
  ["", "Today's plan"],
  ["rest", "Rest day"],
  ["intervals", "Intervals"],
  ["easy-run", "Easy run"],
  ["tempo-run", "Tempo run"],
  ["long-run", "Long run"],
  ["cross-training", "Cross-training"],
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const OUTCOME_TITLES = {
  completed: "Finished",
  stopped: "Stopped",
  faulted: "Stopped by a safety check",
  estopped: "Stopped: emergency stop",
};
const PRIORITY_WORDS = { high: "High", medium: "Medium", low: "Info" };

let status = null;
let programs = [];
let screening = { cover: "", questions: [] };
let activity = "";
let suggestedId = null;
let confirmFor = null;
let answers = {};
let cover = false;
/** The last scanned spine stays on the figure after the session ends, until the next one starts. */
let lastSpine = null;

const charts = {
  projector: new TemperatureChart($("chart-projector"), { color: "#ff9a3c", minC: 20, maxC: 70 }),
  mat: new TemperatureChart($("chart-mat"), { color: "#c77dff", minC: 20, maxC: 65 }),
};
const spine = new SpineFigure($("spine"));

async function api(method, url, body) {
  const headers = body === undefined ? {} : { "content-type": "application/json" };
  const token = technicianToken();
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { ok: res.ok, status: res.status, body: text ? JSON.parse(text) : null };
  } catch (err) {
    return { ok: false, status: 0, body: { message: "The panel server is not answering." } };
  }
}

const fmtTime = (ms) => {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  return `${h ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
};
const fmtC = (c) => (typeof c === "number" ? c.toFixed(1) : "--");

// ---- start view ----

function renderActivities() {
  const box = $("activities");
  box.replaceChildren(
    ...ACTIVITIES.map(([key, label]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.textContent = key === "" ? `${label} (${WEEKDAYS[new Date().getDay()].replace(/^./, (c) => c.toUpperCase())})` : label;
      b.setAttribute("aria-pressed", String(activity === key));
      b.onclick = () => {
        activity = key;
        renderActivities();
        loadSuggestion();
      };
      return b;
    }),
  );
}

async function loadSuggestion() {
  const q = activity ? `activity=${activity}` : `day=${WEEKDAYS[new Date().getDay()]}`;
  const r = await api("GET", `/api/programs/suggestion?${q}`);
  if (!r.ok) return;
  suggestedId = r.body.programId;
  const p = r.body.program;
  $("suggested-name").textContent = p ? p.name : "No program today";
  $("suggested-meta").textContent = p ? `${p.durationText} · ${p.description.replace(/^[A-Z][a-z]+day[^.]*\.\s*/, "")}` : "";
  $("suggested-why").textContent = r.body.reason.replace(/^[a-z0-9-]+: /, "");
  $("start-suggested").disabled = !p;
}

function renderPrograms() {
  $("programs").replaceChildren(
    ...programs.map((p) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "program";
      b.dataset.program = p.id;
      b.innerHTML = "<b></b><span></span>";
      b.querySelector("b").textContent = p.name;
      b.querySelector("span").textContent = `${p.durationText}${p.requiresRoller ? "" : " · heat only"}`;
      b.onclick = () => openConfirm(p.id);
      return b;
    }),
  );
}

// ---- pre-start confirmations ----

function openConfirm(programId) {
  const p = programs.find((x) => x.id === programId);
  if (!p) return;
  confirmFor = programId;
  cover = false;
  answers = {};
  $("confirm-program").textContent = `${p.name} · ${p.durationText}`;
  renderConfirm();
  openSheet("confirm-dialog");
}

// Sheets open non-modal over a scrim: a modal dialog would cover the emergency stop.
function openSheet(id) {
  $("scrim").hidden = false;
  $(id).show();
}
for (const id of ["confirm-dialog", "tech-dialog"]) $(id).addEventListener("close", () => ($("scrim").hidden = true));

function renderConfirm() {
  $("cover").setAttribute("aria-pressed", String(cover));
  $("questions").replaceChildren(
    ...screening.questions.map((q) => {
      const row = document.createElement("div");
      row.className = "question";
      const text = document.createElement("span");
      text.textContent = q.text;
      row.appendChild(text);
      for (const a of ["no", "yes"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "answer";
        b.dataset.q = q.key;
        b.dataset.a = a;
        b.textContent = a === "no" ? "No" : "Yes";
        b.setAttribute("aria-pressed", String(answers[q.key] === (a === "yes")));
        b.onclick = () => {
          answers[q.key] = a === "yes";
          renderConfirm();
        };
        row.appendChild(b);
      }
      return row;
    }),
  );
  const anyYes = screening.questions.some((q) => answers[q.key] === true);
  const allAnswered = screening.questions.every((q) => q.key in answers);
  $("refusal").hidden = !anyYes;
  $("refusal").textContent = anyYes ? "Not today: with a yes to any of these, heat and pressure need a doctor's clearance first." : "";
  $("confirm-start").disabled = !(cover && allAnswered && !anyYes);
}

async function confirmStart() {
  $("confirm-start").disabled = true;
  const r = await api("POST", "/api/session/start", { programId: confirmFor, confirmations: { cover: true, screening: answers } });
  if (r.ok) {
    $("confirm-dialog").close();
    lastSpine = null;
    return;
  }
  $("refusal").hidden = false;
  $("refusal").textContent = r.body?.message ?? "The bed did not start.";
}

// ---- live state ----

function renderStatus() {
  if (!status) return;
  const link = $("link");
  link.className = `link ${status.link === "up" ? "up" : "down"}`;
  $("link-text").textContent = status.link === "up" ? "Bed connected" : status.link === "down" ? "Bed not answering" : "Connecting";
  if (status.bed) {
    $("bed-id").textContent = `${status.bed.model} · ${status.bed.serial}`;
    spine.setTrack(status.bed.trackMm);
  }
  // Readings older than a few periods are the last known, not current: say how old, show no value.
  const stale = status.telemetryStale === true;
  const t = stale ? null : status.telemetry;
  const s = status.session;
  if (t && t.state !== "estop" && !status.latch) $("estop").classList.remove("pressed");
  const ageText = status.telemetryAgeMs == null ? "no readings yet" : `no readings for ${Math.round(status.telemetryAgeMs / 1000)} s`;
  $("projector-temp").textContent = fmtC(t?.projectorC);
  $("mat-temp").textContent = fmtC(t?.matC);
  $("projector-set").textContent = stale ? ageText : t && t.projectorSetC > 0 ? `heating to ${t.projectorSetC} °C` : "heater off";
  $("mat-set").textContent = stale ? ageText : t && t.matSetC > 0 ? `heating to ${t.matSetC} °C` : "heater off";
  $("projector-skin").textContent = s?.skinC && !stale ? `skin ≈ ${fmtC(s.skinC.projector)} °C` : "";
  $("latch").hidden = !status.latch;
  if (status.latch) $("latch-text").textContent = `${status.latch.text} Nothing heats or moves until a technician releases it (Technician → Release the emergency stop).`;
  $("start-suggested").disabled = !!status.latch || !suggestedId;
  if (stale) $("carriage-text").textContent = ageText;
  if (t) {
    charts.projector.add(t.tMs / 1000, t.projectorC, t.projectorSetC);
    charts.mat.add(t.tMs / 1000, t.matC, t.matSetC);
    spine.setCarriage(t);
    $("carriage-text").textContent = `${Math.round(t.positionMm)} mm from the head end${t.lift ? ` · pressure ${t.lift} of 6` : ""}`;
  }
  if (s?.spine) lastSpine = s.spine;
  spine.setSpine(s?.spine ?? lastSpine);

  $("run-view").hidden = !s;
  $("start-view").hidden = !!s;
  if (s) renderSession(s);
  else renderOutcome(status.lastSession);
}

function renderSession(s) {
  $("run-program").textContent = s.programName;
  $("state-text").textContent = s.stateText;
  $("time-left").textContent = fmtTime(s.timeLeftMs);
  $("pause").hidden = !s.allowed.pause;
  $("resume").hidden = !s.allowed.resume;
  $("abort").hidden = !s.allowed.abort;
  $("stop").disabled = !s.allowed.stop;
  const reasonBox = $("run-reason");
  const showReason = s.reason && s.state !== "running.step";
  reasonBox.hidden = !showReason;
  if (showReason) reasonBox.textContent = s.reason.text;
  const p = programs.find((x) => x.id === s.programId);
  if (p) {
    $("steps").replaceChildren(
      ...p.steps.map((st, i) => {
        const d = document.createElement("div");
        const running = s.state === "running.step" || s.state === "paused";
        d.className = `step${running && i === s.stepIndex ? " now" : ""}${i < s.stepIndex ? " done" : ""}`;
        d.innerHTML = "<span></span><span></span>";
        d.firstChild.textContent = st.label;
        d.lastChild.textContent = fmtTime(st.durationMs);
        return d;
      }),
    );
  }
}

function renderOutcome(last) {
  const box = $("outcome");
  box.hidden = !last;
  if (!last) return;
  box.className = `outcome ${last.reason?.priority ?? "low"}`;
  $("outcome-title").textContent = OUTCOME_TITLES[last.outcome] ?? last.outcome;
  const why = last.outcome === "completed" ? "ran to the end; the bed has cooled down and parked." : last.reason?.text ?? "";
  $("reason").textContent = `${last.programName}: ${why}`;
}

function renderAlarms(list) {
  const box = $("alarms");
  box.hidden = list.length === 0;
  box.replaceChildren(
    ...list.slice(0, 3).map((a) => {
      const row = document.createElement("div");
      row.className = `alarm ${a.priority}`;
      row.dataset.code = a.code;
      row.innerHTML = '<span class="prio"></span><span class="text"></span><button type="button">OK</button>';
      row.querySelector(".prio").textContent = PRIORITY_WORDS[a.priority];
      row.querySelector(".text").textContent = a.text;
      row.querySelector("button").onclick = () => api("POST", `/api/alarms/${a.id}/ack`);
      return row;
    }),
  );
}

function connectLive() {
  const es = new EventSource("/api/live");
  es.addEventListener("snapshot", (e) => {
    const snap = JSON.parse(e.data);
    status = snap;
    charts.projector.reset(snap.history, "projectorC", "projectorSetC");
    charts.mat.reset(snap.history, "matC", "matSetC");
    renderAlarms(snap.alarms);
    renderStatus();
  });
  es.addEventListener("tick", (e) => {
    status = JSON.parse(e.data);
    renderStatus();
  });
  es.addEventListener("alarms", (e) => renderAlarms(JSON.parse(e.data)));
  es.onerror = () => {
    $("link").className = "link down";
    $("link-text").textContent = "Panel reconnecting…";
  };
}

function frame() {
  charts.projector.draw();
  charts.mat.draw();
  requestAnimationFrame(frame);
}

// ---- wiring ----

$("estop").onclick = async () => {
  $("estop").classList.add("pressed");
  const r = await api("POST", "/api/estop");
  if (!r.ok) alert(r.body?.message ?? "The emergency stop was not confirmed. Help the person off the bed and switch it off at the mains switch.");
};
$("start-suggested").onclick = () => suggestedId && openConfirm(suggestedId);
$("cover").onclick = () => {
  cover = !cover;
  renderConfirm();
};
$("confirm-start").onclick = confirmStart;
for (const cmd of ["pause", "resume", "stop", "abort"]) {
  $(cmd).onclick = async () => {
    const r = await api("POST", `/api/session/${cmd}`);
    if (!r.ok && r.body?.message) {
      $("run-reason").hidden = false;
      $("run-reason").textContent = r.body.message;
    }
  };
}
$("tech-open").onclick = () => openSheet("tech-dialog");
$("tech-go").onclick = () => techGo(api);

const [progR, scrR] = await Promise.all([api("GET", "/api/programs"), api("GET", "/api/screening")]);
programs = progR.ok ? progR.body.programs : [];
if (scrR.ok) screening = scrR.body;
renderActivities();
renderPrograms();
loadSuggestion();
connectLive();
requestAnimationFrame(frame);
