import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isBedlinkError, ErrorCode } from "../../src/errors.ts";
import { IMAGE_MAGIC, IMAGE_MAX_BYTES, PREAMBLE_BYTES, SIGNATURE_BYTES } from "../../src/firmware/constants.ts";
import { buildSignedPart, parseImage, sha256Hex, type ImageFault } from "../../src/firmware/image.ts";
import { buildUnsignedImage } from "../../src/firmware/sign.ts";
import { payloadOf, signedImage, V6_META } from "./fixtures.ts";

const REASONS: ImageFault[] = ["truncated", "bad-magic", "unsupported-version", "bad-header", "too-large", "size-mismatch", "hash-mismatch", "no-signature"];

function reasonOf(bytes: Uint8Array): ImageFault | "ok" {
  const parsed = parseImage(bytes);
  return parsed.ok ? "ok" : parsed.reason;
}

describe("firmware image container", () => {
  it("reads back exactly the header, payload and signature it was built with", () => {
    const payload = payloadOf(1000);
    const image = signedImage(V6_META, payload);
    const parsed = parseImage(image);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.image.header).toMatchObject({ model: "CG-V6", hw: ["A1", "A2"], version: "1.4.0", payloadBytes: 1000 });
    expect(parsed.image.header.payloadSha256).toBe(sha256Hex(payload));
    expect(parsed.image.payload.equals(payload)).toBe(true);
    expect(parsed.image.signature.length).toBe(SIGNATURE_BYTES);
    expect(parsed.image.totalBytes).toBe(PREAMBLE_BYTES + parsed.image.headerBytes + 1000 + SIGNATURE_BYTES);
    expect(image.subarray(0, 4).equals(IMAGE_MAGIC)).toBe(true);
  });

  it("builds byte-identical images from the same payload, metadata and key (reproducible builds)", () => {
    expect(signedImage().equals(signedImage())).toBe(true);
  });

  it("says 'no-signature' for an unsigned image, and still shows what it claims", () => {
    const parsed = parseImage(buildUnsignedImage(payloadOf(64), V6_META));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toBe("no-signature");
    expect(parsed.header?.model).toBe("CG-V6");
  });

  it("a file cut short at any byte is reported truncated (or unsigned, when cut exactly after the payload)", () => {
    const image = signedImage();
    for (let length = 0; length < image.length; length++) {
      const expected = length === image.length - SIGNATURE_BYTES ? "no-signature" : "truncated";
      expect(reasonOf(image.subarray(0, length)), `cut at ${length}`).toBe(expected);
    }
  });

  it("names the defect: bad magic, unknown format version, trailing bytes, payload hash", () => {
    const image = signedImage();
    expect(reasonOf(Buffer.from("#!/bin/sh\necho not firmware\n"))).toBe("bad-magic");
    const v2 = Buffer.from(image);
    v2.writeUInt16BE(2, 4);
    expect(reasonOf(v2)).toBe("unsupported-version");
    expect(reasonOf(Buffer.concat([image, Buffer.from([0])]))).toBe("size-mismatch");
    const payloadFlip = Buffer.from(image);
    payloadFlip[image.length - SIGNATURE_BYTES - 1]! ^= 0x01;
    const parsed = parseImage(payloadFlip);
    expect(parsed.ok ? "ok" : parsed.reason).toBe("hash-mismatch");
    expect(parsed.ok ? "" : parsed.message).toMatch(/SHA-256/);
    const longHeader = Buffer.from(image);
    longHeader.writeUInt16BE(65535, 6);
    expect(reasonOf(longHeader)).toBe("bad-header");
  });

  it("refuses a header that is JSON but not ours (unknown field), naming the field", () => {
    const json = Buffer.from(JSON.stringify({ model: "CG-V6", hw: ["A1"], version: "1.4.0", payloadBytes: 1, payloadSha256: "0".repeat(64), keyId: "0".repeat(16), extra: 1 }));
    const preamble = Buffer.alloc(PREAMBLE_BYTES);
    IMAGE_MAGIC.copy(preamble);
    preamble.writeUInt16BE(1, 4);
    preamble.writeUInt16BE(json.length, 6);
    const parsed = parseImage(Buffer.concat([preamble, json, Buffer.from([0])]));
    expect(parsed.ok ? "ok" : parsed.reason).toBe("bad-header");
    expect(parsed.ok ? "" : parsed.message).toMatch(/extra/);
  });

  it("refuses to build an image with bad metadata, naming the field and what is allowed", () => {
    const cases: [Partial<typeof V6_META>, string][] = [
      [{ version: "1.4" }, "version"],
      [{ model: "" }, "model"],
      [{ model: "CG V6" }, "model"],
      [{ hw: [] }, "hw"],
      [{ hw: ["A1", "A1"] }, "hw"],
      [{ hw: ["A1", ""] }, "hw"],
    ];
    for (const [override, field] of cases) {
      let caught: unknown;
      try {
        buildSignedPart({ ...V6_META, ...override }, payloadOf(8), "0".repeat(16));
      } catch (err) {
        caught = err;
      }
      expect(isBedlinkError(caught, ErrorCode.InvalidArgument), JSON.stringify(override)).toBe(true);
      expect((caught as Error).message).toContain(field);
    }
    expect(() => buildSignedPart(V6_META, Buffer.alloc(0), "0".repeat(16))).toThrow(/empty/);
    // 8 MiB is the bootloader's limit for the whole image, header and signature included
    expect(() => buildSignedPart(V6_META, Buffer.alloc(IMAGE_MAX_BYTES - 72), "0".repeat(16))).toThrow(/at most 8388608/);
  });

  it("never throws on arbitrary bytes: always a result with a known reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const parsed = parseImage(bytes);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(REASONS).toContain(parsed.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on garbage behind a valid preamble (reaches the header and size checks)", () => {
    const preamble = fc.nat({ max: 700 }).map((headerBytes) => {
      const p = Buffer.alloc(PREAMBLE_BYTES);
      IMAGE_MAGIC.copy(p);
      p.writeUInt16BE(1, 4);
      p.writeUInt16BE(headerBytes, 6);
      return p;
    });
    fc.assert(
      fc.property(preamble, fc.uint8Array({ maxLength: 800 }), (p, rest) => {
        const parsed = parseImage(Buffer.concat([p, rest]));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(REASONS).toContain(parsed.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws when a real image is spliced: bytes overwritten, removed or inserted anywhere", () => {
    const image = signedImage();
    const splice = fc.record({
      at: fc.nat({ max: image.length }),
      remove: fc.nat({ max: 40 }),
      insert: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(splice, ({ at, remove, insert }) => {
        const mutated = Buffer.concat([image.subarray(0, at), insert, image.subarray(Math.min(image.length, at + remove))]);
        const parsed = parseImage(mutated);
        if (!parsed.ok) expect(REASONS).toContain(parsed.reason);
      }),
      { numRuns: 2000 },
    );
  });
});
