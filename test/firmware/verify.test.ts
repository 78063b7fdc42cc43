import { sign } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { SIGNATURE_BYTES } from "../../src/firmware/constants.ts";
import { attachSignature, buildSignedPart, parseImage } from "../../src/firmware/image.ts";
import { describeImage } from "../../src/firmware/inspect.ts";
import { keyIdOf } from "../../src/firmware/keys.ts";
import { buildUnsignedImage } from "../../src/firmware/sign.ts";
import { verifyImage, type VerifyOptions, type VerifyResult } from "../../src/firmware/verify.ts";
import { payloadOf, signedImage, stranger, V6_META, vendor } from "./fixtures.ts";

/** A CG-V6 bed, hardware A2, running 1.3.2, that trusts the vendor key. */
const bed: VerifyOptions = { publicKeys: [vendor.publicKey], model: "CG-V6", hw: "A2", currentVersion: "1.3.2" };

function refusal(result: VerifyResult): { code: ErrorCode; message: string; check: string } {
  if (result.ok) throw new Error("expected the image to be refused, it was accepted");
  return { code: result.error.code, message: result.error.message, check: result.check };
}

describe("firmware image verification before transfer", () => {
  it("round trip: a vendor-signed CG-V6 1.4.0 image inspects as valid and verifies for a CG-V6 A2 bed on 1.3.2", () => {
    const image = signedImage();
    const report = describeImage(image, [vendor.publicKey]);
    expect(report.signature.verdict).toBe("valid");
    expect(report.trustworthy).toBe(true);
    expect(report.header?.version).toBe("1.4.0");
    const result = verifyImage(image, bed);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.downgrade).toBe(false);
      expect(result.image.header.keyId).toBe(keyIdOf(vendor.publicKey));
    }
  });

  it("one flipped bit anywhere in the image (header, payload or signature) → refused before transfer", () => {
    const image = signedImage();
    const codes = new Set<ErrorCode>();
    for (let i = 0; i < image.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(image);
        tampered[i]! ^= 1 << bit;
        const { code } = refusal(verifyImage(tampered, bed));
        expect([ErrorCode.ImageInvalid, ErrorCode.ImageSignatureInvalid], `byte ${i} bit ${bit}`).toContain(code);
        codes.add(code);
      }
    }
    expect(codes).toEqual(new Set([ErrorCode.ImageInvalid, ErrorCode.ImageSignatureInvalid]));
  });

  it("a flipped payload byte is reported as a hash mismatch; inspect also shows the signature no longer matches", () => {
    const tampered = signedImage();
    tampered[tampered.length - SIGNATURE_BYTES - 10]! ^= 0x80;
    const { code, message } = refusal(verifyImage(tampered, bed));
    expect(code).toBe(ErrorCode.ImageInvalid);
    expect(message).toMatch(/SHA-256/);
    expect(describeImage(tampered, [vendor.publicKey]).signature.verdict).toBe("invalid");
  });

  it("a flipped signature byte → ImageSignatureInvalid, 'altered after signing'", () => {
    const tampered = signedImage();
    tampered[tampered.length - 1]! ^= 0x01;
    const { code, message } = refusal(verifyImage(tampered, bed));
    expect(code).toBe(ErrorCode.ImageSignatureInvalid);
    expect(message).toMatch(/altered after signing/);
  });

  it("image for a CG-V5 offered to a CG-V6 → ImageWrongModel: 'image is for model CG-V5, this bed is CG-V6'", () => {
    const { code, message, check } = refusal(verifyImage(signedImage({ ...V6_META, model: "CG-V5" }), bed));
    expect(code).toBe(ErrorCode.ImageWrongModel);
    expect(check).toBe("model");
    expect(message).toBe("image is for model CG-V5, this bed is CG-V6");
  });

  it("image for hardware A1/A2 offered to a B1 board → ImageWrongModel naming both", () => {
    const { code, message, check } = refusal(verifyImage(signedImage(), { ...bed, hw: "B1" }));
    expect(code).toBe(ErrorCode.ImageWrongModel);
    expect(check).toBe("hw");
    expect(message).toBe("image fits hardware revisions A1, A2 of CG-V6, this bed is hardware B1");
  });

  it("unsigned image → ImageSignatureInvalid, verdict unsigned", () => {
    const unsigned = buildUnsignedImage(payloadOf(64), V6_META, keyIdOf(vendor.publicKey));
    const result = verifyImage(unsigned, bed);
    const { code, message } = refusal(result);
    expect(code).toBe(ErrorCode.ImageSignatureInvalid);
    expect(message).toMatch(/unsigned/);
    expect(!result.ok && result.error.context?.verdict).toBe("unsigned");
    expect(describeImage(unsigned, [vendor.publicKey]).signature.verdict).toBe("unsigned");
  });

  it("image signed by a key this controller does not trust → ImageSignatureInvalid, verdict key-unknown", () => {
    const result = verifyImage(signedImage(V6_META, payloadOf(64), stranger), bed);
    expect(refusal(result).code).toBe(ErrorCode.ImageSignatureInvalid);
    expect(!result.ok && result.error.context?.verdict).toBe("key-unknown");
    expect(refusal(result).message).toContain(keyIdOf(stranger.publicKey));
  });

  it("forged image claiming the vendor's key id but signed with another key → ImageSignatureInvalid", () => {
    const signedPart = buildSignedPart(V6_META, payloadOf(64), keyIdOf(vendor.publicKey));
    const forged = attachSignature(signedPart, sign(null, signedPart, stranger.privateKey));
    const result = verifyImage(forged, bed);
    expect(refusal(result).code).toBe(ErrorCode.ImageSignatureInvalid);
    expect(!result.ok && result.error.context?.verdict).toBe("invalid");
  });

  it("controller with no trusted key configured refuses even a good image", () => {
    const { code, message } = refusal(verifyImage(signedImage(), { ...bed, publicKeys: [] }));
    expect(code).toBe(ErrorCode.ImageSignatureInvalid);
    expect(message).toMatch(/no firmware public key is configured/);
  });

  it("accepts any of several trusted keys (key rotation)", () => {
    expect(verifyImage(signedImage(V6_META, payloadOf(64), stranger), { ...bed, publicKeys: [vendor.publicKey, stranger.publicKey] }).ok).toBe(true);
  });

  it("1.4.0 offered to a bed on 1.5.0 → ImageDowngrade; accepted with allowDowngrade, flagged as a downgrade", () => {
    const image = signedImage();
    const { code, message } = refusal(verifyImage(image, { ...bed, currentVersion: "1.5.0" }));
    expect(code).toBe(ErrorCode.ImageDowngrade);
    expect(message).toMatch(/image is firmware 1.4.0, this bed runs 1.5.0/);
    const allowed = verifyImage(image, { ...bed, currentVersion: "1.5.0", allowDowngrade: true });
    expect(allowed.ok && allowed.downgrade).toBe(true);
  });

  it("reinstalling the same version is not a downgrade; a pre-release of the running version is", () => {
    expect(verifyImage(signedImage(), { ...bed, currentVersion: "1.4.0" }).ok).toBe(true);
    const rc = signedImage({ ...V6_META, version: "1.4.0-rc.2" });
    expect(refusal(verifyImage(rc, { ...bed, currentVersion: "1.4.0" })).code).toBe(ErrorCode.ImageDowngrade);
  });

  it("a bed reporting a non-semver firmware string → ImageDowngrade unless downgrades are allowed", () => {
    expect(refusal(verifyImage(signedImage(), { ...bed, currentVersion: "V6-build-77" })).code).toBe(ErrorCode.ImageDowngrade);
    expect(verifyImage(signedImage(), { ...bed, currentVersion: "V6-build-77", allowDowngrade: true }).ok).toBe(true);
  });

  it("the signature is checked before the header's claims: a tampered model field is a signature failure", () => {
    const image = signedImage();
    const at = image.indexOf("CG-V6");
    const tampered = Buffer.from(image);
    tampered.write("CG-V5", at, "latin1");
    expect(parseImage(tampered).ok).toBe(true); // still well-formed
    expect(refusal(verifyImage(tampered, { ...bed, model: "CG-V5" })).code).toBe(ErrorCode.ImageSignatureInvalid);
  });

  it("no splice of a real image (overwrite, cut, insert) is ever accepted unless the bytes are unchanged", () => {
    const image = signedImage();
    fc.assert(
      fc.property(fc.nat({ max: image.length }), fc.nat({ max: 32 }), fc.uint8Array({ maxLength: 32 }), (at, remove, insert) => {
        const mutated = Buffer.concat([image.subarray(0, at), insert, image.subarray(Math.min(image.length, at + remove))]);
        expect(verifyImage(mutated, bed).ok).toBe(mutated.equals(image));
      }),
      { numRuns: 1500 },
    );
  });
});
