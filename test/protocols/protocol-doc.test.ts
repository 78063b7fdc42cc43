import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeFrame } from "../../protocols/codec.ts";
import { EVENT_CODES, NAK_CODES, TLM_FLAGS } from "../../protocols/constants.ts";
import { TELEMETRY_FIELDS } from "../../protocols/messages.ts";
import { crc16String, crcHex } from "../../protocols/crc16.ts";

const spec = readFileSync(new URL("../../protocols/PROTOCOL.md", import.meta.url), "utf8");

/** Example frames: `> …*XXXX` / `< …*XXXX` lines in code blocks, and frames quoted in table cells. */
function exampleFrames(): string[] {
  const fromBlocks = spec
    .split("\n")
    .filter((l) => /^[<>] [A-Z]{2,8} \d+.*\*[0-9A-F]{4}$/.test(l))
    .map((l) => l.slice(2));
  const fromTables = [...spec.matchAll(/`([A-Z]{2,8} \d+[^`]*\*[0-9A-F]{4})`/g)].map((m) => m[1]!);
  // `{HH}` in the text stands for one raw byte (DATA frames carry unprintable bytes).
  return [...fromBlocks, ...fromTables].map((f) => f.replace(/\{([0-9A-F]{2})\}/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
}

describe("PROTOCOL.md, checked against the codec", () => {
  const frames = exampleFrames();

  it("has examples to check (every command, TLM, EVT, ACK, NAK, DATA)", () => {
    const types = new Set(frames.map((f) => f.split(" ")[0]));
    for (const t of ["HELLO", "HEAT", "MOVE", "HALT", "LIFT", "HOME", "RATE", "HB", "SAFE", "ESTOP", "RESET", "LOG", "INFO", "SESSION", "BOOT", "DATA", "DONE", "REBOOT", "TLM", "EVT", "ACK", "NAK"]) {
      expect(types, t).toContain(t);
    }
  });

  it("every example frame has a correct CRC and decodes", () => {
    for (const f of frames) {
      const r = decodeFrame(f);
      expect(r.ok ? "ok" : `${r.error.kind}: ${r.error.detail}`, f).toBe("ok");
    }
  });

  it("the CRC worked example and check value are what the CRC module computes", () => {
    expect(spec).toContain("**0x29B1**");
    expect(crcHex(crc16String("123456789"))).toBe("29B1");
    expect(spec).toContain("| CRC after | 283C | F1EC | 375C | ADEF | AF25 | AEF9 | **021E** |");
    const after = ["H", "HB", "HB ", "HB 8", "HB 8 ", "HB 8 {", "HB 8 {}"].map((p) => crcHex(crc16String(p)));
    expect(after).toEqual(["283C", "F1EC", "375C", "ADEF", "AF25", "AEF9", "021E"]);
  });

  it("the DATA example's byte dump is the frame as sent", () => {
    const dump = /as sent:\n`([0-9A-F ]+)`/.exec(spec)![1]!;
    const bytes = Buffer.from(dump.split(" ").map((h) => parseInt(h, 16)));
    expect(bytes.at(-1)).toBe(0x0a);
    const r = decodeFrame(bytes.subarray(0, -1).toString("latin1"));
    expect(r.ok && r.frame.type === "DATA" && Array.from(r.frame.body.bytes)).toEqual([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x0d, 0x1b, 0x00]);
  });

  it("lists every event code with its priority and text, and every NAK code with its meaning", () => {
    for (const [code, info] of Object.entries(EVENT_CODES)) {
      expect(spec, code).toContain(`| \`${code}\` | ${info.priority} | ${info.text} |`);
    }
    for (const [code, text] of Object.entries(NAK_CODES)) {
      expect(spec, code).toContain(`| \`${code}\` | ${text} |`);
    }
  });

  it("gives the telemetry fields in wire order and every flag bit", () => {
    TELEMETRY_FIELDS.forEach((name, i) => expect(spec, name).toContain(`| ${i + 1} | \`${name}\` |`));
    for (const [name, bit] of Object.entries(TLM_FLAGS)) {
      expect(spec, name).toContain(`| 0x${bit.toString(16).padStart(2, "0")} | \`${name}\` |`);
    }
  });
});
