// Shared test material: a vendor signing key, a foreign key, and images built from them.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type { ImageMeta } from "../../src/firmware/image.ts";
import { signImage } from "../../src/firmware/sign.ts";

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newKey(): TestKey {
  return generateKeyPairSync("ed25519");
}

export const vendor = newKey();
export const stranger = newKey();

export const V6_META: ImageMeta = { model: "CG-V6", hw: ["A1", "A2"], version: "1.4.0" };

/** Deterministic payload bytes, so a failing case can be reproduced from its size alone. */
export function payloadOf(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

export function signedImage(meta: ImageMeta = V6_META, payload = payloadOf(64), key = vendor): Buffer {
  return signImage(payload, meta, key.privateKey).bytes;
}
