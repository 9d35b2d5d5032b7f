// The process exit codes s3ferry documents (README "Exit codes"). One table, used by every command.

/** Exit codes of the `s3ferry` CLI. */
export const ExitCode = {
  /** Everything asked for was done. */
  Ok: 0,
  /** The run finished but some objects failed (each failure is reported). */
  Partial: 1,
  /** Usage or configuration error, found before any transfer. */
  Usage: 2,
  /**
   * Fatal runtime error that stopped the run (bad credentials, missing bucket, a local destination
   * that is full or read-only: ENOSPC, EDQUOT, EROFS).
   */
  Fatal: 3,
  /** Interrupted by SIGINT. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
