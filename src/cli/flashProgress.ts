// The firmware-update progress line for a terminal: bar, percent, bytes, rate and time left.
import type { FlashPhase, FlashProgress } from "../firmware/transfer.ts";

const BAR_CELLS = 30;

/** What a non-terminal log says when a phase starts. */
export const PHASE_TEXT: Record<FlashPhase, string> = {
  boot: "entering the bootloader",
  transfer: "transferring",
  verify: "bed is verifying the image (size and SHA-256)",
  reboot: "rebooting into the new firmware; waiting for its handshake (rollback after 10 s)",
  complete: "new firmware is running",
};

export function formatFlashProgress(p: FlashProgress): string {
  if (p.phase !== "transfer" && p.phase !== "boot") return `${bar(p.totalBytes, p.totalBytes)} 100%  ${PHASE_TEXT[p.phase]}`;
  const pct = p.totalBytes > 0 ? Math.floor((p.bytesDone * 100) / p.totalBytes) : 0;
  const rate = p.bytesPerS === undefined ? "" : `  ${kb(p.bytesPerS)}/s`;
  const eta = p.etaMs === undefined ? "" : `  ETA ${duration(p.etaMs)}`;
  const resumed = p.resumes > 0 ? `  (resumed ${p.resumes}×)` : "";
  return `${bar(p.bytesDone, p.totalBytes)} ${String(pct).padStart(3)}%  ${kb(p.bytesDone)} / ${kb(p.totalBytes)}${rate}${eta}${resumed}`;
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR_CELLS) : 0;
  return `[${"#".repeat(filled)}${".".repeat(BAR_CELLS - filled)}]`;
}

function kb(bytes: number): string {
  return bytes < 10_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${Math.round(bytes / 1000)} kB`;
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
