// The technician secret (stored only as a salted scrypt hash) and technician login sessions
// (stored only as SHA-256 of the token). No default secret: one is made on first start.
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { Db } from "./db.ts";

/** scrypt cost (N=2^15, r=8, p=1, 32-byte key): OWASP's minimum for scrypt; ~60 ms off the event loop. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
/** 20 random bytes = 160 bits, written as 32 base32 characters in groups of four. */
const SECRET_BYTES = 20;
const BASE32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no I, O, 0, 1: read aloud over the phone without mistakes

function scryptAsync(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret.normalize("NFKC"), salt, KEY_BYTES, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

function newSecretText(): string {
  const bytes = randomBytes(SECRET_BYTES);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{1,4}/g)!.join("-");
}

/** Secrets are typed by people: ignore case, spaces and dashes. */
function canonical(secret: string): string {
  return secret.toUpperCase().replace(/[\s-]/g, "");
}

const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex");

export class TechnicianCredentials {
  constructor(
    private readonly db: Db,
    private readonly wallNowMs: () => number,
  ) {}

  hasSecret(): boolean {
    return this.db.prepare(`SELECT 1 FROM technician_secret WHERE id = 1`).get() !== undefined;
  }

  /** Creates the secret if there is none; returns its text then (to be shown once), else undefined. */
  async ensureSecret(): Promise<string | undefined> {
    if (this.hasSecret()) return undefined;
    return this.rotateSecret();
  }

  /** A new secret replaces the old one and logs every technician out. Returns the text (shown once). */
  async rotateSecret(): Promise<string> {
    const text = newSecretText();
    const salt = randomBytes(16);
    const hash = await scryptAsync(canonical(text), salt);
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO technician_secret (id, salt, hash, created_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash, created_at = excluded.created_at`)
        .run(salt.toString("hex"), hash.toString("hex"), this.wallNowMs());
      this.db.prepare(`DELETE FROM technician_sessions`).run();
    })();
    return text;
  }

  async verifySecret(candidate: string): Promise<boolean> {
    const row = this.db.prepare(`SELECT salt, hash FROM technician_secret WHERE id = 1`).get() as { salt: string; hash: string } | undefined;
    if (!row) return false;
    const expected = Buffer.from(row.hash, "hex");
    const actual = await scryptAsync(canonical(candidate), Buffer.from(row.salt, "hex"));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** A login session: the token goes to the technician, only its hash is kept. */
  openSession(ttlMs: number): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString("base64url");
    const now = this.wallNowMs();
    const expiresAt = now + ttlMs;
    this.db.prepare(`DELETE FROM technician_sessions WHERE expires_at <= ?`).run(now);
    this.db.prepare(`INSERT INTO technician_sessions (token_hash, created_at, expires_at) VALUES (?, ?, ?)`).run(tokenHash(token), now, expiresAt);
    return { token, expiresAt };
  }

  /** True while the token names a session that has not expired (nor been ended by logout or rotation). */
  checkSession(token: string): boolean {
    const row = this.db.prepare(`SELECT expires_at FROM technician_sessions WHERE token_hash = ?`).get(tokenHash(token)) as { expires_at: number } | undefined;
    return row !== undefined && row.expires_at > this.wallNowMs();
  }

  closeSession(token: string): void {
    this.db.prepare(`DELETE FROM technician_sessions WHERE token_hash = ?`).run(tokenHash(token));
  }
}
