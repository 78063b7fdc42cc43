// `bedlink tech`: technician housekeeping on the panel's data directory (the secret for the
// technician login). Works while the panel runs: a rotation logs every technician out at once.
import type { Command } from "commander";
import { checkDataDir, DEFAULT_DATA_DIR, openStore } from "../store/index.ts";
import { EXIT } from "./exitCodes.ts";

export function registerTech(program: Command): void {
  const tech = program.command("tech").description("Technician housekeeping for the panel");
  tech
    .command("rotate-secret")
    .description("Make a new technician secret (printed once), replacing the old one and ending every technician session")
    .option("--data <dir>", "the panel's data directory", DEFAULT_DATA_DIR)
    .action(async (flags: { data: string }) => {
      const usable = checkDataDir(flags.data);
      if (!usable.ok) {
        process.stderr.write(`bedlink tech rotate-secret: cannot use the data directory ${flags.data}: ${usable.reason}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      let store;
      try {
        // Not on a controller's event loop: waiting for a running panel's lock is fine here.
        store = openStore(flags.data, undefined, { busyTimeoutMs: 2000 });
      } catch (err) {
        process.stderr.write(`bedlink tech rotate-secret: cannot open ${flags.data}: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      try {
        const secret = await store.technician.rotateSecret();
        store.audit.record("technician", "tech.secret.rotated", {}, "cli");
        process.stdout.write(`New technician secret (shown once; keep it somewhere safe):\n\n    ${secret}\n\nEvery technician session was ended.\n`);
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.stderr.write(`bedlink tech rotate-secret: the new secret could not be saved, the old one still works: ${(err as Error).message}\n`);
        process.exitCode = EXIT.usage;
      } finally {
        store.close();
      }
    });
}
