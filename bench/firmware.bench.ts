// Firmware transfer throughput over a real pty (socat) with `bedlink sim --baud 115200` pacing
// the line as a UART would: payload bytes the bed accepted per second of transfer (BOOT to
// DONE), against the line's own limit of 11,520 bytes/s (10 bits per byte). Target ≥ 80 %.
// A second run flashes with the link unaware of the baud (the old 40 ms RTO floor) to show the
// retransmissions that wire time alone causes.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RealClock } from "../protocols/clock.ts";
import { SIM_IDENTITY } from "../simulator/constants.ts";
import { BedDriver } from "../src/device/bed.ts";
import { signImage } from "../src/firmware/sign.ts";
import { flashImage } from "../src/firmware/transfer.ts";
import { serialTransport } from "../src/transport/serial.ts";

const BAUD = 115200;
/** 8N1: 10 bits on the wire per byte. */
const LINE_LIMIT_BYTES_S = BAUD / 10;
const TARGET_FRACTION = 0.8;
/** 64 KiB: about six seconds on the line, long enough that BOOT, DONE and start-up are a small part. */
const PAYLOAD_BYTES = 64 * 1024;
const BIN = join(dirname(fileURLToPath(import.meta.url)), "../bin/bedlink.js");

if (spawnSync("socat", ["-V"], { stdio: "ignore" }).status !== 0) {
  process.stdout.write(`${JSON.stringify({ bench: "firmware.transfer", skipped: "socat is not installed (apt-get install socat)" })}\n`);
  process.exit(process.env.CI === "true" ? 1 : 0);
}

const path = join(mkdtempSync(join(tmpdir(), "bedlink-fw-bench-")), "ttyBED");
const sim = spawn(process.execPath, [BIN, "--log-level", "warn", "sim", "--pty", path, "--baud", String(BAUD), "--nobody"], { stdio: ["ignore", "pipe", "inherit"] });
let simOut = "";
sim.stdout!.on("data", (d: Buffer) => (simOut += d.toString()));

try {
  const clock = new RealClock();
  const readyBy = clock.now() + 20_000;
  while (!simOut.includes("bedlink sim: bed")) {
    if (sim.exitCode !== null || clock.now() > readyBy) throw new Error(`bedlink sim did not start:\n${simOut}`);
    await clock.sleep(25);
  }
  const key = generateKeyPairSync("ed25519");
  const image = (version: string) => signImage(randomBytes(PAYLOAD_BYTES), { model: SIM_IDENTITY.model, hw: [SIM_IDENTITY.hw], version }, key.privateKey).bytes;

  for (const [name, version, linkKnowsBaud] of [["firmware.transfer", "9.0.0", true], ["firmware.transfer.rtoWithoutWireTime", "9.0.1", false]] as const) {
    const bed = await BedDriver.connect({ transport: serialTransport({ path, baud: BAUD }), clock, baud: linkKnowsBaud ? BAUD : undefined });
    const before = bed.stats();
    const result = await flashImage(bed, image(version), { clock, publicKeys: [key.publicKey] });
    const after = bed.stats();
    await bed.close();
    if (result.outcome !== "updated") throw new Error(`${name}: the bed rolled back`);
    const fraction = result.bytesPerS / LINE_LIMIT_BYTES_S;
    process.stdout.write(
      `${JSON.stringify({
        bench: name,
        baud: BAUD,
        payloadBytes: PAYLOAD_BYTES,
        transferMs: result.transferMs,
        bytesPerS: result.bytesPerS,
        lineLimitBytesPerS: LINE_LIMIT_BYTES_S,
        fractionOfLine: Math.round(fraction * 1000) / 1000,
        target: TARGET_FRACTION,
        retransmits: after.retransmits - before.retransmits,
        resumes: result.resumes,
        rttMedianMs: after.rtt.medianMs,
        wireBytesOut: after.bytesOut - before.bytesOut,
      })}\n`,
    );
  }
} finally {
  if (sim.exitCode === null) {
    const exited = new Promise((r) => sim.once("exit", r));
    sim.kill("SIGINT"); // our own child, by its handle
    await exited;
  }
}
