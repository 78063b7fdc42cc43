import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, parseReply } from "../../protocols/codec.ts";
import { crc16String, crcHex } from "../../protocols/crc16.ts";
import { NakBody } from "../../protocols/messages.ts";

function framed(head: string): string {
  return `${head}*${crcHex(crc16String(head))}`;
}

describe("a command with a bad body is refused naming the field and its allowed range", () => {
  const cases = [
    { head: 'HEAT 4 {"zone":"projector","targetC":150}', field: "targetC", min: 0, max: 100 },
    { head: 'HEAT 4 {"zone":"projector","targetC":-1}', field: "targetC", min: 0, max: 100 },
    { head: 'MOVE 5 {"positionMm":2500,"speedMmS":20}', field: "positionMm", min: 0, max: 2000 },
    { head: 'MOVE 5 {"positionMm":100,"speedMmS":0}', field: "speedMmS", min: 0, max: 200 },
    { head: 'LIFT 6 {"level":9}', field: "level", min: 0, max: 6 },
    { head: 'RATE 7 {"hz":0}', field: "hz", min: 1, max: 50 },
    { head: "DATA 8 9000000:abc", field: "offset", min: 0, max: 8 * 1024 * 1024 },
    { head: `DATA 8 0:${"x".repeat(257)}`, field: "bytes", min: 1, max: 256 },
  ];
  for (const c of cases) {
    it(`${c.head.slice(0, 48)} → ${c.field} outside ${c.min}…${c.max}`, () => {
      const r = decodeFrame(framed(c.head));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const [type, seq] = c.head.split(" ");
      expect(r.error).toMatchObject({ kind: "body", type, seq: Number(seq), field: c.field, min: c.min, max: c.max });
      expect(r.error.detail).toContain(c.field);
      expect(r.error.detail).toContain(`${c.min}…${c.max}`);
    });
  }

  it("a missing field and a wrong enum value are named too", () => {
    const missing = decodeFrame(framed('HEAT 9 {"targetC":40}'));
    expect(!missing.ok && missing.error).toMatchObject({ kind: "body", field: "zone" });
    const wrongZone = decodeFrame(framed('HEAT 9 {"zone":"pillow","targetC":40}'));
    expect(!wrongZone.ok && wrongZone.error.detail).toMatch(/^zone: .*projector.*mat/);
  });

  it("the device can carry the refusal back in a NAK the host decodes, field and bounds intact", () => {
    const r = decodeFrame(framed('HEAT 4 {"zone":"mat","targetC":150}'));
    if (r.ok) throw new Error("expected a refusal");
    const nak = NakBody.parse({ code: "E_BAD_BODY", message: r.error.detail, field: r.error.field, min: r.error.min, max: r.error.max });
    const back = decodeFrame(encodeFrame({ type: "NAK", seq: r.error.seq!, body: nak }).slice(0, -1));
    expect(back.ok && back.frame).toEqual({ type: "NAK", seq: 4, body: nak });
  });

  it("an unknown type with a good CRC keeps its seq so the device can NAK it; a bad CRC keeps nothing", () => {
    const unknown = decodeFrame(framed("FLY 12 {}"));
    expect(!unknown.ok && unknown.error).toMatchObject({ kind: "unknown-type", type: "FLY", seq: 12 });
    const corrupt = decodeFrame("HB 12*0000");
    expect(!corrupt.ok && corrupt.error).toEqual({ kind: "crc", detail: "CRC mismatch" });
  });

  it("JSON bodies must be printable ASCII and an object where one is expected", () => {
    expect(decodeFrame(framed('EVT 1 {"code":"I_BOOT","priority":"low","atMs":1,"detail":"\u00e9"}')).ok).toBe(false);
    expect(decodeFrame(framed("ACK 1 [1,2]")).ok).toBe(false);
    expect(decodeFrame(framed("HB 1 null")).ok).toBe(false);
    expect(decodeFrame(framed("HB 1 {")).ok).toBe(false);
  });

  it("a reply that does not match its command's schema is explained by field", () => {
    const r = parseReply("BOOT", { chunkBytes: 256, resumeOffset: -4 });
    expect(!r.ok && r.error).toMatch(/^resumeOffset: /);
  });
});
