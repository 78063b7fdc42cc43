// The gate before a single byte goes to the bed: the image must be intact, signed by a trusted
// key, built for this model and hardware revision, and not older than what the bed runs.
import { verify, type KeyObject } from "node:crypto";
import { BedlinkError, ErrorCode } from "../errors.ts";
import { parseImage, type ImageParseResult, type ParsedImage } from "./image.ts";
import { keyIdOf } from "./keys.ts";
import { compareSemver, parseSemver } from "./semver.ts";

export type SignatureVerdict = "valid" | "invalid" | "unsigned" | "key-unknown";

export interface SignatureCheck {
  verdict: SignatureVerdict;
  /** The key id the image names (absent when the header could not be read). */
  keyId?: string;
  message: string;
}

/** Which check refused the image; also in the error's context as `check`. */
export type VerifyCheck = "integrity" | "signature" | "model" | "hw" | "version";

export interface VerifyOptions {
  publicKeys: readonly KeyObject[];
  /** The bed's Identity.model and Identity.hw. */
  model: string;
  hw: string;
  /** The bed's Identity.fw; without it no downgrade check is made. */
  currentVersion?: string;
  allowDowngrade?: boolean;
}

export type VerifyResult =
  | { ok: true; image: ParsedImage; signature: SignatureCheck; downgrade: boolean }
  | { ok: false; check: VerifyCheck; error: BedlinkError };

/** What the signature says about this image, whether or not the rest of it is sound. */
export function checkSignature(parsed: ImageParseResult, publicKeys: readonly KeyObject[]): SignatureCheck {
  let signedBytes: Buffer;
  let signature: Buffer;
  if (parsed.ok) {
    ({ signedBytes, signature } = parsed.image);
  } else if (parsed.reason === "no-signature") {
    return { verdict: "unsigned", keyId: parsed.header?.keyId, message: "image is unsigned" };
  } else if (parsed.signedBytes && parsed.signature) {
    ({ signedBytes, signature } = parsed);
  } else {
    return { verdict: "invalid", keyId: parsed.header?.keyId, message: `signature cannot be checked: ${parsed.message}` };
  }
  const keyId = (parsed.ok ? parsed.image.header : parsed.header)!.keyId;
  if (publicKeys.length === 0) {
    return { verdict: "key-unknown", keyId, message: `signed by key ${keyId}, but no firmware public key is configured` };
  }
  const known = publicKeys.map((key) => ({ key, id: keyIdOf(key) }));
  const match = known.find((k) => k.id === keyId);
  if (!match) {
    const trusted = known.map((k) => k.id).join(", ");
    return { verdict: "key-unknown", keyId, message: `signed by key ${keyId}, which is not a trusted key (trusted: ${trusted})` };
  }
  let good = false;
  try {
    good = verify(null, signedBytes, match.key, signature);
  } catch {
    good = false; // a key of the wrong type; loadPublicKeys refuses those, but never crash here
  }
  return good
    ? { verdict: "valid", keyId, message: `signature valid (key ${keyId})` }
    : { verdict: "invalid", keyId, message: `signature does not match the image (key ${keyId}): altered after signing` };
}

export function verifyImage(image: Uint8Array, opts: VerifyOptions): VerifyResult {
  const refuse = (check: VerifyCheck, code: ErrorCode, message: string, context: Record<string, unknown> = {}): VerifyResult => ({
    ok: false,
    check,
    error: new BedlinkError(code, message, { check, ...context }),
  });

  const parsed = parseImage(image);
  if (!parsed.ok && parsed.reason !== "no-signature") {
    return refuse("integrity", ErrorCode.ImageInvalid, `image refused, it is damaged or not a firmware image: ${parsed.message}`, {
      reason: parsed.reason,
    });
  }
  const signature = checkSignature(parsed, opts.publicKeys);
  if (!parsed.ok || signature.verdict !== "valid") {
    const why = signature.verdict === "unsigned" ? "image is unsigned; only signed firmware may be flashed" : signature.message;
    return refuse("signature", ErrorCode.ImageSignatureInvalid, `image refused: ${why}`, {
      verdict: signature.verdict,
      keyId: signature.keyId,
    });
  }

  // Only now are the header's claims trusted enough to compare against the bed.
  const { header } = parsed.image;
  if (header.model !== opts.model) {
    return refuse("model", ErrorCode.ImageWrongModel, `image is for model ${header.model}, this bed is ${opts.model}`, {
      expected: opts.model,
      actual: header.model,
    });
  }
  if (!header.hw.includes(opts.hw)) {
    return refuse(
      "hw",
      ErrorCode.ImageWrongModel,
      `image fits hardware revisions ${header.hw.join(", ")} of ${header.model}, this bed is hardware ${opts.hw}`,
      { expected: opts.hw, actual: header.hw },
    );
  }

  let downgrade = false;
  if (opts.currentVersion !== undefined) {
    const current = parseSemver(opts.currentVersion);
    const next = parseSemver(header.version)!; // the header schema admits only semver
    if (!current) {
      if (!opts.allowDowngrade) {
        return refuse(
          "version",
          ErrorCode.ImageDowngrade,
          `this bed reports firmware "${opts.currentVersion}", which is not a semver version, so ${header.version} may be a downgrade; allow downgrades to flash it anyway`,
          { current: opts.currentVersion, image: header.version },
        );
      }
      downgrade = true;
    } else if (compareSemver(next, current) < 0) {
      if (!opts.allowDowngrade) {
        return refuse(
          "version",
          ErrorCode.ImageDowngrade,
          `image is firmware ${header.version}, this bed runs ${opts.currentVersion}: a downgrade; allow downgrades to flash it anyway`,
          { current: opts.currentVersion, image: header.version },
        );
      }
      downgrade = true;
    }
  }
  return { ok: true, image: parsed.image, signature, downgrade };
}
