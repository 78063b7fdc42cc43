// End to end through the real binary: `node bin/bedlink.js fw …`, checking exit codes
// (0 ok, 1 the image failed a check, 2 usage) and what a technician reads.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exitCodes.ts";
import { SIGNATURE_BYTES } from "../../src/firmware/constants.ts";
import { payloadOf } from "./fixtures.ts";

const BIN = fileURLToPath(new URL("../../bin/bedlink.js", import.meta.url));
let work: string;

function bedlink(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env, BEDLINK_DATA_DIR: path.join(work, "data"), ...env };
  if (!("BEDLINK_FW_PUBKEY" in env)) delete cleanEnv.BEDLINK_FW_PUBKEY;
  const r = spawnSync(process.execPath, [BIN, "fw", ...args], { cwd: work, env: cleanEnv, encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SIGN = ["sign", "--key", "keys/bedlink-fw.key.pem", "--model", "CG-V6", "--hw", "A1,A2", "--fw-version", "1.4.0", "--in", "payload.bin"];
const PUB = ["--pubkey", "keys/bedlink-fw.pub.pem"];

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "bedlink-fw-cli-"));
  writeFileSync(path.join(work, "payload.bin"), payloadOf(4096));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("bedlink fw, end to end", () => {
  let keyId = "";

  it("keygen writes the pair (private 0600), prints the key id; a second keygen refuses with exit 2", () => {
    const first = bedlink(["keygen", "--out", "keys"]);
    expect(first.status).toBe(EXIT.ok);
    keyId = /key id\s+([0-9a-f]{16})/.exec(first.stdout)?.[1] ?? "";
    expect(keyId).toHaveLength(16);
    expect(statSync(path.join(work, "keys/bedlink-fw.key.pem")).mode & 0o777).toBe(0o600);
    const before = readFileSync(path.join(work, "keys/bedlink-fw.key.pem"), "utf8");

    const again = bedlink(["keygen", "--out", "keys"]);
    expect(again.status).toBe(EXIT.usage);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(path.join(work, "keys/bedlink-fw.key.pem"), "utf8")).toBe(before);
  });

  it("sign → inspect --json shows the header and a valid signature (exit 0)", () => {
    expect(bedlink([...SIGN, "--out", "image.bfw"]).status).toBe(EXIT.ok);
    const inspect = bedlink(["inspect", "image.bfw", "--json", ...PUB]);
    expect(inspect.status).toBe(EXIT.ok);
    const report = JSON.parse(inspect.stdout);
    expect(report.header).toMatchObject({ model: "CG-V6", hw: ["A1", "A2"], version: "1.4.0", payloadBytes: 4096, keyId });
    expect(report.signature.verdict).toBe("valid");
    expect(report.structure).toEqual({ ok: true });
  });

  it("inspect finds the trusted key through BEDLINK_FW_PUBKEY or the data directory; with none, 'key unknown' and exit 1", () => {
    expect(bedlink(["inspect", "image.bfw"], { BEDLINK_FW_PUBKEY: "keys/bedlink-fw.pub.pem" }).status).toBe(EXIT.ok);
    const none = bedlink(["inspect", "image.bfw"]);
    expect(none.status).toBe(EXIT.failed);
    expect(none.stdout).toMatch(/signature\s+KEY UNKNOWN/);
    mkdirSync(path.join(work, "data/firmware/trusted-keys"), { recursive: true });
    copyFileSync(path.join(work, "keys/bedlink-fw.pub.pem"), path.join(work, "data/firmware/trusted-keys/vendor.pem"));
    const text = bedlink(["inspect", "image.bfw"]);
    expect(text.status).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/model\s+CG-V6/);
    expect(text.stdout).toMatch(/signature\s+valid/);
  });

  it("verify: the right bed → 0; wrong model, wrong hardware, downgrade → 1 with the reason; --allow-downgrade → 0", () => {
    expect(bedlink(["verify", "image.bfw", "--model", "CG-V6", "--hw", "A2", "--current", "1.3.0"]).status).toBe(EXIT.ok);
    const model = bedlink(["verify", "image.bfw", "--model", "CG-V5", "--hw", "A2"]);
    expect(model.status).toBe(EXIT.failed);
    expect(model.stdout).toContain("refused (ImageWrongModel): image is for model CG-V6, this bed is CG-V5");
    const hw = bedlink(["verify", "image.bfw", "--model", "CG-V6", "--hw", "B1", "--json"]);
    expect(hw.status).toBe(EXIT.failed);
    expect(JSON.parse(hw.stdout)).toMatchObject({ ok: false, check: "hw", code: "ImageWrongModel" });
    const older = bedlink(["verify", "image.bfw", "--model", "CG-V6", "--hw", "A1", "--current", "2.0.0", "--json"]);
    expect(older.status).toBe(EXIT.failed);
    expect(JSON.parse(older.stdout)).toMatchObject({ ok: false, code: "ImageDowngrade" });
    expect(bedlink(["verify", "image.bfw", "--model", "CG-V6", "--hw", "A1", "--current", "2.0.0", "--allow-downgrade"]).status).toBe(EXIT.ok);
  });

  it("a tampered image (one payload byte) → inspect and verify exit 1, hash mismatch and signature invalid", () => {
    const bytes = readFileSync(path.join(work, "image.bfw"));
    bytes[bytes.length - SIGNATURE_BYTES - 100]! ^= 0x04;
    writeFileSync(path.join(work, "tampered.bfw"), bytes);
    const inspect = bedlink(["inspect", "tampered.bfw", "--json", ...PUB]);
    expect(inspect.status).toBe(EXIT.failed);
    const report = JSON.parse(inspect.stdout);
    expect(report.structure.reason).toBe("hash-mismatch");
    expect(report.signature.verdict).toBe("invalid");
    const verify = bedlink(["verify", "tampered.bfw", "--model", "CG-V6", "--hw", "A1", "--json", ...PUB]);
    expect(verify.status).toBe(EXIT.failed);
    expect(JSON.parse(verify.stdout)).toMatchObject({ code: "ImageInvalid", check: "integrity" });
  });

  it("an image with its signature stripped → inspect says UNSIGNED and verify refuses it (exit 1)", () => {
    const bytes = readFileSync(path.join(work, "image.bfw"));
    writeFileSync(path.join(work, "unsigned.bfw"), bytes.subarray(0, bytes.length - SIGNATURE_BYTES));
    const inspect = bedlink(["inspect", "unsigned.bfw", ...PUB]);
    expect(inspect.status).toBe(EXIT.failed);
    expect(inspect.stdout).toMatch(/signature\s+UNSIGNED/);
    const verify = bedlink(["verify", "unsigned.bfw", "--model", "CG-V6", "--hw", "A1", "--json", ...PUB]);
    expect(verify.status).toBe(EXIT.failed);
    expect(JSON.parse(verify.stdout)).toMatchObject({ code: "ImageSignatureInvalid", check: "signature" });
  });

  it("usage errors exit 2 with one clear line: bad version, missing option, missing file, private key as --pubkey", () => {
    const badVersion = bedlink([...SIGN.map((a) => (a === "1.4.0" ? "1.4" : a)), "--out", "x.bfw"]);
    expect(badVersion.status).toBe(EXIT.usage);
    expect(badVersion.stderr).toMatch(/version must be semver/);
    expect(bedlink(["sign", "--model", "CG-V6"]).status).toBe(EXIT.usage);
    const missing = bedlink(["inspect", "nope.bfw", ...PUB]);
    expect(missing.status).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/cannot read image nope.bfw/);
    expect(bedlink(["inspect", "image.bfw", "--pubkey", "keys/bedlink-fw.key.pem"]).status).toBe(EXIT.usage);
  });
});
