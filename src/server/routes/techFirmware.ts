// Firmware update from the technician page: the uploaded image is checked (signature, model,
// hardware, version) against the connected bed before a byte goes to it, then flashed in the
// background with progress (bytes, %, rate) on the technician stream.
import { randomUUID } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ErrorCode } from "../../errors.ts";
import { IMAGE_MAX_BYTES } from "../../firmware/constants.ts";
import { DATA_DIR_ENV, loadConfiguredKeys, PUBKEY_ENV } from "../../firmware/keys.ts";
import { flashImage, type FlashPhase, type FlashProgress, type FlashResult } from "../../firmware/transfer.ts";
import { verifyImage } from "../../firmware/verify.ts";
import type { Logger } from "../../log.ts";
import { staffOf } from "../context.ts";
import type { TechJobRouteOptions } from "../techWork.ts";

export type FirmwareView = {
  state: "idle" | "running" | "updated" | "rolled-back" | "failed";
  runId?: string;
  fromVersion?: string;
  imageVersion?: string;
  downgrade?: boolean;
  phase?: FlashPhase;
  bytesDone: number;
  totalBytes: number;
  percent: number;
  bytesPerS?: number;
  etaMs?: number;
  resumes: number;
  /** What the bed runs now. */
  runningVersion: string;
  /** One sentence for the technician: the outcome, or why it failed. */
  message?: string;
  result?: FlashResult;
};

const ErrorWithCheck = z.looseObject({ statusCode: z.number(), code: z.string(), message: z.string() });
const FirmwareViewBody = z.looseObject({ state: z.string(), bytesDone: z.number(), totalBytes: z.number(), percent: z.number(), runningVersion: z.string() });

export const techFirmwareRoutes: FastifyPluginAsyncZod<TechJobRouteOptions> = async (app, { ctx, work, clock }) => {
  app.addHook("onRequest", ctx.auth.require);
  const bed = ctx.panel.bed;
  const { store } = ctx;
  let view: FirmwareView = { state: "idle", bytesDone: 0, totalBytes: 0, percent: 0, resumes: 0, runningVersion: bed.identity.fw };
  let closed = false;
  const current = (): FirmwareView => ({ ...view, runningVersion: bed.identity.fw });
  work.publish("firmware", current);
  app.addHook("preClose", async () => {
    if (view.state !== "running") return;
    closed = true;
    store.audit.record("system", "firmware.interrupted", { runId: view.runId, bytesDone: view.bytesDone, reason: "server shutdown" });
  });

  // Images arrive as raw bytes; only this group reads them, and only up to the largest image the bootloader takes.
  app.addContentTypeParser("application/octet-stream", { parseAs: "buffer", bodyLimit: IMAGE_MAX_BYTES }, (_request, body, done) => done(null, body));

  app.get("/api/tech/firmware", {
    config: { access: "technician" },
    schema: { tags: ["technician"], summary: "The firmware update's state: phase, bytes, %, rate, and the outcome", response: { 200: FirmwareViewBody } },
    handler: async () => current(),
  });

  app.post("/api/tech/firmware", {
    config: { access: "technician" },
    bodyLimit: IMAGE_MAX_BYTES,
    schema: {
      tags: ["technician"],
      summary: "Upload a signed image (application/octet-stream): verified against this bed before anything is sent, then flashed in the background",
      querystring: z.strictObject({ allowDowngrade: z.enum(["true", "false"], { error: "must be true or false" }).default("false") }),
      response: { 202: FirmwareViewBody, 400: ErrorWithCheck, 409: ErrorWithCheck, 415: ErrorWithCheck, 422: ErrorWithCheck, 503: ErrorWithCheck },
    },
    handler: async (request, reply) => {
      const who = staffOf(request, ctx);
      const image = request.body;
      if (!Buffer.isBuffer(image)) {
        return reply.code(415).send({ statusCode: 415, code: "UNSUPPORTED_MEDIA_TYPE", field: "body", message: "body: send the firmware image file itself as application/octet-stream." });
      }
      if (image.length === 0) return reply.code(400).send({ statusCode: 400, code: "INVALID_ARGUMENT", field: "body", message: "body: empty; send the firmware image file." });
      const allowDowngrade = request.query.allowDowngrade === "true";
      // Claimed first, so two uploads (or a self-test) cannot both pass the checks.
      const release = work.claim("firmware");
      let started = false;
      try {
        let publicKeys;
        try {
          // The panel's own data directory holds its trusted keys (the env variable still wins).
          publicKeys = loadConfiguredKeys({ env: { [PUBKEY_ENV]: process.env[PUBKEY_ENV], [DATA_DIR_ENV]: store.dataDir } }).keys.map((k) => k.publicKey);
        } catch (err) {
          return reply.code(503).send({ statusCode: 503, code: "FIRMWARE_KEYS", message: `The trusted firmware keys cannot be loaded: ${(err as Error).message}` });
        }
        const id = bed.identity;
        const verdict = verifyImage(image, { publicKeys, model: id.model, hw: id.hw, currentVersion: id.fw, allowDowngrade });
        if (!verdict.ok) {
          store.audit.record("technician", "firmware.refused", { check: verdict.check, reason: verdict.error.message, bytes: image.length }, who.remote);
          const status = verdict.check === "integrity" ? 400 : 422;
          return reply.code(status).send({ statusCode: status, code: ErrorCode[verdict.error.code] ?? "IMAGE_REFUSED", check: verdict.check, field: "body", message: verdict.error.message });
        }
        const { header, payload } = verdict.image;
        const runId = randomUUID();
        view = { state: "running", runId, fromVersion: id.fw, imageVersion: header.version, downgrade: verdict.downgrade, phase: "boot", bytesDone: 0, totalBytes: payload.length, percent: 0, resumes: 0, runningVersion: id.fw };
        store.audit.record("technician", "firmware.start", { runId, serial: id.serial, from: id.fw, to: header.version, bytes: payload.length, downgrade: verdict.downgrade, keyId: verdict.signature.keyId }, who.remote);
        const log = (app.log as unknown as Logger).child({ runId, serial: id.serial });
        const onProgress = (p: FlashProgress): void => {
          view = { ...view, phase: p.phase, bytesDone: p.bytesDone, totalBytes: p.totalBytes, percent: p.totalBytes ? Math.floor((p.bytesDone * 1000) / p.totalBytes) / 10 : 0, bytesPerS: p.bytesPerS, etaMs: p.etaMs, resumes: p.resumes };
          work.changed("firmware");
        };
        started = true;
        void flashImage(bed, image, { clock, publicKeys, allowDowngrade, logger: log, onProgress })
          .then(
            (result) => {
              const updated = result.outcome === "updated";
              const message = updated
                ? `Firmware ${result.runningVersion} is running (was ${result.fromVersion}).`
                : `The new firmware ${result.imageVersion} did not start: the bed rolled back and is still running ${result.runningVersion}.`;
              view = { ...view, state: updated ? "updated" : "rolled-back", phase: updated ? "complete" : view.phase, percent: updated ? 100 : view.percent, message, result };
              if (!closed) store.audit.record("technician", `firmware.${result.outcome}`, { runId, from: result.fromVersion, image: result.imageVersion, running: result.runningVersion, bootSlot: result.bootSlot, transferMs: result.transferMs, bytesPerS: result.bytesPerS, resumes: result.resumes }, who.remote);
            },
            (err: Error) => {
              const message = `The update failed: ${err.message}. The bed still has firmware ${view.fromVersion} in its other slot; try again.`;
              view = { ...view, state: "failed", message };
              if (!closed) store.audit.record("technician", "firmware.failed", { runId, error: err.message, bytesDone: view.bytesDone }, who.remote);
              log.error({ err }, "firmware update from the technician page failed");
            },
          )
          .finally(() => {
            release();
            if (!closed) work.changed("firmware", true);
          });
        work.changed("firmware", true);
        return reply.code(202).send(current());
      } finally {
        if (!started) release();
      }
    },
  });
};
