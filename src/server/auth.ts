// Technician login: the secret checked against its scrypt hash, failed attempts rate-limited per
// address and overall, sessions that expire. Staff routes need no login; technician routes do.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../../protocols/clock.ts";
import type { PanelStore } from "../store/index.ts";

/** A technician session lasts 30 minutes (one service visit step); log in again after. */
export const TECH_SESSION_MS = 30 * 60_000;
/** Failed logins allowed per address in the window, and for all addresses together (guessing from many). */
export const LOGIN_FAILURES_PER_ADDRESS = 5;
export const LOGIN_FAILURES_TOTAL = 20;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const TECH_COOKIE = "bedlink_tech";

export type LoginResult = { ok: true; token: string; expiresAt: number } | { ok: false; reason: "rate-limited"; retryAfterS: number } | { ok: false; reason: "wrong-secret" };

export class TechnicianAuth {
  private readonly failures = new Map<string, number[]>();
  private readonly allFailures: number[] = [];

  constructor(
    private readonly store: PanelStore,
    private readonly clock: Clock,
  ) {}

  async login(secret: string, remote: string): Promise<LoginResult> {
    const now = this.clock.now();
    const mine = this.recent(this.failures.get(remote) ?? [], now);
    this.failures.set(remote, mine);
    const all = this.recent(this.allFailures, now);
    this.allFailures.splice(0, this.allFailures.length, ...all);
    const blockedBy = mine.length >= LOGIN_FAILURES_PER_ADDRESS ? mine : all.length >= LOGIN_FAILURES_TOTAL ? all : undefined;
    if (blockedBy) return { ok: false, reason: "rate-limited", retryAfterS: Math.max(1, Math.ceil((blockedBy[0]! + LOGIN_WINDOW_MS - now) / 1000)) };
    // Count the attempt before the (slow) check, so parallel attempts cannot all slip past the limit.
    mine.push(now);
    this.allFailures.push(now);
    if (!(await this.store.technician.verifySecret(secret))) return { ok: false, reason: "wrong-secret" };
    this.failures.delete(remote);
    const i = this.allFailures.lastIndexOf(now);
    if (i >= 0) this.allFailures.splice(i, 1);
    const { token, expiresAt } = this.store.technician.openSession(TECH_SESSION_MS);
    return { ok: true, token, expiresAt };
  }

  logout(token: string): void {
    this.store.technician.closeSession(token);
  }

  isTechnician(request: FastifyRequest): boolean {
    const token = tokenOf(request);
    return token !== undefined && this.store.technician.checkSession(token);
  }

  /** onRequest hook for the technician route group. */
  readonly require = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.isTechnician(request)) return;
    await reply.code(401).header("www-authenticate", 'Bearer realm="bedlink technician"').send({
      statusCode: 401,
      code: "UNAUTHORIZED",
      message: "Technician login required: POST /api/tech/login with the technician secret (sessions expire after 30 minutes).",
    });
  };

  private recent(times: number[], now: number): number[] {
    return times.filter((t) => now - t < LOGIN_WINDOW_MS);
  }
}

/** The session token from `Authorization: Bearer …` or the technician cookie. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim() || undefined;
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === TECH_COOKIE) {
      // A cookie another local app set can be anything: a bad one means "not logged in", never a 500.
      try {
        return decodeURIComponent(v.join("=")) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
