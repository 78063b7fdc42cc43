// The signed firmware image container: build the bytes, and parse them back without ever
// throwing on bad input (a result with a reason instead). Layout in FORMAT.md.
import { createHash } from "node:crypto";
import { z } from "zod";
import { BedlinkError, ErrorCode } from "../errors.ts";
import {
  HEADER_MAX_BYTES,
  HW_LIST_MAX,
  HW_MAX_CHARS,
  IMAGE_FORMAT_VERSION,
  IMAGE_MAGIC,
  IMAGE_MAX_BYTES,
  KEY_ID_HEX_CHARS,
  MODEL_MAX_CHARS,
  PREAMBLE_BYTES,
  SIGNATURE_BYTES,
  VERSION_MAX_CHARS,
} from "./constants.ts";
import { isSemver } from "./semver.ts";

// Names are printed to a technician's terminal: no control characters, no spaces.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_PAYLOAD_BYTES = IMAGE_MAX_BYTES - PREAMBLE_BYTES - SIGNATURE_BYTES;

export const ImageHeader = z.strictObject({
  model: z
    .string()
    .min(1, "model must not be empty")
    .max(MODEL_MAX_CHARS, `model must be at most ${MODEL_MAX_CHARS} characters`)
    .regex(NAME, "model must be letters, digits, '.', '_' or '-' (e.g. CG-V6)"),
  hw: z
    .array(
      z
        .string()
        .min(1, "a hardware revision must not be empty")
        .max(HW_MAX_CHARS, `each hardware revision must be at most ${HW_MAX_CHARS} characters`)
        .regex(NAME, "hardware revisions must be letters, digits, '.', '_' or '-' (e.g. A1)"),
    )
    .min(1, "hw must list at least one hardware revision")
    .max(HW_LIST_MAX, `hw may list at most ${HW_LIST_MAX} hardware revisions`)
    .refine((list) => new Set(list).size === list.length, "hw lists a hardware revision twice"),
  version: z
    .string()
    .max(VERSION_MAX_CHARS, `version must be at most ${VERSION_MAX_CHARS} characters`)
    .refine(isSemver, "version must be semver MAJOR.MINOR.PATCH (e.g. 1.4.0)"),
  payloadBytes: z
    .number()
    .int()
    .min(1, "payload must not be empty")
    .max(MAX_PAYLOAD_BYTES, `payload must be at most ${MAX_PAYLOAD_BYTES} bytes`),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/, "payloadSha256 must be 64 lowercase hex digits"),
  keyId: z.string().regex(new RegExp(`^[0-9a-f]{${KEY_ID_HEX_CHARS}}$`), `keyId must be ${KEY_ID_HEX_CHARS} lowercase hex digits`),
});
export type ImageHeader = z.infer<typeof ImageHeader>;

/** What the person building an image chooses; sizes, hash and key id are derived. */
export type ImageMeta = Pick<ImageHeader, "model" | "hw" | "version">;

export interface ParsedImage {
  formatVersion: number;
  header: ImageHeader;
  headerBytes: number;
  payload: Buffer;
  /** Everything the signature covers: preamble, header and payload. */
  signedBytes: Buffer;
  signature: Buffer;
  totalBytes: number;
}

export type ImageFault =
  | "truncated"
  | "bad-magic"
  | "unsupported-version"
  | "bad-header"
  | "too-large"
  | "size-mismatch"
  | "hash-mismatch"
  | "no-signature";

export interface ImageParseFailure {
  ok: false;
  reason: ImageFault;
  message: string;
  /** Present once the header itself parsed, so inspect can still show what the image claims. */
  header?: ImageHeader;
  /** Present when the signature could still be checked (hash mismatch): tells tampering from a bad build. */
  signedBytes?: Buffer;
  signature?: Buffer;
}

export type ImageParseResult = { ok: true; image: ParsedImage } | ImageParseFailure;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Preamble + header + payload: the bytes the signer signs. Throws InvalidArgument on bad metadata. */
export function buildSignedPart(meta: ImageMeta, payload: Uint8Array, keyId: string): Buffer {
  const candidate = {
    model: meta.model,
    hw: [...meta.hw],
    version: meta.version,
    payloadBytes: payload.byteLength,
    payloadSha256: sha256Hex(payload),
    keyId,
  };
  const checked = ImageHeader.safeParse(candidate);
  if (!checked.success) {
    throw new BedlinkError(ErrorCode.InvalidArgument, describeIssues(checked.error), { field: fieldOf(checked.error) });
  }
  // Field order is fixed by `candidate`, so the same inputs always give the same bytes.
  const headerJson = Buffer.from(JSON.stringify(checked.data), "utf8");
  if (headerJson.length > HEADER_MAX_BYTES) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `header is ${headerJson.length} bytes; at most ${HEADER_MAX_BYTES} allowed`, {
      field: "header",
    });
  }
  const imageBytes = PREAMBLE_BYTES + headerJson.length + payload.byteLength + SIGNATURE_BYTES;
  if (imageBytes > IMAGE_MAX_BYTES) {
    throw new BedlinkError(
      ErrorCode.InvalidArgument,
      `payload is ${payload.byteLength} bytes; with header and signature the image would be ${imageBytes}, the bootloader takes at most ${IMAGE_MAX_BYTES}`,
      { field: "payload" },
    );
  }
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  IMAGE_MAGIC.copy(preamble, 0);
  preamble.writeUInt16BE(IMAGE_FORMAT_VERSION, 4);
  preamble.writeUInt16BE(headerJson.length, 6);
  return Buffer.concat([preamble, headerJson, payload]);
}

/** The finished image: signed part followed by its 64-byte Ed25519 signature. */
export function attachSignature(signedPart: Uint8Array, signature: Uint8Array): Buffer {
  if (signature.byteLength !== SIGNATURE_BYTES) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `signature must be ${SIGNATURE_BYTES} bytes, got ${signature.byteLength}`);
  }
  return Buffer.concat([signedPart, signature]);
}

/** Parses image bytes. Never throws: every defect comes back as a reason and a sentence. */
export function parseImage(input: Uint8Array): ImageParseResult {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const fail = (reason: ImageFault, message: string, extra: Partial<ImageParseFailure> = {}): ImageParseFailure => ({
    ok: false,
    reason,
    message,
    ...extra,
  });

  if (bytes.length === 0) return fail("truncated", "image is empty");
  const magicSeen = bytes.subarray(0, IMAGE_MAGIC.length);
  if (!magicSeen.equals(IMAGE_MAGIC.subarray(0, magicSeen.length))) {
    return fail("bad-magic", `not a bedlink firmware image: starts with ${magicSeen.toString("hex")}, expected ${IMAGE_MAGIC.toString("hex")}`);
  }
  if (bytes.length < PREAMBLE_BYTES) {
    return fail("truncated", `image is ${bytes.length} bytes, shorter than the ${PREAMBLE_BYTES}-byte preamble`);
  }
  if (bytes.length > IMAGE_MAX_BYTES) {
    return fail("too-large", `image is ${bytes.length} bytes; the bootloader takes at most ${IMAGE_MAX_BYTES}`);
  }
  const formatVersion = bytes.readUInt16BE(4);
  if (formatVersion !== IMAGE_FORMAT_VERSION) {
    return fail("unsupported-version", `image format version ${formatVersion}; this tool reads version ${IMAGE_FORMAT_VERSION}`);
  }
  const headerBytes = bytes.readUInt16BE(6);
  if (headerBytes === 0 || headerBytes > HEADER_MAX_BYTES) {
    return fail("bad-header", `header length ${headerBytes} is outside 1–${HEADER_MAX_BYTES} bytes`);
  }
  const payloadStart = PREAMBLE_BYTES + headerBytes;
  if (bytes.length < payloadStart) {
    return fail("truncated", `image is ${bytes.length} bytes, cut inside its ${headerBytes}-byte header`);
  }

  const decoded = decodeHeader(bytes.subarray(PREAMBLE_BYTES, payloadStart));
  if (!decoded.ok) return fail("bad-header", decoded.message);
  const header = decoded.header;

  const afterHeader = bytes.length - payloadStart;
  const payloadEnd = payloadStart + header.payloadBytes;
  if (afterHeader < header.payloadBytes) {
    return fail("truncated", `payload is ${afterHeader} bytes, the header says ${header.payloadBytes}`, { header });
  }
  if (afterHeader > header.payloadBytes + SIGNATURE_BYTES) {
    const extra = afterHeader - header.payloadBytes - SIGNATURE_BYTES;
    return fail("size-mismatch", `image has ${extra} bytes after the signature; the header says the payload is ${header.payloadBytes} bytes`, {
      header,
    });
  }
  const signaturePresent = afterHeader - header.payloadBytes;
  if (signaturePresent > 0 && signaturePresent < SIGNATURE_BYTES) {
    return fail("truncated", `signature is ${signaturePresent} bytes, an Ed25519 signature is ${SIGNATURE_BYTES}`, { header });
  }

  const payload = bytes.subarray(payloadStart, payloadEnd);
  const signedBytes = bytes.subarray(0, payloadEnd);
  const signature = bytes.subarray(payloadEnd);
  const actualSha = sha256Hex(payload);
  if (actualSha !== header.payloadSha256) {
    return fail("hash-mismatch", `payload SHA-256 is ${actualSha}, the header says ${header.payloadSha256}`, {
      header,
      ...(signature.length === SIGNATURE_BYTES ? { signedBytes, signature } : {}),
    });
  }
  if (signature.length === 0) {
    return fail("no-signature", "image is unsigned: nothing follows the payload", { header });
  }
  return {
    ok: true,
    image: { formatVersion, header, headerBytes, payload, signedBytes, signature, totalBytes: bytes.length },
  };
}

type HeaderDecode = { ok: true; header: ImageHeader } | { ok: false; message: string };

function decodeHeader(raw: Buffer): HeaderDecode {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    return { ok: false, message: "header is not UTF-8 JSON" };
  }
  const checked = ImageHeader.safeParse(json);
  if (!checked.success) return { ok: false, message: `header: ${describeIssues(checked.error)}` };
  return { ok: true, header: checked.data };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

function fieldOf(error: z.ZodError): string | undefined {
  const first = error.issues[0];
  return first && first.path.length > 0 ? String(first.path[0]) : undefined;
}
