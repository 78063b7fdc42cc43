// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor).
// Published check value: crc16("123456789") === 0x29B1. Table-driven: one lookup per byte.

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC over the low byte of each char code of s[start, end) (frames are latin1: one char = one byte). */
export function crc16String(s: string, start = 0, end = s.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!) & 0xffff;
  }
  return crc;
}

export function crc16Bytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  }
  return crc;
}

const HEX = "0123456789ABCDEF";
export function crcHex(crc: number): string {
  return HEX[(crc >> 12) & 15]! + HEX[(crc >> 8) & 15]! + HEX[(crc >> 4) & 15]! + HEX[crc & 15]!;
}
