// `bedlink ports [--json]`: which serial ports this machine has, for --port.
import type { Command } from "commander";
import { createLogger } from "../log.ts";
import { listSerialPorts } from "../transport/list.ts";
import { EXIT } from "./exitCodes.ts";

export function registerPorts(program: Command): void {
  program
    .command("ports")
    .description("List serial ports a bed could be on (falls back to scanning /dev when udevadm is missing).")
    .option("--json", "print the listing as one JSON object")
    .action(async (opts: { json?: boolean }) => {
      const logger = createLogger();
      const listing = await listSerialPorts({ logger });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(listing)}\n`);
      } else {
        if (listing.note) process.stdout.write(`note: ${listing.note}\n`);
        if (listing.ports.length === 0) process.stdout.write("no serial ports found\n");
        for (const p of listing.ports) {
          const details = [p.manufacturer, p.serialNumber && `serial ${p.serialNumber}`, p.vendorId && `${p.vendorId}:${p.productId ?? "?"}`, p.byId]
            .filter(Boolean)
            .join("  ");
          process.stdout.write(`${p.path}${details ? `  ${details}` : ""}\n`);
        }
      }
      process.exitCode = EXIT.ok;
    });
}
