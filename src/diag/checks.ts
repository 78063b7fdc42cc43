// The quick checks: identity, link quality over a command burst, sensor sanity at rest, the
// device's error log and its usage counters. The driving tests live in heater.ts and carriage.ts.
import { HOST_PROTOCOL_RANGE, ZONES } from "../../protocols/constants.ts";
import type { InfoReply, LogReply } from "../device/bed.ts";
import {
  LINK_BURST_COMMANDS,
  LINK_BURST_GAP_MS,
  LINK_CRC_ERRORS_MAX,
  LINK_RETRANSMITS_MAX,
  LINK_RTT_MEDIAN_MAX_MS,
  LINK_RTT_P99_MAX_MS,
  LOAD_ZERO_MAX_KG,
  OCCUPIED_KG,
  SENSOR_AGREE_MAX_C,
  SENSOR_COLD_BELOW_C,
  SENSOR_NOISE_MAX_C,
  SENSOR_REST_MAX_C,
  SENSOR_REST_MIN_C,
  SENSOR_WATCH_MS,
} from "./constants.ts";
import { describeEvent, mean, round1, stdDev, type DiagContext } from "./context.ts";
import type { CheckResult, Measurement } from "./types.ts";

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

const statusOf = (ms: Measurement[]): "pass" | "fail" => (ms.some((m) => m.ok === false) ? "fail" : "pass");

export function checkIdentity(ctx: DiagContext): CheckResult {
  const at = ctx.now();
  const id = ctx.bed.identity;
  const [lo, hi] = HOST_PROTOCOL_RANGE;
  const text = (name: string, v: string): Measurement => ({ name, value: v, limit: "not empty", ok: v.trim().length > 0 });
  const ms: Measurement[] = [
    text("model", id.model),
    text("serial", id.serial),
    text("hardware revision", id.hw),
    text("firmware version", id.fw),
    { name: "protocol version", value: id.proto, limit: lo === hi ? `= ${lo}` : `${lo}–${hi}`, ok: id.proto >= lo && id.proto <= hi },
    { name: "boot slot", value: id.bootSlot },
    { name: "telemetry rate", value: id.telemetryHz, unit: "Hz" },
  ];
  const status = statusOf(ms);
  const message = status === "pass" ? `${id.model} ${id.serial}, hw ${id.hw}, firmware ${id.fw}, protocol ${id.proto}` : `identity incomplete: ${ms.filter((m) => m.ok === false).map((m) => m.name).join(", ")}`;
  return ctx.result("identity", at, status, message, ms);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** Heartbeats and INFO requests one after another; RTT measured per command, loss from the link's counters. */
export async function checkLink(ctx: DiagContext): Promise<CheckResult> {
  const at = ctx.now();
  const before = ctx.bed.stats();
  const rttsMs: number[] = [];
  let lost = 0;
  for (let i = 0; i < LINK_BURST_COMMANDS && !ctx.aborted; i++) {
    const sentMs = ctx.clock.now();
    try {
      if (i % 2 === 0) await ctx.bed.request("HB", {});
      else await ctx.bed.info();
      rttsMs.push(ctx.clock.now() - sentMs);
    } catch (err) {
      if (ctx.bed.linkState !== "up") throw err;
      lost++;
    }
    if (i % 10 === 9) ctx.step("link", `${i + 1}/${LINK_BURST_COMMANDS} commands`, (i + 1) / LINK_BURST_COMMANDS);
    await ctx.clock.sleep(LINK_BURST_GAP_MS);
  }
  const after = ctx.bed.stats();
  const retransmits = after.retransmits - before.retransmits;
  const crcErrors = after.crcErrors - before.crcErrors;
  const framesIn = after.framesIn - before.framesIn;
  const sorted = [...rttsMs].sort((a, b) => a - b);
  const medianMs = percentile(sorted, 0.5);
  const p99Ms = percentile(sorted, 0.99);
  const ms: Measurement[] = [
    { name: "RTT median", value: round1(medianMs), unit: "ms", limit: `≤ ${LINK_RTT_MEDIAN_MAX_MS} ms`, ok: medianMs <= LINK_RTT_MEDIAN_MAX_MS },
    { name: "RTT p99", value: round1(p99Ms), unit: "ms", limit: `≤ ${LINK_RTT_P99_MAX_MS} ms`, ok: p99Ms <= LINK_RTT_P99_MAX_MS },
    { name: "retransmits", value: retransmits, limit: `${LINK_RETRANSMITS_MAX === 0 ? "none" : `≤ ${LINK_RETRANSMITS_MAX}`} in ${LINK_BURST_COMMANDS} commands`, ok: retransmits <= LINK_RETRANSMITS_MAX },
    { name: "commands unanswered", value: lost, limit: "none", ok: lost === 0 },
    { name: "CRC errors", value: crcErrors, limit: `${LINK_CRC_ERRORS_MAX === 0 ? "none" : `≤ ${LINK_CRC_ERRORS_MAX}`} in ${framesIn + crcErrors} frames from the bed`, ok: crcErrors <= LINK_CRC_ERRORS_MAX },
    { name: "framing errors", value: after.framingErrors - before.framingErrors },
    { name: "frames in", value: framesIn },
  ];
  const status = statusOf(ms);
  let message = `${LINK_BURST_COMMANDS} commands: RTT median ${round1(medianMs)} ms, p99 ${round1(p99Ms)} ms, ${plural(retransmits, "retransmit")}, ${plural(crcErrors, "CRC error")}`;
  if (status === "fail") {
    const why: string[] = [];
    if (retransmits > LINK_RETRANSMITS_MAX || lost > 0) why.push(`${plural(retransmits, "retransmit")}${lost ? `, ${lost} unanswered` : ""}: commands are lost on the way to the bed (cable, connector, interference)`);
    if (crcErrors > LINK_CRC_ERRORS_MAX) why.push(`${crcErrors} of ${framesIn + crcErrors} frames from the bed failed their CRC (cable, ground, interference)`);
    if (medianMs > LINK_RTT_MEDIAN_MAX_MS || p99Ms > LINK_RTT_P99_MAX_MS) why.push(`slow answers (median ${round1(medianMs)} ms, p99 ${round1(p99Ms)} ms): a slow bridge or a busy bed`);
    message = `link quality poor: ${why.join("; ")}`;
  }
  return ctx.result("link", at, status, message, ms);
}

/** Both temperature sensors and the load sensor watched at rest for a couple of seconds. */
export async function checkSensors(ctx: DiagContext): Promise<CheckResult> {
  const at = ctx.now();
  await ctx.clock.sleep(SENSOR_WATCH_MS);
  const samples = ctx.recorder.between(at).map((s) => s.t);
  if (samples.length === 0) return ctx.result("sensors", at, "fail", `no telemetry from the bed in ${SENSOR_WATCH_MS / 1000} s`, []);
  const ms: Measurement[] = [];
  const findings: string[] = [];
  const meanC: Record<string, number> = {};
  for (const zone of ZONES) {
    const readings = samples.map((t) => (zone === "projector" ? t.projectorC : t.matC));
    const m = mean(readings);
    meanC[zone] = m;
    const lo = Math.min(...readings);
    const hi = Math.max(...readings);
    const inRange = lo >= SENSOR_REST_MIN_C && hi <= SENSOR_REST_MAX_C;
    ms.push({ name: `${zone} temperature`, value: round1(m), unit: "°C", limit: `${SENSOR_REST_MIN_C}–${SENSOR_REST_MAX_C} °C`, ok: inRange });
    const noise = stdDev(readings);
    ms.push({ name: `${zone} scatter (σ)`, value: Math.round(noise * 100) / 100, unit: "°C", limit: `≤ ${SENSOR_NOISE_MAX_C} °C`, ok: noise <= SENSOR_NOISE_MAX_C });
    if (lo <= -40) findings.push(`${zone} sensor reads ${round1(lo)} °C: open circuit (broken lead, or the sensor is out of its pocket)`);
    else if (hi >= 200) findings.push(`${zone} sensor reads ${round1(hi)} °C: short circuit (pinched or shorted leads)`);
    else if (!inRange) findings.push(`${zone} sensor reads ${round1(m)} °C at rest, outside ${SENSOR_REST_MIN_C}–${SENSOR_REST_MAX_C} °C${m > SENSOR_REST_MAX_C ? " (still warm from a session, or a heater on)" : ""}`);
    else if (noise > SENSOR_NOISE_MAX_C) findings.push(`${zone} sensor scatters ${noise.toFixed(2)} °C: a loose contact`);
  }
  const cold = meanC.projector! < SENSOR_COLD_BELOW_C && meanC.mat! < SENSOR_COLD_BELOW_C && meanC.projector! > SENSOR_REST_MIN_C && meanC.mat! > SENSOR_REST_MIN_C;
  const diffC = Math.abs(meanC.projector! - meanC.mat!);
  ms.push({
    name: "projector vs mat",
    value: round1(diffC),
    unit: "K",
    limit: `≤ ${SENSOR_AGREE_MAX_C} K when both are cold (< ${SENSOR_COLD_BELOW_C} °C)`,
    ...(cold ? { ok: diffC <= SENSOR_AGREE_MAX_C } : {}),
  });
  if (cold && diffC > SENSOR_AGREE_MAX_C) findings.push(`the two sensors disagree by ${round1(diffC)} K on a cold bed: one of them reads wrong`);

  const loads = samples.map((t) => t.loadKg);
  const loadKg = mean(loads);
  const occupied = loadKg >= OCCUPIED_KG;
  ms.push({ name: "load", value: round1(loadKg), unit: "kg", limit: `|load| < ${LOAD_ZERO_MAX_KG} kg with nobody on`, ...(occupied ? {} : { ok: Math.abs(loadKg) < LOAD_ZERO_MAX_KG }) });
  if (!occupied && Math.abs(loadKg) >= LOAD_ZERO_MAX_KG) findings.push(`load sensor reads ${round1(loadKg)} kg on an empty bed: something lies on it, or the sensor needs re-zeroing`);
  const notes = occupied ? [`someone is on the bed (${round1(loadKg)} kg): the load sensor's zero was not checked`] : [];
  for (const x of ctx.recorder.eventsSince(0)) if (x.e.code === "E_SENSOR_OPEN" || x.e.code === "E_SENSOR_SHORT") notes.push(`the bed reported ${describeEvent(x.e)}`);
  const status = statusOf(ms);
  const message = status === "pass"
    ? `projector ${round1(meanC.projector!)} °C, mat ${round1(meanC.mat!)} °C, load ${round1(loadKg)} kg`
    : findings.join("; ") || "a sensor reads outside its limits";
  return ctx.result("sensors", at, status, message, ms, notes);
}

export async function checkErrorLog(ctx: DiagContext, clear: boolean): Promise<{ result: CheckResult; log: LogReply }> {
  const at = ctx.now();
  const log = await ctx.bed.readLog(clear ? { clear: true } : {});
  const last = log.entries.at(-1);
  const ms: Measurement[] = [
    { name: "entries", value: log.entries.length },
    { name: "overwritten (dropped)", value: log.dropped },
  ];
  for (const e of log.entries.slice(-3).reverse()) ms.push({ name: `at ${(e.atMs / 1000).toFixed(1)} s`, value: e.detail ? `${e.code} (${e.detail})` : e.code });
  const message = `${log.entries.length} ${log.entries.length === 1 ? "entry" : "entries"}${log.dropped ? ` (+${log.dropped} overwritten)` : ""}${last ? `, latest ${last.code}${last.detail ? ` (${last.detail})` : ""}` : ""}${clear ? "; log cleared" : ""}`;
  return { result: ctx.result("errorLog", at, "pass", message, ms, clear ? ["the log was cleared after reading (--clear-log)"] : []), log };
}

export async function checkCounters(ctx: DiagContext): Promise<{ result: CheckResult; info: InfoReply }> {
  const at = ctx.now();
  const info = await ctx.bed.info();
  const k = info.counters;
  const hours = (s: number): number => Math.round((s / 3600) * 100) / 100;
  const ms: Measurement[] = [
    { name: "state", value: info.state },
    { name: "uptime", value: Math.round(info.uptimeMs / 1000), unit: "s" },
    { name: "projector heater (full-power)", value: hours(k.heaterProjectorS), unit: "h" },
    { name: "mat heater (full-power)", value: hours(k.heaterMatS), unit: "h" },
    { name: "carriage cycles", value: k.carriageCycles },
    { name: "sessions", value: k.sessions },
    { name: "boots", value: k.boots },
  ];
  const message = `${plural(k.sessions, "session")}, ${plural(k.carriageCycles, "carriage cycle")}, heaters ${hours(k.heaterProjectorS)} h / ${hours(k.heaterMatS)} h at full power, ${plural(k.boots, "boot")}`;
  return { result: ctx.result("counters", at, "pass", message, ms), info };
}
