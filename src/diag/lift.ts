// Lift test: each intensity level 1–6 set and read back from telemetry, then retracted.
// Refused with someone on the bed: level 6 presses hard, and nobody asked for it. The load is
// looked at again before every level, so someone lying down mid-test gets the lift retracted.
import { LIFT_READBACK_MS, OCCUPIED_KG } from "./constants.ts";
import { describeEvent, isLatched, isOccupied, readyForActuators, round1, type DiagContext } from "./context.ts";
import type { CheckResult, Measurement } from "./types.ts";

const occupiedMessage = (loadKg: number): string => `someone is on the bed (load ${round1(loadKg)} kg ≥ ${OCCUPIED_KG} kg): the lift test presses up to level 6 and needs an empty bed`;

export async function checkLift(ctx: DiagContext): Promise<CheckResult> {
  const at = ctx.now();
  const first = await ctx.fresh();
  if (isOccupied(first)) return ctx.result("lift", at, "refused", occupiedMessage(first.loadKg), []);
  const ready = await readyForActuators(ctx);
  if (!ready.ok) return ctx.result("lift", at, "skipped", `not run: ${ready.reason}`, []);
  const ms: Measurement[] = [];
  const findings: string[] = [];
  let refusal: string | undefined;
  const levels = Array.from({ length: ctx.bed.identity.limits.liftMax }, (_, i) => i + 1);
  try {
    for (const level of [...levels, 0]) {
      ctx.step("lift", `level ${level}`, level === 0 ? 1 : level / levels.length);
      if (level > 0) {
        // A fresh frame, not the last one: a person getting on adds ~50 kg/s while the load ramps.
        const now = await ctx.fresh();
        if (isOccupied(now)) {
          refusal = level === 1 ? occupiedMessage(now.loadKg) : `stopped before level ${level}: someone got on the bed (load ${round1(now.loadKg)} kg ≥ ${OCCUPIED_KG} kg); lift retracted`;
          break;
        }
      }
      const sentMs = ctx.now();
      await ctx.bed.setLift(level);
      const t = await ctx.bed.waitForTelemetry((x) => x.lift === level || isLatched(x.state), LIFT_READBACK_MS).catch(() => undefined);
      const ok = t?.lift === level;
      const name = level === 0 ? "retracted (0)" : `level ${level}`;
      ms.push({ name, value: t ? `read back ${t.lift} in ${((ctx.now() - sentMs) / 1000).toFixed(1)} s` : "no read-back", limit: `${level} within ${LIFT_READBACK_MS / 1000} s`, ok });
      if (!ok) {
        const e = ctx.lastFaultSince(sentMs);
        findings.push(t && isLatched(t.state) ? `the bed tripped to ${t.state} at level ${level}${e ? `: ${describeEvent(e)}` : ""}` : `level ${level} set but the lift reads ${t?.lift ?? "nothing"}: actuator or its position sensor`);
        break;
      }
    }
  } finally {
    await ctx.bed.setLift(0).catch(() => {});
  }
  if (refusal) return ctx.result("lift", at, "refused", refusal, ms, ready.notes);
  const status = findings.length ? "fail" : "pass";
  return ctx.result("lift", at, status, status === "pass" ? `levels ${levels.join(", ")} set and read back, then retracted` : findings.join("; "), ms, ready.notes);
}
