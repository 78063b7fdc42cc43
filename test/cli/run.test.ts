// `bedlink run` as CI uses it: JSON summary, JUnit report, and exit codes that mean something.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function bedlink(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/bedlink.js", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bedlink run", () => {
  it("a quick program on the simulator completes: exit 0, one JSON summary with every field", () => {
    const dir = mkdtempSync(join(tmpdir(), "bedlink-run-"));
    const junit = join(dir, "run.xml");
    const r = bedlink("run", "quick-10-relax", "--sim", "--json", "--junit", junit, "--person", "height=160,weight=55");
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ program: "quick-10-relax", outcome: "completed", violations: [], faults: [] });
    for (const k of ["virtualDurationS", "wallMs", "steps", "maxElementC", "maxSkinC", "doseFraction"]) expect(s).toHaveProperty(k);
    expect(s.virtualDurationS).toBeGreaterThan(600);
    expect(s.steps[0]).toHaveProperty("plannedStartMs");
    expect(s.steps[0]).toHaveProperty("actualStartMs");
    expect(s.maxElementC).toHaveProperty("projector");
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('<testsuite name="bedlink run quick-10-relax"');
    expect(xml).toContain('failures="0"');
  });

  it("a dead heater mid-program → faulted, exit 4, fault code in the summary and a failing JUnit case", () => {
    const dir = mkdtempSync(join(tmpdir(), "bedlink-run-"));
    const junit = join(dir, "run.xml");
    const r = bedlink("run", "deep-tissue", "--json", "--faults", "heater-dead:projector@60s", "--junit", junit);
    expect(r.status).toBe(4);
    const s = JSON.parse(r.stdout);
    expect(s.outcome).toBe("faulted");
    expect(s.faults.map((f: { code: string }) => f.code)).toContain("S_NO_RISE");
    expect(readFileSync(junit, "utf8")).toMatch(/<failure message="faulted: The back projector heater is on but not warming/);
  });

  it("firmware that speaks another protocol version → exit 6 with an actionable message", () => {
    const r = bedlink("run", "quick-10-relax", "--faults", "proto-version:2");
    expect(r.status).toBe(6);
    expect(r.stderr).toContain("firmware speaks protocol 2, this controller speaks 1–1; update the controller");
  });

  it.each([
    [["run", "no-such-program"], /unknown program "no-such-program"; valid ids: .*full-body-relaxation/],
    [["run", "quick-10-relax", "--person", "height=300"], /--person height must be 120–220 cm; got 300/],
    [["run", "quick-10-relax", "--speed", "0"], /--speed must be "max" or a number 1–100000/],
    [["run", "quick-10-relax", "--sim", "--tcp", "127.0.0.1:1"], /choose one of --sim, --port PATH, --tcp HOST:PORT/],
    [["run", "quick-10-relax", "--faults", "melt:projector"], /unknown kind "melt"/],
    [["run", "quick-10-relax", "--port", "/dev/ttyUSB9"], /a real bed needs --confirmed/],
  ])("bad arguments %j → exit 2 naming the field and the allowed range, nothing sent", (args, message) => {
    const r = bedlink(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
