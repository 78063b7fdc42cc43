// Exit statuses of every bedlink subcommand. Documented in the README; CI scripts rely on them.
export const EXIT = {
  ok: 0,
  /** A check failed, or a program completed but the supervisor recorded a violation. */
  failed: 1,
  /** Bad arguments or a bad input file: nothing was sent to the bed. */
  usage: 2,
  /** The session was stopped by the operator (or lost occupancy and was not resumed). */
  stopped: 3,
  /** The session ended on a fault (supervisor or firmware). */
  faulted: 4,
  /** The session ended on an emergency stop. */
  estopped: 5,
  /** Could not reach the bed, or the link failed (version mismatch, timeout). */
  link: 6,
} as const;
