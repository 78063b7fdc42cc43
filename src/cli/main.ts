// bedlink: one binary, subcommands. Each subcommand lives in its own module and registers itself here.
import { Command, CommanderError } from "commander";
import { registerDiag } from "./diag.ts";
import { EXIT } from "./exitCodes.ts";
import { registerFlash } from "./flash.ts";
import { registerFw } from "./fw.ts";
import { registerPorts } from "./ports.ts";
import { registerPrograms } from "./programs.ts";
import { registerRun } from "./run.ts";
import { registerServe } from "./serve.ts";
import { registerSim } from "./sim.ts";
import { registerTech } from "./tech.ts";

const program = new Command("bedlink")
  .description("Controller and firmware bridge for thermal massage beds (Ceragem V6 class).")
  .version("0.1.0")
  .option("--log-level <level>", "pino log level: trace, debug, info, warn, error, silent (default: info; warn for run)")
  .showHelpAfterError()
  .exitOverride();

program.hook("preAction", (cmd) => {
  const level = cmd.opts().logLevel as string | undefined;
  if (level) process.env.BEDLINK_LOG_LEVEL = level;
});

registerDiag(program);
registerFlash(program);
registerFw(program);
registerPorts(program);
registerPrograms(program);
registerRun(program);
registerServe(program);
registerSim(program);
registerTech(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage errors get EXIT.usage.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`bedlink: ${(err as Error).message}\n`);
    process.exitCode = EXIT.failed;
  }
}
