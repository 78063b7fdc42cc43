// A runner says what they did today; the bed suggests a program, with the overrides that come first.
import { describe, expect, it } from "vitest";
import { ACTIVITIES, WEEKDAYS, suggestProgram } from "../../../src/therapy/programs/suggest.ts";
import { findProgram } from "../../../src/therapy/programs/library.ts";

describe("suggesting a program from the runner's day", () => {
  it.each([
    ["rest", "full-body-relaxation"],
    ["intervals", "deep-tissue"],
    ["easy-run", "myofascial-release"],
    ["tempo-run", "sports-massage"],
    ["long-run", "post-run-recovery"],
    ["cross-training", "trigger-point"],
  ] as const)("after %s → %s", (activity, programId) => {
    const s = suggestProgram({ activity });
    expect(s.programId).toBe(programId);
    expect(s.rule).toBe("schedule");
    expect(s.reason.length).toBeGreaterThan(10);
  });

  it("every activity and weekday suggests a built-in", () => {
    for (const activity of ACTIVITIES) expect(findProgram(suggestProgram({ activity }).programId!)).toBeDefined();
    for (const day of WEEKDAYS) expect(findProgram(suggestProgram({ day }).programId!)).toBeDefined();
  });

  it("falls back to the weekday's plan, with Friday's rest day as Swedish", () => {
    expect(suggestProgram({ day: "monday" }).programId).toBe("full-body-relaxation");
    expect(suggestProgram({ day: "friday" }).programId).toBe("swedish");
    expect(suggestProgram({ activity: "rest", day: "friday" }).programId).toBe("swedish");
    expect(suggestProgram({ day: "saturday" }).programId).toBe("post-run-recovery");
    expect(suggestProgram({ day: "sunday" }).reason).toMatch(/Sunday is cross training/);
  });

  it("over 136 kg → heat only, whatever the day", () => {
    const s = suggestProgram({ activity: "long-run", weightKg: 140 });
    expect(s).toMatchObject({ programId: "heat-only", rule: "over-roller-weight" });
    expect(s.reason).toMatch(/140 kg is over the roller limit of 136 kg/);
    expect(suggestProgram({ activity: "long-run", weightKg: 136 }).programId).toBe("post-run-recovery");
  });

  it("an acutely swollen joint → nothing with heat or deep pressure, and says why", () => {
    const s = suggestProgram({ activity: "intervals", weightKg: 150, acuteSwelling: true });
    expect(s).toMatchObject({ programId: null, rule: "acute-swelling", alternatives: [] });
    expect(s.reason).toMatch(/48–72 h/);
    expect(s.reason).toMatch(/no heat and no deep pressure/);
  });

  it("post-run recovery belongs within 1–2 h of the long run; later → gentle relaxation", () => {
    expect(suggestProgram({ activity: "long-run", hoursSinceRun: 1.5 }).programId).toBe("post-run-recovery");
    const late = suggestProgram({ activity: "long-run", hoursSinceRun: 4 });
    expect(late).toMatchObject({ programId: "full-body-relaxation", rule: "recovery-window-passed" });
    expect(late.reason).toMatch(/1–2 h window/);
  });

  it("right after a hard run the day's program comes with post-run recovery as the lighter choice", () => {
    expect(suggestProgram({ activity: "intervals", hoursSinceRun: 1 }).alternatives).toContain("post-run-recovery");
    expect(suggestProgram({ activity: "intervals", hoursSinceRun: 6 }).alternatives).not.toContain("post-run-recovery");
  });
});
