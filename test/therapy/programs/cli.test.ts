// `bedlink programs …` as a technician runs it: output, and exit statuses that mean something.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validProgram } from "./fixtures.ts";

const bedlink = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["bin/bedlink.js", ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), "bedlink-programs-"));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

describe("bedlink programs", () => {
  it("list prints every built-in; --json gives machine-readable summaries", () => {
    const text = bedlink("programs", "list");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/heat-only\s+thermal\s+heat-therapy\s+30 min\s+heat only/);
    const json = bedlink("programs", "list", "--json");
    expect(json.status).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: string; minutes: number }[];
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.find((r) => r.id === "spinal-walk")?.minutes).toBe(20);
  });

  it("show describes steps with durations, temperatures and motion in words", () => {
    const r = bedlink("programs", "show", "trigger-point");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Cervicothoracic point \(3 min\): holds on the cervicothoracic junction for 45 s × 3, 15 s off between, lift 4; projector 46 °C, mat 45 °C/);
    expect(r.stdout).toMatch(/Cool-down \(2 min: heaters off, carriage parked at home\)/);
    const json = JSON.parse(bedlink("programs", "show", "heat-only", "--json").stdout) as { steps: { heat: object }[] };
    expect(json.steps[0]!.heat).toEqual({ projectorC: 45, matC: 48 });
  });

  it("show with an unknown id lists the valid ids and exits 2", () => {
    const r = bedlink("programs", "show", "hot-stones");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown program "hot-stones"; valid ids: .*full-body-relaxation.*spinal-walk/);
  });

  it("validate accepts a good file (exit 0) and rejects a bad one with each field and range (exit 2)", () => {
    const good = bedlink("programs", "validate", file("good.json", validProgram()));
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/valid — test-relax, 2 steps, 27 min/);

    const bad = validProgram();
    bad.steps[0]!.heat = { projectorC: 70 };
    bad.steps[1]!.durationMs = -1;
    bad.steps[1]!.motion = { kind: "sweep", from: "neck" as "cervical", to: "sacral", speedMmS: 15 };
    const r = bedlink("programs", "validate", file("bad.json", bad));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid program \(3 errors\)/);
    expect(r.stderr).toMatch(/steps\[0\]\.heat\.projectorC: must be 0–65 °C/);
    expect(r.stderr).toMatch(/steps\[1\]\.durationMs: must be a whole number > 0/);
    expect(r.stderr).toMatch(/steps\[1\]\.motion\.from\.region: region does not exist: "neck"/);

    const json = bedlink("programs", "validate", "--json", file("bad2.json", bad));
    expect(json.status).toBe(2);
    expect((JSON.parse(json.stdout) as { errors: unknown[] }).errors).toHaveLength(3);
  });

  it("validate on a missing file or broken JSON exits 2 with a clear message", () => {
    const missing = bedlink("programs", "validate", join(dir, "nope.json"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    const broken = bedlink("programs", "validate", file("broken.json", "{ not json"));
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/is not valid JSON/);
  });

  it("suggest: long run → post-run recovery; over 136 kg → heat only; bad flags exit 2", () => {
    const r = bedlink("programs", "suggest", "--activity", "long-run");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^post-run-recovery: Post-run recovery \(12 min\)/);
    const heavy = JSON.parse(bedlink("programs", "suggest", "--activity", "long-run", "--weight", "140", "--day", "saturday", "--json").stdout);
    expect(heavy).toMatchObject({ programId: "heat-only", rule: "over-roller-weight" });
    const bad = bedlink("programs", "suggest", "--activity", "jogging");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--activity must be one of rest, intervals, easy-run, tempo-run, long-run, cross-training; got "jogging"/);
    const weight = bedlink("programs", "suggest", "--day", "monday", "--weight", "-3");
    expect(weight.status).toBe(2);
    expect(weight.stderr).toMatch(/--weight must be a number 20–350 kg/);
  });
});
