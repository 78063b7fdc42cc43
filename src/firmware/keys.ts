// Ed25519 signing keys for firmware images: generate and write them, load them, name them
// by key id, and find the public keys this controller trusts (--pubkey, env, data dir).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { DEFAULT_DATA_DIR, KEY_ID_HEX_CHARS, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, TRUSTED_KEYS_SUBDIR } from "./constants.ts";

export const PUBKEY_ENV = "BEDLINK_FW_PUBKEY";
export const DATA_DIR_ENV = "BEDLINK_DATA_DIR";

export interface TrustedKey {
  keyId: string;
  publicKey: KeyObject;
  /** Where it was loaded from, for messages ("key 3f… from ./keys/bedlink-fw.pub.pem"). */
  source: string;
}

/** First 16 hex digits of SHA-256 over the raw 32-byte public key. A private key gives its public key's id. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: "jwk" });
  const raw = Buffer.from(jwk.x ?? "", "base64url");
  return createHash("sha256").update(raw).digest("hex").slice(0, KEY_ID_HEX_CHARS);
}

export interface WrittenKeyPair {
  keyId: string;
  privateKeyPath: string;
  publicKeyPath: string;
}

/** Generates a key pair into DIR; refuses to replace an existing key unless `force`. */
export function writeKeyPair(dir: string, opts: { force?: boolean } = {}): WrittenKeyPair {
  const privateKeyPath = path.join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = path.join(dir, PUBLIC_KEY_FILE);
  if (!opts.force) {
    // Checked for both before writing either, so a refusal never leaves a mismatched pair.
    for (const file of [privateKeyPath, publicKeyPath]) {
      if (existsSync(file)) {
        throw new BedlinkError(ErrorCode.InvalidArgument, `${file} already exists; refusing to overwrite a signing key (use --force to replace it)`, {
          field: "out",
        });
      }
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  mkdirSync(dir, { recursive: true });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" });
  const publicPem = publicKey.export({ type: "spki", format: "pem" });
  try {
    // Replaced files are removed first so the new secret is never written into an old file's
    // looser mode; "wx" fails if someone created the file since the check.
    if (opts.force) for (const file of [privateKeyPath, publicKeyPath]) rmSync(file, { force: true });
    writeFileSync(privateKeyPath, privatePem, { mode: 0o600, flag: "wx" });
    chmodSync(privateKeyPath, 0o600); // the umask may have narrowed it further, never widened; be exact
    writeFileSync(publicKeyPath, publicPem, { mode: 0o644, flag: "wx" });
  } catch (err) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `cannot write key pair into ${dir}: ${(err as Error).message}`, { field: "out" });
  }
  return { keyId: keyIdOf(publicKey), privateKeyPath, publicKeyPath };
}

/** Loads an Ed25519 private key from PEM. Throws InvalidArgument naming the file on anything else. */
export function loadPrivateKey(file: string): KeyObject {
  const pem = readKeyFile(file, "key");
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `${file} is not an unencrypted PEM private key: ${(err as Error).message}`, { field: "key" });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new BedlinkError(ErrorCode.InvalidArgument, `${file} is a ${key.asymmetricKeyType} key; firmware is signed with Ed25519`, { field: "key" });
  }
  return key;
}

/** A sentence when the private key file is readable by group or others (POSIX only), else undefined. */
export function privateKeyExposure(file: string): string | undefined {
  if (process.platform === "win32") return undefined;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `warning: ${file} has mode ${mode.toString(8).padStart(4, "0")}; a signing key should be 0600`;
}

/** Parses one PEM public key; a private key is refused so it does not end up on technicians' laptops. */
export function parsePublicKeyPem(pem: string, source: string): TrustedKey {
  if (/PRIVATE KEY/.test(pem)) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `${source} holds a private key; configure the public key (${PUBLIC_KEY_FILE}) instead`, {
      field: "pubkey",
    });
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (err) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `${source} is not a PEM public key: ${(err as Error).message}`, { field: "pubkey" });
  }
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new BedlinkError(ErrorCode.InvalidArgument, `${source} is a ${publicKey.asymmetricKeyType} key; firmware is signed with Ed25519`, {
      field: "pubkey",
    });
  }
  return { keyId: keyIdOf(publicKey), publicKey, source };
}

/** Loads a PEM file, or every *.pem in a directory (sorted, so the order is stable). */
export function loadPublicKeys(fileOrDir: string): TrustedKey[] {
  const stat = statOrUndefined(fileOrDir);
  if (!stat) throw new BedlinkError(ErrorCode.InvalidArgument, `public key ${fileOrDir} does not exist`, { field: "pubkey" });
  if (!stat.isDirectory()) return [parsePublicKeyPem(readKeyFile(fileOrDir, "pubkey"), fileOrDir)];
  return readdirSync(fileOrDir)
    .filter((name) => name.endsWith(".pem"))
    .sort()
    .map((name) => path.join(fileOrDir, name))
    .map((file) => parsePublicKeyPem(readKeyFile(file, "pubkey"), file));
}

export interface ConfiguredKeys {
  keys: TrustedKey[];
  /** Where the keys came from, for messages and `inspect --json`. */
  origin: string;
}

/**
 * The public keys this controller trusts, first match wins:
 * 1. `--pubkey FILE|DIR` (repeatable); 2. env BEDLINK_FW_PUBKEY (a file or directory path, or
 * the PEM text itself); 3. every *.pem in `$BEDLINK_DATA_DIR/firmware/trusted-keys/`
 * (data dir default `./.bedlink-data`). A missing default directory means no keys; a missing
 * file named explicitly is an error.
 */
export function loadConfiguredKeys(opts: { pubkey?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): ConfiguredKeys {
  const env = opts.env ?? process.env;
  if (opts.pubkey && opts.pubkey.length > 0) {
    return { keys: opts.pubkey.flatMap((p) => loadPublicKeys(p)), origin: `--pubkey ${opts.pubkey.join(", ")}` };
  }
  const fromEnv = env[PUBKEY_ENV]?.trim();
  if (fromEnv) {
    if (fromEnv.startsWith("-----BEGIN")) return { keys: [parsePublicKeyPem(fromEnv, PUBKEY_ENV)], origin: `${PUBKEY_ENV} (PEM)` };
    if (!existsSync(fromEnv)) {
      throw new BedlinkError(ErrorCode.InvalidArgument, `${PUBKEY_ENV}=${fromEnv}: no such file or directory`, { field: PUBKEY_ENV });
    }
    return { keys: loadPublicKeys(fromEnv), origin: `${PUBKEY_ENV}=${fromEnv}` };
  }
  const dir = trustedKeysDir(env);
  if (!statOrUndefined(dir)?.isDirectory()) return { keys: [], origin: `${dir} (does not exist)` };
  return { keys: loadPublicKeys(dir), origin: dir };
}

/** `$BEDLINK_DATA_DIR/firmware/trusted-keys`, data dir defaulting to `./.bedlink-data`. */
export function trustedKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = env[DATA_DIR_ENV]?.trim() || DEFAULT_DATA_DIR;
  return path.join(dataDir, TRUSTED_KEYS_SUBDIR);
}

function readKeyFile(file: string, field: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      field,
    });
  }
}

function statOrUndefined(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
