import { describe, expect, it } from "vitest";
import { crc16Bytes, crc16String, crcHex } from "../../protocols/crc16.ts";

describe("CRC-16/CCITT-FALSE", () => {
  it("matches the published check value 0x29B1 for '123456789'", () => {
    expect(crc16String("123456789")).toBe(0x29b1);
    expect(crc16Bytes(Buffer.from("123456789"))).toBe(0x29b1);
    expect(crcHex(0x29b1)).toBe("29B1");
  });

  it("detects every single-bit flip in a telemetry line", () => {
    const line = "TLM 7 61234,active,45.2,38,45,40,37,12,312.5,400,20,3,820,72.4,1B";
    const good = crc16String(line);
    const bytes = Buffer.from(line, "latin1");
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = Buffer.from(bytes);
        flipped[i] = flipped[i]! ^ (1 << bit);
        expect(crc16Bytes(flipped)).not.toBe(good);
      }
    }
  });
});
