// `bedlink diag` as a technician and CI run it: the table or one JSON object, a report file,
// and exit codes that mean something (0 all pass, 1 a check not passed, 2 usage, 6 link).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function bedlink(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/bedlink.js", "diag", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bedlink diag", () => {
  it("--sim --json on a healthy bed: exit 0 and one JSON object with every check passed", () => {
    const r = bedlink("--sim", "--json");
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ tool: "bedlink diag", overall: "pass", linkLost: false, device: { serial: "SIM-000001" } });
    expect(report.checks).toHaveLength(10);
    expect(report.checks.every((c: { status: string }) => c.status === "pass")).toBe(true);
    expect(report.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.endState).toMatchObject({ parked: true, lift: 0, projectorSetC: 0, matSetC: 0 });
  });

  it("a dead projector heater: exit 1, the table names the failed check, and the HTML report is written with the curves", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bedlink-diag-")), "report.html");
    const r = bedlink("--sim", "--faults", "heater-dead:projector", "--report", file);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[4\/10\]\s+FAIL\s+Heater rise: projector — projector heater on at 100 % duty but the projector rose only/);
    expect(r.stdout).toMatch(/\[5\/10\]\s+PASS\s+Heater rise: mat/);
    expect(r.stdout).toMatch(/rise in 60 s\s+-?0\.\d K\s+3\.\d–7\.\d K .*OUT/);
    expect(r.stdout).toContain(`report written to ${file}`);
    expect(r.stdout).toMatch(/overall: FAIL \(1 of 10 checks not passed\)/);
    const html = readFileSync(file, "utf8");
    expect(html).toContain("Projector heater: 60 s at full power");
    expect(html.match(/<svg /g)).toHaveLength(4);
  });

  it("--report FILE.md writes Markdown", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bedlink-diag-")), "report.md");
    const r = bedlink("--sim", "--json", "--report", file);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^# Bed diagnostics — CGM-V6-SIM SIM-000001/);
  });

  it("someone on the simulated bed: heater tests refused, exit 1", () => {
    const r = bedlink("--sim", "--json", "--person", "height=170,weight=70");
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    const heater = report.checks.find((c: { id: string }) => c.id === "heater.projector");
    expect(heater.status).toBe("refused");
    expect(heater.message).toMatch(/someone is on the bed/);
  });

  it("firmware that speaks another protocol version: exit 6 with the reason", () => {
    const r = bedlink("--sim", "--faults", "proto-version:2");
    expect(r.status).toBe(6);
    expect(r.stderr).toContain("cannot reach the bed: firmware speaks protocol 2, this controller speaks 1–1");
  });

  it("nothing listening on the TCP bridge: exit 6", () => {
    const r = bedlink("--tcp", "127.0.0.1:1");
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/cannot reach the bed: cannot connect to tcp:\/\/127\.0\.0\.1:1/);
  });

  it.each([
    [["--port", "/dev/ttyUSB9", "--faults", "jam"], /--faults only applies to the simulator \(--sim\)/],
    [["--tcp", "10.0.0.1:7000", "--person", "height=170,weight=70"], /--person only applies to the simulator/],
    [["--sim", "--nobody", "--person", "height=170,weight=70"], /choose one of --nobody and --person/],
    [["--sim", "--person", "height=300"], /--person height must be 120–220 cm; got 300/],
    [["--sim", "--seed", "-1"], /--seed must be a whole number 0–2147483647/],
    [["--sim", "--faults", "heater-dead:leg"], /zone must be projector or mat \(got "leg"\)/],
    [["--sim", "--port", "/dev/ttyUSB0"], /choose one of --sim, --port PATH, --tcp HOST:PORT/],
    [["--sim", "--report", "/no/such/dir/report.html"], /--report: directory \/no\/such\/dir does not exist/],
    [["--tcp", "127.0.0.1:99999"], /port must be from 1 to 65535 \(got 99999\)/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
  ])("bad arguments %j → exit 2 naming the field, nothing sent to a bed", (args, message) => {
    const r = bedlink(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
