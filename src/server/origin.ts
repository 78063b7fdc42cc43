// The panel is meant for the browser next to the bed: a page from another site, or a name that
// only resolves here by DNS rebinding, must not drive it. The emergency stop is the exception:
// anything that can reach it may make the bed safer.
import { isIP } from "node:net";
import { hostname as machineName } from "node:os";
import type { FastifyReply, FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ALWAYS_OPEN = new Set(["/api/estop"]);

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return undefined;
  }
}

const OWN_NAMES = new Set([machineName().toLowerCase(), `${machineName().toLowerCase()}.local`]);

/** Addresses and names a browser uses for this machine's panel: IP literals, localhost, its own name. */
function trustedHost(hostname: string | undefined): boolean {
  if (!hostname) return false;
  return hostname === "localhost" || hostname.endsWith(".localhost") || isIP(hostname) !== 0 || OWN_NAMES.has(hostname);
}

function refuse(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).send({ statusCode: 403, code: "FOREIGN_ORIGIN", message });
}

export async function sameOriginGuard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = request.url.split("?")[0]!;
  if (ALWAYS_OPEN.has(path)) return;
  const host = request.headers.host;
  if (!trustedHost(hostnameOf(host))) {
    await refuse(reply, `Requests must address the panel by IP address or localhost, not ${JSON.stringify(host ?? "")}.`);
    return;
  }
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers["sec-fetch-site"] === "cross-site") {
    await refuse(reply, "A page from another site cannot operate the bed.");
    return;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      originHost = undefined;
    }
    if (originHost !== host?.toLowerCase()) await refuse(reply, "A page from another site cannot operate the bed.");
  } else if (origin === "null") await refuse(reply, "A page from another site cannot operate the bed.");
}
