// The simulated bed's bootloader and its two firmware slots (PROTOCOL.md §15): BOOT, DATA,
// DONE and REBOOT, resume of an interrupted transfer, the trial boot and the 10 s rollback.
import { createHash } from "node:crypto";
import type { Clock, TimerHandle } from "../protocols/clock.ts";
import type { CommandFrame } from "../protocols/codec.ts";
import { BOOT_CHUNK_BYTES } from "../protocols/constants.ts";
import type { DataChunk, NakBody } from "../protocols/messages.ts";
import type { FaultKind } from "./faults.ts";

export type SlotName = "A" | "B";

/** PROTOCOL.md §15.1 step 4: the new firmware must complete a handshake within this, or the old slot boots again. */
export const ROLLBACK_TIMEOUT_MS = 10_000;

type Reply = { ack: Record<string, unknown> | undefined } | { nak: NakBody };
export type BootFrame = Extract<CommandFrame, { type: "BOOT" | "DONE" | "REBOOT" }> | { type: "DATA"; seq: number; body: DataChunk };

/** What one slot holds: the firmware's payload bytes and the version BOOT named. */
export interface SlotImage {
  version: string;
  sha256: string;
  /** Undefined for the factory image (its bytes are not modelled). */
  bytes: Uint8Array | undefined;
}

/** An image being written into the inactive slot. In flash: it survives a reboot, so it can resume. */
interface Transfer {
  size: number;
  sha256: string;
  version: string;
  bytes: Uint8Array;
  nextOffset: number;
  verified: boolean;
}

/** What the bootloader decided at power-on. */
export interface BootChoice {
  slot: SlotName;
  /** I_BOOT detail: "rollback" after a failed trial, a note on a trial boot, else undefined. */
  detail: string | undefined;
  /** The image crashes before its command handler runs (fault `boot-nohandshake`): it never answers. */
  hung: boolean;
}

export interface BootloaderOptions {
  clock: Clock;
  /** Version of the factory image in slot A. */
  factoryVersion: string;
  faultActive(kind: FaultKind): boolean;
  /** After each chunk is written (the bed checks transfer-progress fault triggers). */
  onProgress(): void;
  /** Power-cycle the bed (REBOOT, and the rollback watchdog). */
  requestReboot(): void;
  note(text: string): void;
}

/** The two bits of device state the bootloader acts on. */
export interface BootHost {
  state: string;
  safeActuators(): void;
}

const ack = (body?: Record<string, unknown>): Reply => ({ ack: body });
const nak = (code: NakBody["code"], message: string, extra: Partial<NakBody> = {}): Reply => ({ nak: { code, message, ...extra } });

export class Bootloader {
  running: SlotName = "A";
  readonly slots: Record<SlotName, SlotImage | undefined>;
  private transfer: Transfer | undefined;
  /** REBOOT into a verified image: booted once on trial, made permanent by a handshake. */
  private trial: { slot: SlotName; previous: SlotName; booted: boolean } | undefined;
  private trialTimer: TimerHandle | undefined;
  /** RAM: the sha256 a BOOT opened in this power-up (bootloader mode). */
  private openSha: string | undefined;
  /** Fault `boot-corrupt`: the next chunk is written to flash with a byte flipped. */
  private corruptNext = false;

  constructor(private readonly o: BootloaderOptions) {
    this.slots = { A: { version: o.factoryVersion, sha256: "", bytes: undefined }, B: undefined };
  }

  get runningVersion(): string {
    return this.slots[this.running]?.version ?? this.o.factoryVersion;
  }

  get inactive(): SlotName {
    return this.running === "A" ? "B" : "A";
  }

  /** Whole percent of the open transfer written so far; 0 outside bootloader mode. */
  progressPct(): number {
    const t = this.transfer;
    if (!t || this.openSha !== t.sha256) return 0;
    return Math.floor((t.nextOffset * 100) / t.size);
  }

  corruptNextChunk(): void {
    this.corruptNext = true;
  }

  // ------------------------------------------------------------------ power

  powerOn(): BootChoice {
    const t = this.trial;
    if (t && !t.booted) {
      // First boot of the new image: it has ROLLBACK_TIMEOUT_MS to complete a handshake.
      t.booted = true;
      this.running = t.slot;
      this.trialTimer = this.o.clock.setTimeout(() => {
        this.trialTimer = undefined;
        this.o.note(`bootloader: slot ${t.slot} did not handshake within ${ROLLBACK_TIMEOUT_MS / 1000} s; rolling back to slot ${t.previous}`);
        this.o.requestReboot();
      }, ROLLBACK_TIMEOUT_MS);
      return { slot: t.slot, detail: `trial boot of slot ${t.slot} (${this.runningVersion})`, hung: this.o.faultActive("boot-nohandshake") };
    }
    if (t) {
      // The trial image booted once and never handshook (or crashed): back to the old slot.
      this.trial = undefined;
      this.running = t.previous;
      return { slot: t.previous, detail: "rollback", hung: false };
    }
    return { slot: this.running, detail: undefined, hung: false };
  }

  /** Power loss: RAM state goes; the slots and a partial transfer are in flash and stay. */
  powerOff(): void {
    this.o.clock.clearTimeout(this.trialTimer);
    this.trialTimer = undefined;
    this.openSha = undefined;
  }

  /** A host completed a handshake: a trial image becomes permanent. */
  confirm(): void {
    const t = this.trial;
    if (!t?.booted || this.running !== t.slot) return;
    this.o.clock.clearTimeout(this.trialTimer);
    this.trialTimer = undefined;
    this.trial = undefined;
    this.transfer = undefined;
    this.o.note(`bootloader: slot ${t.slot} (${this.runningVersion}) confirmed by a handshake`);
  }

  // ------------------------------------------------------------------ commands

  command(fw: BootHost, f: BootFrame): Reply {
    switch (f.type) {
      case "BOOT":
        return this.boot(fw, f.body);
      case "DATA":
        return this.data(fw, f.body);
      case "DONE":
        return this.done(fw);
      case "REBOOT":
        return this.reboot(fw);
    }
  }

  private boot(fw: BootHost, b: { size: number; sha256: string; version: string }): Reply {
    if (fw.state === "estop") return nak("E_ESTOP_LATCHED", "emergency stop is latched; send RESET");
    if (fw.state === "cutout") return nak("E_CUTOUT_LATCHED", "thermal cut-out is latched");
    const t = this.transfer;
    const sameImage = t !== undefined && t.sha256 === b.sha256 && t.size === b.size;
    if (fw.state === "bootloader" && t && !sameImage && this.openSha === t.sha256 && !t.verified) {
      return nak("E_BUSY", `a transfer of another image is in progress (${t.nextOffset} of ${t.size} bytes); finish it or REBOOT to abandon it`);
    }
    let resumeOffset = 0;
    if (sameImage) {
      // Resume: whole chunks already in flash are kept; the host continues from there.
      resumeOffset = Math.floor(t.nextOffset / BOOT_CHUNK_BYTES) * BOOT_CHUNK_BYTES;
      t.nextOffset = resumeOffset;
      t.verified = false;
      t.version = b.version;
    } else {
      this.transfer = { size: b.size, sha256: b.sha256, version: b.version, bytes: new Uint8Array(b.size), nextOffset: 0, verified: false };
      this.slots[this.inactive] = undefined; // being overwritten
    }
    this.openSha = b.sha256;
    fw.safeActuators();
    fw.state = "bootloader";
    return ack({ chunkBytes: BOOT_CHUNK_BYTES, resumeOffset });
  }

  private data(fw: BootHost, chunk: DataChunk): Reply {
    const t = this.openTransfer(fw);
    if (!t) return nak("E_NOT_BOOTLOADER", "send BOOT first");
    if (chunk.offset !== t.nextOffset) return nak("E_BOOT_OFFSET", `expected offset ${t.nextOffset}`, { expectedOffset: t.nextOffset });
    const room = t.size - chunk.offset;
    if (chunk.bytes.length > room) {
      return nak("E_RANGE", `bytes: ${chunk.bytes.length} bytes would pass the image size ${t.size}`, { field: "bytes", min: 1, max: room });
    }
    t.bytes.set(chunk.bytes, chunk.offset);
    if (this.corruptNext) {
      this.corruptNext = false;
      t.bytes[chunk.offset] = t.bytes[chunk.offset]! ^ 0xff;
      this.o.note(`boot-corrupt: chunk at ${chunk.offset} written to flash with a flipped byte`);
    }
    t.nextOffset += chunk.bytes.length;
    this.o.onProgress();
    return ack({ nextOffset: t.nextOffset });
  }

  private done(fw: BootHost): Reply {
    const t = this.openTransfer(fw);
    if (!t) return nak("E_NOT_BOOTLOADER", "send BOOT first");
    if (t.nextOffset !== t.size) {
      // Kept: a BOOT of the same image resumes where it stopped.
      return nak("E_BOOT_VERIFY", `only ${t.nextOffset} of ${t.size} bytes arrived`);
    }
    const actual = createHash("sha256").update(t.bytes).digest("hex");
    if (actual !== t.sha256) {
      this.transfer = undefined; // a bad image is never resumed: the host starts over
      return nak("E_BOOT_VERIFY", "SHA-256 mismatch: the written image is not the one BOOT announced");
    }
    t.verified = true;
    this.slots[this.inactive] = { version: t.version, sha256: t.sha256, bytes: t.bytes };
    return ack({ sha256: t.sha256 });
  }

  private reboot(fw: BootHost): Reply {
    if (fw.state !== "bootloader") return nak("E_NOT_BOOTLOADER", "REBOOT is only valid in bootloader mode (send BOOT first)");
    // Without a verified image this only leaves bootloader mode: the running slot boots again.
    if (this.transfer?.verified) this.trial = { slot: this.inactive, previous: this.running, booted: false };
    this.o.requestReboot();
    return ack();
  }

  private openTransfer(fw: BootHost): Transfer | undefined {
    const t = this.transfer;
    return fw.state === "bootloader" && t && this.openSha === t.sha256 ? t : undefined;
  }
}
