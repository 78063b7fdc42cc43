// Every log line goes through pino: JSON for machines, pretty when a person is watching.
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Pretty-print (default: when stderr is a terminal). */
  pretty?: boolean;
  /** Where lines go; default stderr so stdout stays for command output (JSON summaries). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.BEDLINK_LOG_LEVEL ?? "info";
  const destination = opts.destination ?? process.stderr;
  const usePretty = opts.pretty ?? (destination === process.stderr && process.stderr.isTTY === true);
  if (usePretty) {
    return pino({ level }, pretty({ destination: 2, colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" }));
  }
  return pino({ level, base: undefined }, destination);
}

/** A logger that drops everything: for tests and benches that assert on behaviour, not logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
