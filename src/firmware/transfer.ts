// Flashing a bed: verify the image against the bed and the trusted keys before a byte goes
// out, transfer it through the bootloader (resuming an interrupted transfer), REBOOT, and
// check that the new firmware came up — or report clearly that the bed rolled back.
import type { KeyObject } from "node:crypto";
import type { Clock } from "../../protocols/clock.ts";
import { parseReply } from "../../protocols/codec.ts";
import { BOOT_CHUNK_BYTES } from "../../protocols/constants.ts";
import type { Identity } from "../../protocols/messages.ts";
import type { BedDriver } from "../device/bed.ts";
import { BedlinkError, ErrorCode, isBedlinkError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { nakOf, sendChunks } from "./chunks.ts";
import { RateMeter } from "./rate.ts";
import { parseImage } from "./image.ts";
import { verifyImage, type VerifyResult } from "./verify.ts";

/** Interruptions (reboot, unplug, timeout) the transfer resumes from before giving up. */
export const MAX_RESUMES = 5;
/** A failed SHA-256 check on DONE: start over this many times (a flash write error is rare; two in a row is not chance). */
export const MAX_VERIFY_RETRIES = 2;
/** After an interruption: how long the bed has to come back (reconnect backoff reaches 5 s; homing takes ≈ 13 s). */
export const RECONNECT_WAIT_MS = 30_000;
/** After REBOOT: the 10 s rollback window (PROTOCOL.md §15), a failed handshake (3.75 s) and reconnect backoff. */
export const REBOOT_WAIT_MS = 40_000;

export type FlashPhase = "boot" | "transfer" | "verify" | "reboot" | "complete";

export interface FlashProgress {
  phase: FlashPhase;
  /** Image bytes the bed has accepted. */
  bytesDone: number;
  totalBytes: number;
  /** Over the bytes sent in this flash (resumed bytes excluded); undefined until measurable. */
  bytesPerS: number | undefined;
  etaMs: number | undefined;
  resumes: number;
  /** Set on the "boot" phase after an interruption: where the bed said to continue. */
  resumeOffset?: number;
}

export interface FlashOptions {
  clock: Clock;
  /** Trusted firmware public keys (FORMAT.md: --pubkey, env, data dir). */
  publicKeys: readonly KeyObject[];
  allowDowngrade?: boolean;
  logger?: Logger;
  onProgress?: (p: FlashProgress) => void;
}

export interface FlashResult {
  /** updated: the new image runs and handshook. rolled-back: the bed booted its old slot again. */
  outcome: "updated" | "rolled-back";
  fromVersion: string;
  imageVersion: string;
  /** What the bed reports after the reboot. */
  runningVersion: string;
  fromSlot: "A" | "B";
  bootSlot: "A" | "B";
  bytes: number;
  transferMs: number;
  bytesPerS: number;
  resumes: number;
  verifyFailures: number;
  downgrade: boolean;
}

/**
 * Integrity and signature alone, before any bed is reached (model, hardware and version need
 * the bed's identity and are checked again by flashImage).
 */
export function checkImageAlone(image: Uint8Array, publicKeys: readonly KeyObject[]): VerifyResult {
  const parsed = parseImage(image);
  const header = parsed.ok ? parsed.image.header : parsed.header;
  return verifyImage(image, { publicKeys, model: header?.model ?? "", hw: header?.hw[0] ?? "" });
}

type BedLike = Pick<BedDriver, "identity" | "linkState" | "request" | "on" | "off">;

/**
 * Verifies `image` for this bed, transfers it, reboots into it and checks it runs.
 * Throws a BedlinkError: ImageInvalid / ImageSignatureInvalid / ImageWrongModel / ImageDowngrade
 * before anything is sent; TransferFailed when the transfer cannot be completed.
 * A rollback is a result (outcome "rolled-back"), not an exception: the bed is fine.
 */
export async function flashImage(bed: BedLike, image: Uint8Array, opts: FlashOptions): Promise<FlashResult> {
  const log = (opts.logger ?? silentLogger()).child({ ns: "bedlink:firmware:flash" });
  const before = bed.identity;
  const verdict = verifyImage(image, {
    publicKeys: opts.publicKeys,
    model: before.model,
    hw: before.hw,
    currentVersion: before.fw,
    allowDowngrade: opts.allowDowngrade,
  });
  if (!verdict.ok) throw verdict.error;
  const { header, payload } = verdict.image;
  // BOOT's size and sha256 cover the payload: the bed stores the firmware, not our container.
  const boot = { size: payload.length, sha256: header.payloadSha256, version: header.version };
  log.info({ serial: before.serial, from: before.fw, to: header.version, bytes: boot.size }, "flashing");

  const meter = new RateMeter(opts.clock);
  let resumes = 0;
  let verifyFailures = 0;
  let bytesDone = 0;
  const report = (phase: FlashPhase, extra: Partial<FlashProgress> = {}): void =>
    opts.onProgress?.({ phase, bytesDone, totalBytes: boot.size, ...meter.estimate(boot.size - bytesDone), resumes, ...extra });

  const startMs = opts.clock.now();
  for (;;) {
    try {
      const reply = parseReply("BOOT", await bed.request("BOOT", boot));
      if (!reply.ok) throw new BedlinkError(ErrorCode.BadReply, `BOOT reply is malformed: ${reply.error}`);
      const { chunkBytes, resumeOffset } = reply.value;
      if (resumeOffset > boot.size || chunkBytes < 1) {
        throw new BedlinkError(ErrorCode.BadReply, `BOOT reply out of range: resumeOffset ${resumeOffset} (image ${boot.size} bytes), chunkBytes ${chunkBytes}`);
      }
      bytesDone = resumeOffset;
      meter.restart(resumeOffset);
      report("boot", resumes > 0 ? { resumeOffset } : {});
      await sendChunks(bed, {
        payload,
        from: resumeOffset,
        chunkBytes: Math.min(chunkBytes, BOOT_CHUNK_BYTES),
        onAccepted: (offset) => {
          bytesDone = offset;
          meter.record(offset);
          report("transfer");
        },
      });
      report("verify");
      const done = parseReply("DONE", await bed.request("DONE", {}));
      if (!done.ok || done.value.sha256 !== boot.sha256) {
        throw new BedlinkError(ErrorCode.TransferFailed, `the bed confirmed a different image: ${done.ok ? done.value.sha256 : done.error}`);
      }
      break;
    } catch (err) {
      const nak = nakOf(err);
      if (nak?.code === "E_BOOT_VERIFY") {
        verifyFailures++;
        log.warn({ message: nak.message, verifyFailures }, "image failed the bed's verification; starting over");
        if (verifyFailures > MAX_VERIFY_RETRIES) {
          throw new BedlinkError(ErrorCode.TransferFailed, `the bed rejected the written image ${verifyFailures} times (${nak.message}); its flash may be failing`, { verifyFailures });
        }
        continue;
      }
      if (!isInterruption(err)) throw asTransferFailure(err);
      resumes++;
      log.warn({ err: (err as Error).message, resumes, at: bytesDone }, "transfer interrupted; resuming");
      if (resumes > MAX_RESUMES) {
        throw new BedlinkError(ErrorCode.TransferFailed, `transfer interrupted ${resumes} times (last: ${(err as Error).message}); giving up at ${bytesDone} of ${boot.size} bytes`, { resumes });
      }
      await waitForLink(bed, opts.clock, RECONNECT_WAIT_MS);
    }
  }
  const transferMs = opts.clock.now() - startMs;
  const bytesPerS = meter.overall(0) ?? 0; // the final figure, however short the transfer

  report("reboot");
  const after = await rebootAndWait(bed, opts.clock);
  const updated = after.bootSlot !== before.bootSlot && after.fw === header.version;
  const result: FlashResult = {
    outcome: updated ? "updated" : "rolled-back",
    fromVersion: before.fw,
    imageVersion: header.version,
    runningVersion: after.fw,
    fromSlot: before.bootSlot,
    bootSlot: after.bootSlot,
    bytes: boot.size,
    transferMs: Math.round(transferMs),
    bytesPerS,
    resumes,
    verifyFailures,
    downgrade: verdict.downgrade,
  };
  if (updated) report("complete");
  log[updated ? "info" : "error"]({ ...result, serial: after.serial }, updated ? "firmware updated" : "new firmware did not start; the bed rolled back");
  return result;
}

/** Sends REBOOT and resolves with the identity of the first handshake after it. */
async function rebootAndWait(bed: BedLike, clock: Clock): Promise<Identity> {
  const next = nextIdentity(bed, clock, REBOOT_WAIT_MS);
  try {
    await bed.request("REBOOT", {});
  } catch (err) {
    // The ACK can be lost as the bed goes down; the handshake after it is what counts.
    if (!isInterruption(err)) {
      next.cancel();
      throw asTransferFailure(err);
    }
  }
  return next.promise;
}

/** Link lost, bed rebooted or silent, or out of bootloader mode (it rebooted unseen). */
function isInterruption(err: unknown): boolean {
  if (isBedlinkError(err, ErrorCode.LinkDown) || isBedlinkError(err, ErrorCode.CommandTimeout)) return true;
  const code = nakOf(err)?.code;
  return code === "E_NOT_BOOTLOADER" || code === "E_NO_HANDSHAKE";
}

function asTransferFailure(err: unknown): BedlinkError {
  if (isBedlinkError(err) && err.code === ErrorCode.TransferFailed) return err;
  return new BedlinkError(ErrorCode.TransferFailed, `firmware transfer failed: ${(err as Error).message}`, { cause: (err as Error).message });
}

function nextIdentity(bed: BedLike, clock: Clock, timeoutMs: number): { promise: Promise<Identity>; cancel(): void } {
  let cancel = (): void => {};
  const promise = new Promise<Identity>((resolve, reject) => {
    const onIdentity = (id: Identity): void => {
      cancel();
      resolve(id);
    };
    const timer = clock.setTimeout(() => {
      cancel();
      reject(new BedlinkError(ErrorCode.TransferFailed, `the bed did not come back within ${timeoutMs / 1000} s after REBOOT`, { timeoutMs }));
    }, timeoutMs);
    cancel = () => {
      clock.clearTimeout(timer);
      bed.off("identity", onIdentity);
    };
    bed.on("identity", onIdentity);
  });
  return { promise, cancel: () => cancel() };
}

/** Resolves once the link is up (now or after a reconnect); rejects when it closes or times out. */
async function waitForLink(bed: BedLike, clock: Clock, timeoutMs: number): Promise<void> {
  if (bed.linkState === "up") return;
  if (bed.linkState === "closed") throw new BedlinkError(ErrorCode.TransferFailed, "the link to the bed is closed; cannot resume the transfer");
  await new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      bed.off("link", onLink);
      reject(new BedlinkError(ErrorCode.TransferFailed, `the bed did not come back within ${timeoutMs / 1000} s; the transfer can resume later`, { timeoutMs }));
    }, timeoutMs);
    const onLink = (s: string): void => {
      if (s !== "up" && s !== "closed") return;
      clock.clearTimeout(timer);
      bed.off("link", onLink);
      if (s === "up") resolve();
      else reject(new BedlinkError(ErrorCode.TransferFailed, "the link to the bed closed; cannot resume the transfer"));
    };
    bed.on("link", onLink);
  });
}
