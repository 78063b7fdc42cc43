// The touchscreen page: static files served by the panel itself (no CDN; the showroom may be offline).
import { readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import type { FastifyPluginAsync } from "fastify";

const PUBLIC_DIR = new URL("../public/", import.meta.url);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};
/** Served as-is to the kiosk; strict enough that nothing on the page can load from elsewhere. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export const pageRoutes: FastifyPluginAsync = async (app) => {
  // Read once at start: a handful of small files, and no path from the request ever reaches the disk.
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(new URL(name, PUBLIC_DIR)), type });
  }
  for (const [name, file] of files) {
    const paths = name === "index.html" ? ["/", "/index.html"] : [`/${name}`];
    for (const url of paths) {
      app.get(url, { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) =>
        reply.type(file.type).header("cache-control", "no-cache").header("content-security-policy", CSP).header("x-content-type-options", "nosniff").send(file.body),
      );
    }
  }
};
