// `bedlink run` with nobody watching: an empty bed is said so and ends the run (exit 3) after
// --occupancy-wait; a bed that falls silent mid-session ends it as a fault with its JSON summary,
// never a stack trace.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function bedlink(...args: string[]) {
  const r = spawnSync(process.execPath, ["--unhandled-rejections=strict", "bin/bedlink.js", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bedlink run, unattended", () => {
  it("the person gets off mid-program and nobody comes back → a line says so, then stopped after --occupancy-wait, exit 3", () => {
    const r = bedlink("run", "deep-tissue", "--faults", "person-off@300s", "--occupancy-wait", "30s");
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toContain("nobody on the bed; waiting up to 30 s (--occupancy-wait)");
    expect(r.stdout).toMatch(/^deep-tissue: stopped — Nobody on the bed for 30 s/);
  });

  it("nobody on the bed from the start → exit 3 after the default 2 min, JSON says why", () => {
    const r = bedlink("run", "quick-10-relax", "--person", "nobody", "--json");
    expect(r.status, r.stderr).toBe(3);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ outcome: "stopped", reason: { code: "NOBODY_ON_BED" } });
    expect(s.virtualDurationS).toBeGreaterThanOrEqual(120);
    expect(s.virtualDurationS).toBeLessThan(130);
  });

  it("a bad --occupancy-wait is a usage error naming the range", () => {
    const r = bedlink("run", "quick-10-relax", "--occupancy-wait", "1s");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--occupancy-wait must be a time from 10s to 10m");
  });

  it("the bed falls silent mid-session (every frame it sends lost) → faulted, exit 4, one JSON summary, no crash", () => {
    const r = bedlink("run", "quick-10-relax", "--faults", "drop-frame-tx:1@120s", "--json");
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).not.toMatch(/Unhandled|    at /);
    const s = JSON.parse(r.stdout);
    expect(s.outcome).toBe("faulted");
    expect(s.faults.map((f: { code: string }) => f.code)).toContain("S_TELEMETRY_STALE");
  });
});
