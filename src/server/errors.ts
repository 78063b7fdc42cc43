// Turns every failure into a JSON answer a caller can act on: 400 names the field and what is
// allowed, 409 says which state refused the command, 401/404 say what is missing. Never a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ErrorCode, isBedlinkError } from "../errors.ts";

const BAD_REQUEST_CODES = new Set([ErrorCode.InvalidArgument, ErrorCode.UnknownProgram, ErrorCode.InvalidProgram]);

export function panelErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const path = first.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const where = error.validationContext ?? "body";
    const field = path === "" ? where : path;
    const message = path === "" ? `${where}: ${first.message}` : `${field}: ${first.message}`;
    const issues = error.validation.map((v) => ({ field: v.instancePath.replace(/^\//, "").replaceAll("/", ".") || where, message: v.message }));
    return reply.code(400).send({ statusCode: 400, code: "INVALID_ARGUMENT", field, in: where, message, issues });
  }
  const failure: unknown = error;
  if (isBedlinkError(failure)) {
    const error = failure;
    const field = typeof error.context?.field === "string" ? error.context.field : undefined;
    if (BAD_REQUEST_CODES.has(error.code)) return reply.code(400).send({ statusCode: 400, code: "INVALID_ARGUMENT", field, message: error.message });
    if (error.code === ErrorCode.NotAllowedInState) {
      return reply.code(409).send({ statusCode: 409, code: "NOT_ALLOWED_IN_STATE", state: String(error.context?.state ?? ""), message: error.message });
    }
    if (error.code === ErrorCode.StorageUnavailable) {
      return reply.code(503).send({ statusCode: 503, code: "STORAGE_UNAVAILABLE", message: error.message });
    }
    request.log.error({ err: error }, "bed command failed");
    return reply.code(502).send({ statusCode: 502, code: ErrorCode[error.code] ?? "BED_ERROR", message: `The bed did not do it: ${error.message}` });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // fastify's own client errors: malformed JSON, wrong content type, body too large.
    return reply.code(status).send({ statusCode: status, code: error.code ?? "BAD_REQUEST", field: "body", message: `body: ${error.message}` });
  }
  request.log.error({ err: error }, "unexpected error");
  return reply.code(500).send({ statusCode: 500, code: "INTERNAL", message: "Something went wrong in the panel server; the bed is supervised independently." });
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ statusCode: 404, code: "NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}` });
}
