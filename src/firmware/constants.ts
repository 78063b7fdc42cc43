// Limits and fixed bytes of the signed firmware image format (see FORMAT.md).
// Changing any of these changes the format: bump IMAGE_FORMAT_VERSION with it.

/** File signature: 0x89 keeps a text-mode transfer from passing it unchanged (as PNG does), then "BFW". */
export const IMAGE_MAGIC = Buffer.from([0x89, 0x42, 0x46, 0x57]);
/** The only layout this code reads and writes. */
export const IMAGE_FORMAT_VERSION = 1;
/** Magic (4) + format version (uint16 BE) + header length (uint16 BE). */
export const PREAMBLE_BYTES = 8;
/** A real header is ~300 bytes; the cap stops a hostile length from steering the parser. */
export const HEADER_MAX_BYTES = 4096;
/** Ed25519 signatures are always 64 bytes (RFC 8032). */
export const SIGNATURE_BYTES = 64;
/** The bootloader's BOOT command accepts at most 8 MiB (protocols/messages.ts), so no image may exceed it. */
export const IMAGE_MAX_BYTES = 8 * 1024 * 1024;
/** Identity.model is at most 40 characters on the wire (protocols/messages.ts). */
export const MODEL_MAX_CHARS = 40;
/** Identity.hw and Identity.fw are at most 20 characters on the wire (protocols/messages.ts). */
export const HW_MAX_CHARS = 20;
export const VERSION_MAX_CHARS = 20;
/** More hardware revisions than any product line has had; keeps the header bounded. */
export const HW_LIST_MAX = 16;
/** Key id = first 16 hex digits (64 bits) of SHA-256 of the raw 32-byte public key. */
export const KEY_ID_HEX_CHARS = 16;
/** Default directory name under the data directory, and its default. */
export const DEFAULT_DATA_DIR = "./.bedlink-data";
export const TRUSTED_KEYS_SUBDIR = "firmware/trusted-keys";
/** Names keygen writes inside --out DIR. */
export const PRIVATE_KEY_FILE = "bedlink-fw.key.pem";
export const PUBLIC_KEY_FILE = "bedlink-fw.pub.pem";
