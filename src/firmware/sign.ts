// Signing: payload + metadata + Ed25519 private key → a finished image (deterministic:
// Ed25519 signatures are, and the header has no timestamp, so a rebuild is byte-identical).
import { sign, type KeyObject } from "node:crypto";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { attachSignature, buildSignedPart, type ImageMeta } from "./image.ts";
import { keyIdOf } from "./keys.ts";

export interface SignedImage {
  bytes: Buffer;
  keyId: string;
}

export function signImage(payload: Uint8Array, meta: ImageMeta, privateKey: KeyObject): SignedImage {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new BedlinkError(ErrorCode.InvalidArgument, "firmware is signed with an Ed25519 private key", { field: "key" });
  }
  const keyId = keyIdOf(privateKey);
  const signedPart = buildSignedPart(meta, payload, keyId);
  // Ed25519 takes no separate digest: the algorithm argument must be null.
  const signature = sign(null, signedPart, privateKey);
  return { bytes: attachSignature(signedPart, signature), keyId };
}

/** An image with no signature at all: for tests, and to show what a refusal looks like. */
export function buildUnsignedImage(payload: Uint8Array, meta: ImageMeta, keyId = "0000000000000000"): Buffer {
  return buildSignedPart(meta, payload, keyId);
}
