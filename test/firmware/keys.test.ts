import { createHash, createPublicKey } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, isBedlinkError } from "../../src/errors.ts";
import {
  keyIdOf,
  loadConfiguredKeys,
  loadPrivateKey,
  PUBKEY_ENV,
  privateKeyExposure,
  trustedKeysDir,
  writeKeyPair,
} from "../../src/firmware/keys.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "bedlink-keys-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return isBedlinkError(err) ? err.code : undefined;
  }
  return undefined;
}

describe("firmware signing keys", () => {
  it("key id is the first 16 hex digits of SHA-256 over the raw public key (RFC 8032 test key 1)", () => {
    const raw = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    expect(keyIdOf(key)).toBe(createHash("sha256").update(raw).digest("hex").slice(0, 16));
    // the DER encoding ends with the same 32 raw bytes: an independent route to the same id
    expect(key.export({ type: "spki", format: "der" }).subarray(-32).equals(raw)).toBe(true);
  });

  it("keygen writes a PEM pair, the private key readable by its owner only (0600)", () => {
    const pair = writeKeyPair(dir);
    expect(statSync(pair.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(pair.privateKeyPath, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(pair.publicKeyPath, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyIdOf(loadPrivateKey(pair.privateKeyPath))).toBe(pair.keyId);
    expect(privateKeyExposure(pair.privateKeyPath)).toBeUndefined();
  });

  it("keygen refuses to overwrite an existing key — even when only the public half is there — unless forced", () => {
    const first = writeKeyPair(dir);
    const before = readFileSync(first.privateKeyPath, "utf8");
    expect(codeOf(() => writeKeyPair(dir))).toBe(ErrorCode.InvalidArgument);
    expect(readFileSync(first.privateKeyPath, "utf8")).toBe(before);

    const other = path.join(dir, "other");
    mkdirSync(other);
    copyFileSync(first.publicKeyPath, path.join(other, path.basename(first.publicKeyPath)));
    expect(codeOf(() => writeKeyPair(other))).toBe(ErrorCode.InvalidArgument);

    chmodSync(first.privateKeyPath, 0o644);
    const second = writeKeyPair(dir, { force: true });
    expect(second.keyId).not.toBe(first.keyId);
    expect(statSync(second.privateKeyPath).mode & 0o777).toBe(0o600);
  });

  it("warns about a signing key others can read", () => {
    const pair = writeKeyPair(dir);
    chmodSync(pair.privateKeyPath, 0o644);
    expect(privateKeyExposure(pair.privateKeyPath)).toMatch(/0644.*0600/);
  });

  it("refuses a private key where a public key is expected, and garbage where a key is expected", () => {
    const pair = writeKeyPair(dir);
    expect(codeOf(() => loadConfiguredKeys({ pubkey: [pair.privateKeyPath] }))).toBe(ErrorCode.InvalidArgument);
    const junk = path.join(dir, "junk.pem");
    writeFileSync(junk, "not a key");
    expect(codeOf(() => loadConfiguredKeys({ pubkey: [junk] }))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => loadPrivateKey(junk))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => loadPrivateKey(path.join(dir, "missing.pem")))).toBe(ErrorCode.InvalidArgument);
  });

  describe("where the trusted public keys come from", () => {
    it("--pubkey wins over the environment, which wins over the data directory", () => {
      const a = writeKeyPair(path.join(dir, "a"));
      const b = writeKeyPair(path.join(dir, "b"));
      const c = writeKeyPair(path.join(dir, "c"));
      const dataDir = path.join(dir, "data");
      const env = { [PUBKEY_ENV]: b.publicKeyPath, BEDLINK_DATA_DIR: dataDir };
      mkdirSync(trustedKeysDir(env), { recursive: true });
      copyFileSync(c.publicKeyPath, path.join(trustedKeysDir(env), "c.pem"));

      expect(loadConfiguredKeys({ pubkey: [a.publicKeyPath], env }).keys.map((k) => k.keyId)).toEqual([a.keyId]);
      expect(loadConfiguredKeys({ env }).keys.map((k) => k.keyId)).toEqual([b.keyId]);
      expect(loadConfiguredKeys({ env: { BEDLINK_DATA_DIR: dataDir } }).keys.map((k) => k.keyId)).toEqual([c.keyId]);
    });

    it("the environment may hold the PEM text itself", () => {
      const a = writeKeyPair(dir);
      const env = { [PUBKEY_ENV]: readFileSync(a.publicKeyPath, "utf8") };
      expect(loadConfiguredKeys({ env }).keys.map((k) => k.keyId)).toEqual([a.keyId]);
    });

    it("default directory is ./.bedlink-data/firmware/trusted-keys; missing means no keys, not an error", () => {
      expect(trustedKeysDir({})).toBe(path.join(".bedlink-data", "firmware", "trusted-keys"));
      expect(loadConfiguredKeys({ env: { BEDLINK_DATA_DIR: path.join(dir, "nowhere") } }).keys).toEqual([]);
    });

    it("a key file named explicitly that does not exist is an error naming it", () => {
      const missing = path.join(dir, "missing.pem");
      expect(codeOf(() => loadConfiguredKeys({ pubkey: [missing] }))).toBe(ErrorCode.InvalidArgument);
      expect(codeOf(() => loadConfiguredKeys({ env: { [PUBKEY_ENV]: missing } }))).toBe(ErrorCode.InvalidArgument);
    });
  });
});
