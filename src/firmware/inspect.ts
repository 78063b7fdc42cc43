// What an image says about itself and whether its signature holds, as one JSON-able report:
// printed by `bedlink fw inspect`, and shown on the technician page before a flash.
import type { KeyObject } from "node:crypto";
import { parseImage, sha256Hex, type ImageFault, type ImageHeader } from "./image.ts";
import { keyIdOf } from "./keys.ts";
import { checkSignature, type SignatureCheck } from "./verify.ts";

export interface ImageReport {
  imageBytes: number;
  imageSha256: string;
  /** Present once the header parsed (even on a damaged image: it shows what the image claims). */
  header?: ImageHeader;
  formatVersion?: number;
  headerBytes?: number;
  structure: { ok: true } | { ok: false; reason: ImageFault; message: string };
  signature: SignatureCheck & { trustedKeyIds: string[] };
  /** True only when the structure is sound and the signature valid: the image could be flashed. */
  trustworthy: boolean;
}

export function describeImage(bytes: Uint8Array, publicKeys: readonly KeyObject[]): ImageReport {
  const parsed = parseImage(bytes);
  const signature = { ...checkSignature(parsed, publicKeys), trustedKeyIds: publicKeys.map(keyIdOf) };
  const base = { imageBytes: bytes.byteLength, imageSha256: sha256Hex(bytes), signature };
  if (parsed.ok) {
    const { header, formatVersion, headerBytes } = parsed.image;
    return { ...base, header, formatVersion, headerBytes, structure: { ok: true }, trustworthy: signature.verdict === "valid" };
  }
  // An unsigned image is structurally whole; its verdict says the rest.
  const structure = parsed.reason === "no-signature" ? ({ ok: true } as const) : { ok: false as const, reason: parsed.reason, message: parsed.message };
  return { ...base, ...(parsed.header ? { header: parsed.header } : {}), structure, trustworthy: false };
}
