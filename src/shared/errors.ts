// One error vocabulary for the whole tool. Errors cross worker threads as plain data
// (SerializedError), because piscina turns thrown errors into bare `Error`s.
import { ExitCode } from './exit-codes.ts';

/**
 * What went wrong, in the user's terms.
 * - `usage`: bad command line (exit 2)
 * - `config`: bad environment variable, ini file or option value (exit 2)
 * - `auth`: credentials rejected or missing (fatal, exit 3)
 * - `not-found`: bucket or key missing
 * - `permission`: access denied to an existing resource
 * - `throttled`, `server`, `network`: transient; retried within the budget
 * - `client`: any other 4xx the server refused
 * - `not-s3`: the endpoint answered, but not as an S3 server does (a web page, no ETag…)
 * - `local-io`: reading or writing a local file failed
 * - `internal`: a bug in s3ferry
 */
export type ErrorKind =
  | 'usage'
  | 'config'
  | 'auth'
  | 'not-found'
  | 'permission'
  | 'throttled'
  | 'server'
  | 'network'
  | 'client'
  | 'not-s3'
  | 'local-io'
  | 'internal';

/** Plain, structured-clone-safe form of an S3FerryError. */
export type SerializedError = {
  kind: ErrorKind;
  code: string;
  message: string;
  hint?: string;
  httpStatus?: number;
  url?: string;
  profile?: string;
  endpoint?: string;
  retryable: boolean;
  fatal: boolean;
};

export type S3FerryErrorDetails = Omit<SerializedError, 'kind' | 'code' | 'message'>;

/** The single error type of s3ferry. `code` is the S3 error code or an s3ferry code. */
export class S3FerryError extends Error {
  override readonly name = 'S3FerryError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly hint: string | undefined;
  readonly httpStatus: number | undefined;
  readonly url: string | undefined;
  readonly profile: string | undefined;
  readonly endpoint: string | undefined;
  readonly retryable: boolean;
  readonly fatal: boolean;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    details: Partial<S3FerryErrorDetails> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = kind;
    this.code = code;
    this.hint = details.hint;
    this.httpStatus = details.httpStatus;
    this.url = details.url;
    this.profile = details.profile;
    this.endpoint = details.endpoint;
    this.retryable = details.retryable ?? false;
    this.fatal = details.fatal ?? (kind === 'auth' || kind === 'usage' || kind === 'config');
  }

  /** The exit code this error leads to when it ends a command. */
  get exitCode(): ExitCode {
    if (this.kind === 'usage' || this.kind === 'config') return ExitCode.Usage;
    if (this.fatal) return ExitCode.Fatal;
    return ExitCode.Partial;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** A configuration error: names the variable, file or key at fault. Exit code 2. */
export function configError(message: string, hint?: string): S3FerryError {
  return new S3FerryError('config', 'ConfigError', message, hint === undefined ? {} : { hint });
}

/** A command-line usage error. Exit code 2. */
export function usageError(message: string, hint?: string): S3FerryError {
  return new S3FerryError('usage', 'UsageError', message, hint === undefined ? {} : { hint });
}

export function serializeError(error: S3FerryError): SerializedError {
  const out: SerializedError = {
    kind: error.kind,
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    fatal: error.fatal,
  };
  if (error.hint !== undefined) out.hint = error.hint;
  if (error.httpStatus !== undefined) out.httpStatus = error.httpStatus;
  if (error.url !== undefined) out.url = error.url;
  if (error.profile !== undefined) out.profile = error.profile;
  if (error.endpoint !== undefined) out.endpoint = error.endpoint;
  return out;
}

export function deserializeError(data: SerializedError): S3FerryError {
  return new S3FerryError(data.kind, data.code, data.message, data);
}

export function isS3FerryError(value: unknown): value is S3FerryError {
  return value instanceof S3FerryError;
}

/**
 * `error` as a plain error record: itself if it is an S3FerryError, else an internal one with
 * `code` and `prefix` before its text (something s3ferry did not expect to throw).
 */
export function serializeUnexpected(error: unknown, code: string, prefix = ''): SerializedError {
  return serializeError(
    isS3FerryError(error) ? error : new S3FerryError('internal', code, prefix + String(error)),
  );
}

/**
 * A classified error with what was being done in front of its message (`cannot read PATH: …`):
 * an S3 error code alone says too little. `details` override the error's own (e.g. `fatal`).
 * Anything else is returned unchanged.
 */
export function inContext(
  error: unknown,
  doing: string,
  details: Partial<S3FerryErrorDetails> = {},
): unknown {
  if (!isS3FerryError(error)) return error;
  return new S3FerryError(
    error.kind,
    error.code,
    `${doing}: ${error.message}`,
    { ...error.toJSON(), ...details },
    { cause: error },
  );
}
