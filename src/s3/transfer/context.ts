// What a copy handler needs from its host (worker thread or main thread), and the helpers every
// handler shares: counted+classified S3 calls, the retry loop for streamed units, local I/O errors.
import type { ObjectSettings } from '../../shared/object-settings.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Api } from '../sdk.ts';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import type { ProfileSpec } from '../../shared/profile.ts';
import type { UploadEvent } from '../../shared/protocol.ts';
import { classifyS3Error } from '../classify.ts';
import { sendCounted } from '../request-counter.ts';
import type { OutputOf, RequestCounter } from '../request-counter.ts';
import { noteRetry } from '../wire-tally.ts';
import { fullJitterBackoff } from '../retry.ts';
import { canSendSigned, sendSigned } from '../signed-request.ts';
import type { SignedRequest, SignedResponse } from '../signed-request.ts';
import type { Backoff } from '../retry.ts';

/** A backoff that may also hold a pool-wide pause (src/s3/shared-backoff.ts). */
export type TransferBackoff = Backoff & { pauseRemainingMs?(): number };

/**
 * Everything a handler uses from its host. Handlers never throw for expected failures; runTask
 * turns what they throw into a TaskResult.
 */
export type TransferContext = {
  /** The S3 client of a profile named in a task's Location. @throws S3FerryError */
  clientFor(profile: string): S3Api;
  /** The resolved profile, for error hints and the retry budget. */
  specFor(profile: string): ProfileSpec | undefined;
  /**
   * Cancels the task: in-flight requests abort, multipart uploads are aborted — except recorded
   * ones (`onUpload` set), which are left for the next run to continue.
   */
  signal: AbortSignal;
  /** Bytes moved since the last call (negative to roll back a failed attempt). */
  onBytes: (delta: number) => void;
  /** This task's requests by operation. */
  counter: RequestCounter;
  /** Delays between handler-level retries, and the pool-wide pause. @default fullJitterBackoff() */
  backoff?: TransferBackoff;
  /**
   * Books `bytes` against the process-wide --bwlimit and gives the wait, if any (undefined: go on).
   * Every byte a copy moves through this process is booked once, as it is read. @default no limit
   */
  pace?: (bytes: number, signal: AbortSignal) => Promise<void> | undefined;
  /** Settings for every object written (the task's `objectSettings`, set by runTask). */
  objectSettings?: ObjectSettings;
  /** Carry the source's object tags (the task's `copyTags`, set by runTask). */
  copyTags?: boolean;
  /** A warning for the run (deduplicated by the main thread), e.g. tags a server cannot give. */
  warn?: (message: string) => void;
  /** Set by a copy whose bytes could not be checked against a source MD5 (see verify.ts). */
  endToEnd?: { isUnverified: boolean };
  /**
   * Receives the multipart upload's id and stored parts (a `--checkpoint` run). When set, a cancel
   * leaves the upload on the server (recorded, not ended) instead of aborting it.
   */
  onUpload?: (event: UploadEvent) => void;
};

/** Records that this task's copy could not be checked against a source MD5. */
export function markUnverified(ctx: TransferContext): void {
  if (ctx.endToEnd !== undefined) ctx.endToEnd.isUnverified = true;
}

/** An S3 object a request is about. */
export type S3Target = { profile: string; bucket: string; key: string };

/** Errors the SDK already retried within the budget: a handler must not retry them again. */
const exhausted = new WeakSet<object>();

/** Options of {@link callS3}. */
export type CallS3Options = {
  /**
   * The request body is a stream: the SDK sends it once and never retries it, so a failure may
   * be retried by the handler with a fresh stream. @default false
   */
  streamingBody?: boolean;
  /** Overrides ctx.signal, e.g. to abort a multipart upload after a cancel. */
  signal?: AbortSignal | undefined;
};

/**
 * The wait for a pool-wide pause (SlowDown elsewhere in the pool) before a new request, or
 * undefined when there is none (most requests: no promise to await then).
 */
function pauseWait(
  ctx: TransferContext,
  signal: AbortSignal | undefined,
): Promise<void> | undefined {
  const waitMs = ctx.backoff?.pauseRemainingMs?.() ?? 0;
  if (waitMs <= 0) return undefined;
  return sleep(waitMs, undefined, signal === undefined ? {} : { signal });
}

/**
 * Sends one S3 request for `at`: waits out a pool pause, counts every attempt, and throws an
 * S3FerryError classified with the profile, bucket and key.
 */
export async function callS3<C extends { readonly middlewareStack: object }>(
  ctx: TransferContext,
  at: S3Target,
  command: C,
  options: CallS3Options = {},
): Promise<OutputOf<C>> {
  const signal = 'signal' in options ? options.signal : ctx.signal;
  try {
    const pause = pauseWait(ctx, signal);
    if (pause !== undefined) await pause;
    const client = ctx.clientFor(at.profile);
    return await sendCounted(
      client,
      command,
      signal === undefined ? { counter: ctx.counter } : { counter: ctx.counter, signal },
    );
  } catch (error) {
    const classified = s3ErrorAt(ctx, at, error);
    if (options.streamingBody !== true) exhausted.add(classified);
    throw classified;
  }
}

/** Whether requests for `at` can take the lean signed path (src/s3/signed-request.ts). */
export function canSign(ctx: TransferContext, at: S3Target): boolean {
  return canSendSigned(ctx.clientFor(at.profile), at.bucket);
}

/**
 * Like {@link callS3} for a request of the lean signed path (src/s3/signed-request.ts), or
 * `undefined` when the client cannot take it (then send the SDK command instead).
 */
export async function callSigned(
  ctx: TransferContext,
  at: S3Target,
  request: SignedRequest,
  options: Pick<CallS3Options, 'signal'> = {},
): Promise<SignedResponse | undefined> {
  const signal = 'signal' in options ? options.signal : ctx.signal;
  if (!canSign(ctx, at)) return undefined;
  const client = ctx.clientFor(at.profile);
  try {
    const pause = pauseWait(ctx, signal);
    if (pause !== undefined) await pause;
    return await sendSigned(client, request, { counter: ctx.counter, signal });
  } catch (error) {
    // Buffer bodies are retried inside sendSigned: never again by a handler.
    const classified = s3ErrorAt(ctx, at, error);
    exhausted.add(classified);
    throw classified;
  }
}

function s3ErrorSpec(ctx: TransferContext, profile: string): { spec?: ProfileSpec } {
  const spec = ctx.specFor(profile);
  return spec === undefined ? {} : { spec };
}

/** Classifies an error of a request or of a stream (a GET body being read) as a failure of `at`. */
export function s3ErrorAt(ctx: TransferContext, at: S3Target, error: unknown): S3FerryError {
  return classifyS3Error(error, {
    ...s3ErrorSpec(ctx, at.profile),
    bucket: at.bucket,
    key: at.key,
  });
}

/**
 * Local file-system failures that will hit every later file too: stop the run (exit 3), with a
 * hint naming what to do about the destination.
 */
const FATAL_LOCAL_HINTS: Record<string, string> = {
  ENOSPC: 'the file system is full: free space on it, or choose another destination',
  EDQUOT: 'the disk quota is exhausted: free space in it, or choose another destination',
  EROFS:
    'the file system is mounted read-only: remount it read-write, or choose another destination',
};

/**
 * Node's text of a file-system error without the code and the call it repeats
 * (`ENOSPC: no space left on device, write` → `no space left on device`): the path is named once,
 * by the caller, and is the destination's, not a temp file's.
 */
function errnoReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z][A-Z0-9_]*: (.+?), [a-z_]+(?: '.*')?$/s.exec(message)?.[1] ?? message;
}

/** An S3FerryError (kind `local-io`) for a failed file operation on `path`. */
export function localIoError(error: unknown, action: string, path: string): S3FerryError {
  if (isS3FerryError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const errno = typeof code === 'string' ? code : 'LocalIoError';
  const hint = Object.hasOwn(FATAL_LOCAL_HINTS, errno) ? FATAL_LOCAL_HINTS[errno] : undefined;
  return new S3FerryError(
    'local-io',
    errno,
    `cannot ${action} ${path}: ${errnoReason(error)}`,
    { retryable: false, fatal: hint !== undefined, ...(hint === undefined ? {} : { hint }) },
    { cause: error },
  );
}

/** The error a cancelled task reports. */
export function abortedError(): S3FerryError {
  return new S3FerryError('network', 'Aborted', 'the transfer was cancelled', { retryable: false });
}

/** Retries of a unit of work the SDK cannot retry itself: the profile's `maxRetryTimes`. */
export function retryBudget(ctx: TransferContext, profiles: readonly string[]): number {
  let budget: number | undefined;
  for (const name of profiles) {
    const spec = ctx.specFor(name);
    if (spec !== undefined) budget = Math.min(budget ?? Infinity, spec.maxRetryTimes);
  }
  return budget ?? 0;
}

/** What a unit of work gets on each attempt. */
export type Attempt = {
  /** Reports bytes moved by this attempt; rolled back if the attempt fails. */
  onBytes: (delta: number) => void;
  /** 0 for the first attempt. */
  retry: number;
};

const defaultBackoff = fullJitterBackoff();

/**
 * Runs `unit` (a GET → PUT, a file → PUT, a GET → file) and retries it with fresh streams when it
 * fails with a retryable error, at most `maxRetries` times. Errors of requests the SDK already
 * retried (non-streaming requests) are not retried again, so the budgets never multiply.
 */
export async function withRetries<T>(
  ctx: TransferContext,
  maxRetries: number,
  unit: (attempt: Attempt) => Promise<T>,
  signal: AbortSignal = ctx.signal,
): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    let moved = 0;
    const attempt: Attempt = {
      retry,
      onBytes: (delta) => {
        moved += delta;
        ctx.onBytes(delta);
      },
    };
    try {
      return await unit(attempt);
    } catch (error) {
      if (moved !== 0) ctx.onBytes(-moved);
      if (signal.aborted) throw abortedError();
      const retryable = isS3FerryError(error) && error.retryable && !exhausted.has(error);
      if (!retryable || retry >= maxRetries) throw error;
      noteRetry();
      const delayMs = (ctx.backoff ?? defaultBackoff).delayBeforeRetryMs(retry + 1, error);
      try {
        await sleep(Math.max(0, delayMs), undefined, { signal });
      } catch {
        throw abortedError();
      }
    }
  }
}

/**
 * The `CopySource` of CopyObject / UploadPartCopy: `bucket/` + the key with every `/`-separated
 * segment percent-encoded, so `+`, `%`, `?`, `#`, spaces, `//`, unicode and trailing spaces reach
 * the server exactly (the header is URL-decoded by S3).
 */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
