// What `bedlink run` reports in the awkward cases: odd step labels in JUnit, an unwritable JUnit
// path, and --json when the bed cannot be reached.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toJunit } from "../../src/cli/runReport.ts";

function bedlink(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/bedlink.js", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("run reports: run reports", () => {
  it("JUnit XML stays well-formed for a step label with control characters (labels are free text)", () => {
    const xml = toJunit({
      program: "p", outcome: "completed", virtualDurationS: 1, wallMs: 1,
      steps: [{ index: 0, label: "Warm\u0007up\u0000", plannedStartMs: 0, actualStartMs: 0 }],
      maxElementC: { projector: 0, mat: 0 }, maxSkinC: 0, doseFraction: 0, faults: [], violations: [],
    } as never);
    // XML 1.0 forbids U+0000–U+0008, U+000B, U+000C, U+000E–U+001F even as character references.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  });

  it("--junit into a missing directory is a usage error before the run, and --json still prints the summary", () => {
    const dir = mkdtempSync(join(tmpdir(), "r4-"));
    const r = bedlink("run", "quick-10-relax", "--json", "--junit", join(dir, "no", "such", "dir", "x.xml"));
    // Today: the whole session runs, then writeFileSync throws → exit 1 ("completed with a violation") and empty stdout.
    expect(r.status).toBe(2);
  });

  it("--json prints one object even when the bed can't be reached (link failure, exit 6)", () => {
    const r = bedlink("run", "quick-10-relax", "--json", "--faults", "proto-version:2");
    expect(r.status).toBe(6);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
