// The technician secret (stored only as a salted scrypt hash) and technician login sessions
// (stored only as SHA-256 of the token). No default secret: one is made on first start.
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { GuardedDb } from "./guardedDb.ts";

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

interface SecretRow {
  salt: string;
  hash: string;
}

export class TechnicianCredentials {
  /** The secret as last read: a login still works while the database cannot be read. */
  private secret: SecretRow | undefined;
  /** Logins whose row is still in the store's queue (token hash → expiry). */
  private readonly unsaved = new Map<string, number>();
  /** Logouts whose delete is still queued: the row must not count meanwhile. */
  private readonly ended = new Set<string>();
  /** Sessions this server has seen valid, for when the database cannot be read (token hash → expiry). */
  private readonly known = new Map<string, number>();

  constructor(private readonly g: GuardedDb) {
    this.readSecret();
  }

  hasSecret(): boolean {
    return this.readSecret() !== undefined;
  }

  /** Creates the secret if there is none; returns its text then (to be shown once), else undefined. */
  async ensureSecret(): Promise<string | undefined> {
    if (this.hasSecret()) return undefined;
    return this.rotateSecret();
  }

  /**
   * A new secret replaces the old one and logs every technician out. Returns the text (shown once).
   * Never queued: a secret printed but not saved would lock technicians out. Throws when it cannot be saved.
   */
  async rotateSecret(): Promise<string> {
    const text = newSecretText();
    const salt = randomBytes(16);
    const hash = await scryptAsync(canonical(text), salt);
    const row = { salt: salt.toString("hex"), hash: hash.toString("hex") };
    this.g.writeNow("The technician secret", (db) =>
      db.transaction(() => {
        db.prepare(`INSERT INTO technician_secret (id, salt, hash, created_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash, created_at = excluded.created_at`).run(
          row.salt,
          row.hash,
          this.g.wallNowMs(),
        );
        db.prepare(`DELETE FROM technician_sessions`).run();
      })(),
    );
    this.secret = row;
    this.unsaved.clear();
    this.known.clear();
    return text;
  }

  async verifySecret(candidate: string): Promise<boolean> {
    const row = this.readSecret();
    if (!row) return false;
    const expected = Buffer.from(row.hash, "hex");
    const actual = await scryptAsync(canonical(candidate), Buffer.from(row.salt, "hex"));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** A login session: the token goes to the technician, only its hash is kept. Never throws. */
  openSession(ttlMs: number): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString("base64url");
    const hash = tokenHash(token);
    const now = this.g.wallNowMs();
    const expiresAt = now + ttlMs;
    for (const [h, exp] of this.known) if (exp <= now) this.known.delete(h);
    this.unsaved.set(hash, expiresAt);
    this.known.set(hash, expiresAt);
    this.g.write({
      what: "technician.openSession",
      run: (db) =>
        db.transaction(() => {
          db.prepare(`DELETE FROM technician_sessions WHERE expires_at <= ?`).run(now);
          // Replayed after a rotation (by `bedlink tech rotate-secret`), a queued login must stay logged out.
          db.prepare(`INSERT INTO technician_sessions (token_hash, created_at, expires_at) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM technician_secret WHERE created_at > ?)`).run(hash, now, expiresAt, now);
        })(),
      done: () => this.unsaved.delete(hash),
    });
    return { token, expiresAt };
  }

  /** True while the token names a session that has not expired (nor been ended by logout or rotation). */
  checkSession(token: string): boolean {
    const hash = tokenHash(token);
    if (this.ended.has(hash)) return false;
    let expiresAt: number | undefined;
    try {
      const row = this.g.read("Technician sessions", (db) => db.prepare(`SELECT expires_at FROM technician_sessions WHERE token_hash = ?`).get(hash) as { expires_at: number } | undefined);
      if (row) this.known.set(hash, row.expires_at);
      // No row: ended elsewhere (a rotation) unless its insert is still queued.
      expiresAt = row?.expires_at ?? this.unsaved.get(hash);
    } catch {
      expiresAt = this.known.get(hash);
    }
    return expiresAt !== undefined && expiresAt > this.g.wallNowMs();
  }

  closeSession(token: string): void {
    const hash = tokenHash(token);
    this.unsaved.delete(hash);
    this.known.delete(hash);
    this.ended.add(hash);
    this.g.write({ what: "technician.closeSession", run: (db) => db.prepare(`DELETE FROM technician_sessions WHERE token_hash = ?`).run(hash), done: () => this.ended.delete(hash) });
  }

  private readSecret(): SecretRow | undefined {
    try {
      this.secret = this.g.read("The technician secret", (db) => db.prepare(`SELECT salt, hash FROM technician_secret WHERE id = 1`).get() as SecretRow | undefined);
    } catch {
      // Keep the last one read: a login must work while the history is unreadable.
    }
    return this.secret;
  }
}
