// `bedlink fw keygen | sign | inspect | verify`: firmware signing keys and signed images.
// Exit codes: 0 ok, 1 the image failed a check, 2 bad arguments or unreadable input.
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { BedlinkError, ErrorCode, isBedlinkError } from "../errors.ts";
import { describeImage, type ImageReport } from "../firmware/inspect.ts";
import { parseImage } from "../firmware/image.ts";
import { loadConfiguredKeys, loadPrivateKey, privateKeyExposure, writeKeyPair } from "../firmware/keys.ts";
import { signImage } from "../firmware/sign.ts";
import { verifyImage } from "../firmware/verify.ts";
import { EXIT } from "./exitCodes.ts";

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const PUBKEY_HELP = "trusted public key file or directory of *.pem (repeatable); default $BEDLINK_FW_PUBKEY, then $BEDLINK_DATA_DIR/firmware/trusted-keys/";

export function registerFw(program: Command): void {
  const fw = program.command("fw").description("Firmware images: signing keys, signing, inspection and verification.");

  fw.command("keygen")
    .description("Generate an Ed25519 signing key pair (private key written with mode 0600).")
    .requiredOption("--out <dir>", "directory for bedlink-fw.key.pem and bedlink-fw.pub.pem")
    .option("--force", "replace an existing key pair in that directory", false)
    .action((opts: { out: string; force: boolean }) =>
      run("keygen", () => {
        const pair = writeKeyPair(opts.out, { force: opts.force });
        out(`private key  ${pair.privateKeyPath}  (mode 0600: keep it off technicians' laptops)`);
        out(`public key   ${pair.publicKeyPath}  (install on controllers as a trusted key)`);
        out(`key id       ${pair.keyId}`);
        return EXIT.ok;
      }),
    );

  // The root program's -V/--version swallows a subcommand's --version, hence --fw-version.
  fw.command("sign")
    .description("Wrap a firmware payload in a signed image.")
    .requiredOption("--key <file>", "Ed25519 private key (PEM)")
    .requiredOption("--model <model>", "bed model the image is for, e.g. CG-V6")
    .requiredOption("--hw <revs>", "hardware revisions it fits, comma-separated, e.g. A1,A2")
    .requiredOption("--fw-version <semver>", "firmware version, e.g. 1.4.0")
    .requiredOption("--in <file>", "firmware payload (raw bytes)")
    .requiredOption("--out <file>", "image file to write, e.g. image.bfw")
    .action((opts: { key: string; model: string; hw: string; fwVersion: string; in: string; out: string }) =>
      run("sign", () => {
        const privateKey = loadPrivateKey(opts.key);
        const exposure = privateKeyExposure(opts.key);
        if (exposure) process.stderr.write(`${exposure}\n`);
        const payload = readInput(opts.in, "in");
        const hw = opts.hw.split(",").map((rev) => rev.trim());
        const signed = signImage(payload, { model: opts.model, hw, version: opts.fwVersion }, privateKey);
        const parsed = parseImage(signed.bytes);
        if (!parsed.ok) throw new Error(`signed image does not parse back: ${parsed.message}`); // a bug, not bad input
        writeOutput(opts.out, signed.bytes);
        const { header } = parsed.image;
        out(`signed ${opts.out}: ${header.model} ${header.version} for hardware ${header.hw.join(", ")}`);
        out(`payload      ${header.payloadBytes} bytes, sha256 ${header.payloadSha256}`);
        out(`image        ${signed.bytes.length} bytes, key id ${signed.keyId}`);
        return EXIT.ok;
      }),
    );

  fw.command("inspect")
    .description("Show an image's header, sizes, hash and signature verdict (exit 1 unless intact and validly signed).")
    .argument("<image>", "image file")
    .option("--json", "print the report as JSON", false)
    .option("--pubkey <file>", PUBKEY_HELP, collect, [])
    .action((imagePath: string, opts: { json: boolean; pubkey: string[] }) =>
      run("inspect", () => {
        const configured = loadConfiguredKeys({ pubkey: opts.pubkey });
        const report = describeImage(readInput(imagePath, "image"), configured.keys.map((k) => k.publicKey));
        if (opts.json) out(JSON.stringify({ file: imagePath, ...report, trustedKeysFrom: configured.origin }, null, 2));
        else printReport(imagePath, report, configured.origin);
        return report.trustworthy ? EXIT.ok : EXIT.failed;
      }),
    );

  fw.command("verify")
    .description("Check an image against a bed: signature, model, hardware revision and downgrade (exit 1 if refused).")
    .argument("<image>", "image file")
    .requiredOption("--model <model>", "the bed's model (Identity.model), e.g. CG-V6")
    .requiredOption("--hw <rev>", "the bed's hardware revision (Identity.hw), e.g. A2")
    .option("--current <semver>", "firmware the bed runs now (Identity.fw); enables the downgrade check")
    .option("--allow-downgrade", "accept an image older than --current", false)
    .option("--json", "print the verdict as JSON", false)
    .option("--pubkey <file>", PUBKEY_HELP, collect, [])
    .action(
      (imagePath: string, opts: { model: string; hw: string; current?: string; allowDowngrade: boolean; json: boolean; pubkey: string[] }) =>
        run("verify", () => {
          const configured = loadConfiguredKeys({ pubkey: opts.pubkey });
          const result = verifyImage(readInput(imagePath, "image"), {
            publicKeys: configured.keys.map((k) => k.publicKey),
            model: opts.model,
            hw: opts.hw,
            currentVersion: opts.current,
            allowDowngrade: opts.allowDowngrade,
          });
          if (opts.json) {
            const verdict = result.ok
              ? { ok: true, header: result.image.header, downgrade: result.downgrade, keyId: result.signature.keyId }
              : { ok: false, check: result.check, code: ErrorCode[result.error.code], message: result.error.message, context: result.error.context };
            out(JSON.stringify({ file: imagePath, ...verdict }, null, 2));
          } else if (result.ok) {
            const h = result.image.header;
            out(`ok: ${h.model} ${h.version} may be flashed on this ${opts.model} (hardware ${opts.hw})${result.downgrade ? ", as an allowed downgrade" : ""}`);
          } else {
            out(`refused (${ErrorCode[result.error.code]}): ${result.error.message}`);
          }
          return result.ok ? EXIT.ok : EXIT.failed;
        }),
    );
}

/** Runs one subcommand; bad arguments and unreadable files become exit 2 with one clear line. */
function run(name: string, body: () => number): void {
  try {
    process.exitCode = body();
  } catch (err) {
    if (!isBedlinkError(err, ErrorCode.InvalidArgument)) throw err;
    process.stderr.write(`bedlink fw ${name}: ${err.message}\n`);
    process.exitCode = EXIT.usage;
  }
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function readInput(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BedlinkError(ErrorCode.InvalidArgument, `cannot read ${field} ${file}: ${why}`, { field });
  }
}

function writeOutput(file: string, bytes: Buffer): void {
  try {
    writeFileSync(file, bytes);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BedlinkError(ErrorCode.InvalidArgument, `cannot write out ${file}: ${why}`, { field: "out" });
  }
}

const VERDICT_TEXT = { valid: "valid", invalid: "INVALID", unsigned: "UNSIGNED", "key-unknown": "KEY UNKNOWN" } as const;

function printReport(file: string, report: ImageReport, keysFrom: string): void {
  const h = report.header;
  out(`image        ${file} (${report.imageBytes} bytes, sha256 ${report.imageSha256})`);
  if (report.formatVersion !== undefined) out(`format       version ${report.formatVersion}, header ${report.headerBytes} bytes`);
  if (h) {
    out(`model        ${h.model}`);
    out(`hardware     ${h.hw.join(", ")}`);
    out(`version      ${h.version}`);
    out(`payload      ${h.payloadBytes} bytes, sha256 ${h.payloadSha256}`);
    out(`key id       ${h.keyId}`);
  }
  out(`structure    ${report.structure.ok ? "intact" : `DAMAGED (${report.structure.reason}): ${report.structure.message}`}`);
  out(`signature    ${VERDICT_TEXT[report.signature.verdict]}: ${report.signature.message}`);
  out(`trusted keys ${report.signature.trustedKeyIds.join(", ") || "none"} (from ${keysFrom})`);
}
