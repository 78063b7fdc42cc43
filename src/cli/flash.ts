// `bedlink flash IMAGE`: verify a signed image against the bed and the trusted keys, transfer
// it through the bootloader with a progress bar, reboot into it and check it runs.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { RealClock, VirtualClock, type Clock } from "../../protocols/clock.ts";
import { parseFaultSpec, type FaultSpec } from "../../simulator/index.ts";
import { BedlinkError, ErrorCode, isBedlinkError } from "../errors.ts";
import { loadConfiguredKeys } from "../firmware/keys.ts";
import { checkImageAlone, flashImage, type FlashProgress, type FlashResult } from "../firmware/transfer.ts";
import { createLogger } from "../log.ts";
import { openBed, settle } from "./connect.ts";
import { EXIT } from "./exitCodes.ts";
import { formatFlashProgress, PHASE_TEXT } from "./flashProgress.ts";
import { parseSeed, parseTarget, type Target } from "./runOptions.ts";

interface FlashFlags {
  sim?: boolean;
  port?: string;
  tcp?: string;
  baud?: string;
  pubkey: string[];
  allowDowngrade?: boolean;
  json?: boolean;
  faults?: string;
  seed?: string;
}

/** A whole flash on the simulator in virtual time: transfer, reboot, a possible 10 s rollback and reconnects. */
const SIM_FLASH_MAX_MS = 30 * 60_000;
/** Redraw the bar at most this often (real ms): a terminal cannot show faster anyway. */
const REDRAW_MS = 100;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerFlash(program: Command): void {
  program
    .command("flash")
    .description("Update a bed's firmware with a signed image (verified before anything is sent)")
    .argument("<image>", "signed firmware image (.bfw, see `bedlink fw sign`)")
    .option("--sim", "flash the built-in simulated bed (the default), in virtual time")
    .option("--port <path>", "serial port of a bed, e.g. /dev/ttyUSB0")
    .option("--tcp <host:port>", "a bed behind a TCP serial bridge")
    .option("--baud <rate>", "serial line rate, bit/s (default 115200)")
    .option("--pubkey <file>", "trusted public key file or directory of *.pem (repeatable); default $BEDLINK_FW_PUBKEY, then $BEDLINK_DATA_DIR/firmware/trusted-keys/", collect, [])
    .option("--allow-downgrade", "accept an image older than the firmware the bed runs")
    .option("--json", "print one JSON result object instead of the progress bar and summary")
    .option("--faults <spec>", "simulator only: e.g. boot-interrupt@50%, boot-corrupt, boot-nohandshake (see simulator/FAULTS.md)")
    .option("--seed <n>", "simulator only: random seed", "1")
    .addHelpText(
      "after",
      "\nExit status: 0 the new firmware runs, 1 the image was refused or the bed rolled back to its old firmware,\n2 bad arguments or unreadable image/key, 6 the bed could not be reached or the transfer could not be completed.",
    )
    .action(async (imagePath: string, flags: FlashFlags) => {
      process.exitCode = await flashCommand(imagePath, flags);
    });
}

async function flashCommand(imagePath: string, flags: FlashFlags): Promise<number> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let target: Target, image: Buffer, faults: FaultSpec[], seed: number, baud: number | undefined, publicKeys;
  try {
    target = parseTarget(flags);
    if (target.kind === "tcp" && !target.address.startsWith("tcp://")) target = { kind: "tcp", address: `tcp://${target.address}` };
    if (target.kind !== "sim" && flags.faults) throw new BedlinkError(ErrorCode.InvalidArgument, "--faults only applies to the simulator (--sim)");
    faults = flags.faults ? parseFaultSpec(flags.faults) : [];
    seed = parseSeed(flags.seed);
    baud = flags.baud === undefined ? undefined : Number(flags.baud);
    if (baud !== undefined && !(Number.isInteger(baud) && baud >= 1200 && baud <= 4_000_000)) throw new BedlinkError(ErrorCode.InvalidArgument, `--baud must be a whole number 1200–4000000 bit/s; got ${JSON.stringify(flags.baud)}`);
    image = readImage(imagePath);
    publicKeys = loadConfiguredKeys({ pubkey: flags.pubkey }).keys.map((k) => k.publicKey);
  } catch (err) {
    say(`bedlink flash: ${(err as Error).message}`);
    return EXIT.usage;
  }

  // Signature first, before even opening the port: a bad image never gets near a bed.
  const alone = checkImageAlone(image, publicKeys);
  if (!alone.ok) return refused(alone.error, flags.json === true);

  const clock: Clock = target.kind === "sim" ? new VirtualClock() : new RealClock();
  const logger = createLogger({ level: process.env.BEDLINK_LOG_LEVEL ?? (flags.json ? "error" : "warn") });
  let opened;
  try {
    opened = await openBed(target, { clock, logger, seed, faults, baud });
  } catch (err) {
    say(`bedlink flash: cannot reach the bed: ${(err as Error).message}`);
    return EXIT.link;
  }
  const { bed, sim } = opened;
  const id = bed.identity;
  if (!flags.json) say(`bed ${id.model} ${id.serial}, hardware ${id.hw}, firmware ${id.fw} (slot ${id.bootSlot})`);

  const interactive = !flags.json && process.stderr.isTTY === true;
  const real = new RealClock();
  let lastDrawMs = -Infinity;
  let lastPhase: string | undefined;
  const onProgress = (p: FlashProgress): void => {
    if (flags.json) return;
    if (interactive) {
      const now = real.now();
      if (p.phase === "transfer" && p.bytesDone < p.totalBytes && now - lastDrawMs < REDRAW_MS) return;
      lastDrawMs = now;
      process.stderr.write(`\r${formatFlashProgress(p)}\x1b[K`);
      if (p.phase === "complete") process.stderr.write("\n");
    } else if (p.phase !== lastPhase || p.resumeOffset !== undefined) {
      say(p.resumeOffset !== undefined ? `resuming at byte ${p.resumeOffset} of ${p.totalBytes}` : PHASE_TEXT[p.phase]);
    }
    lastPhase = p.phase;
  };

  let code: number;
  try {
    const result = await settle(clock, flashImage(bed, image, { clock, publicKeys, allowDowngrade: flags.allowDowngrade, logger, onProgress }), SIM_FLASH_MAX_MS);
    if (interactive && result.outcome !== "updated") process.stderr.write("\n");
    report(result, flags.json === true);
    code = result.outcome === "updated" ? EXIT.ok : EXIT.failed;
  } catch (err) {
    if (interactive) process.stderr.write("\n");
    const refusal = isBedlinkError(err) && err.code >= ErrorCode.ImageInvalid && err.code <= ErrorCode.ImageDowngrade;
    code = refusal ? refused(err, flags.json === true) : transferFailed(err as Error, flags.json === true);
  }
  await settle(clock, bed.close(), 10_000).catch(() => undefined);
  sim?.stop();
  return code;
}

function readImage(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BedlinkError(ErrorCode.InvalidArgument, `cannot read image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { field: "image" });
  }
}

function refused(err: BedlinkError, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify({ outcome: "refused", code: ErrorCode[err.code], message: err.message, check: err.context?.check })}\n`);
  else process.stderr.write(`refused, nothing was sent to the bed: ${err.message}\n`);
  return EXIT.failed;
}

function transferFailed(err: Error, json: boolean): number {
  const code = isBedlinkError(err) ? ErrorCode[err.code] : "Error";
  if (json) process.stdout.write(`${JSON.stringify({ outcome: "failed", code, message: err.message })}\n`);
  else process.stderr.write(`firmware update failed: ${err.message}\nThe bed keeps running its current firmware; run the same command again to resume.\n`);
  return EXIT.link;
}

function report(r: FlashResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const rate = `${(r.bytesPerS / 1000).toFixed(1)} kB/s`;
  const extras = [r.resumes ? `${r.resumes} resume(s)` : "", r.verifyFailures ? `${r.verifyFailures} failed verification(s), restarted` : ""].filter(Boolean).join(", ");
  if (r.outcome === "updated") {
    out(`updated: firmware ${r.fromVersion} → ${r.runningVersion}, now running from slot ${r.bootSlot} (${r.bytes} bytes in ${(r.transferMs / 1000).toFixed(1)} s, ${rate}${extras ? `; ${extras}` : ""})`);
  } else {
    out(`ROLLED BACK: firmware ${r.imageVersion} was written to slot ${r.bootSlot === "A" ? "B" : "A"} but did not complete its handshake within 10 s;`);
    out(`the bed booted its old firmware again and runs ${r.runningVersion} from slot ${r.bootSlot}. The image may be faulty: do not retry it blindly.`);
  }
}
