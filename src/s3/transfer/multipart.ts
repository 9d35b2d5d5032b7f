// One multipart upload, run entirely inside the task that owns it: create → parts in parallel →
// complete, or abort only after every in-flight part has settled (lib-storage's discipline).
import { setMaxListeners } from 'node:events';
import type { CreateMultipartUploadCommandInput } from '@aws-sdk/client-s3';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import { abortedError } from './context.ts';
import { compositeOfPartEtags, normalizeEtag } from '../etag.ts';
import { RequestCounter } from '../request-counter.ts';
import type { S3Target, TransferContext } from './context.ts';
import type { PartRange } from '../../plan/parts.ts';
import type { ResumableUpload } from '../../shared/protocol.ts';
import { keptParts } from './resume-upload.ts';
import { abortLostCreates, isCompletedAt, mayHaveCreated } from './lost-answers.ts';
import type { CompletedObject } from './lost-answers.ts';
import { sendAbort, sendComplete, sendCreate } from './multipart-requests.ts';

/**
 * Runs `work` for every item with at most `concurrency` in flight. After the first failure no new
 * item starts and `signal` (given to `work`) aborts the ones in flight; the promise settles only
 * when every started item has settled, then rejects with the first failure.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  parent: AbortSignal,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  // Every request of a part adds an 'abort' listener, and one destroyed while it waits for a
  // socket (a timeout) never removes its own (node emits no 'close' then): retries pile them up
  // past node's limit of 10, and a user read a "possible memory leak" warning. They go with the
  // upload.
  setMaxListeners(0, stop.signal);
  const onParentAbort = (): void => {
    stop.abort();
  };
  parent.addEventListener('abort', onParentAbort, { once: true });
  if (parent.aborted) stop.abort();
  let next = 0;
  const state: { failure?: { error: unknown } } = {};
  const lane = async (): Promise<void> => {
    while (state.failure === undefined && !stop.signal.aborted && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item, stop.signal);
      } catch (error) {
        state.failure ??= { error };
        stop.abort();
      }
    }
  };
  try {
    const lanes = Math.max(1, Math.min(concurrency, items.length));
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    parent.removeEventListener('abort', onParentAbort);
  }
  if (state.failure !== undefined) throw state.failure.error;
  if (next < items.length) throw abortedError();
}

/** Options of {@link runMultipartUpload}. */
export type MultipartUploadOptions = {
  dst: S3Target;
  /** Content type, metadata… for CreateMultipartUpload. */
  create: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>;
  parts: readonly PartRange[];
  partConcurrency: number;
  /** Sends one part and returns its ETag (quoted or not). Must honour `signal`. */
  sendPart(part: PartRange, uploadId: string, signal: AbortSignal): Promise<string | undefined>;
  /**
   * Runs after every part is stored, before Complete (e.g. the source's composite ETag check, or
   * a HEAD of the source): a throw (or rejection) aborts the upload, so nothing is stored.
   */
  beforeComplete?: () => void | Promise<void>;
  /** An upload an interrupted run recorded: its parts still stored are kept, not sent again. */
  resume?: ResumableUpload | undefined;
  /** Called for each part kept from `resume` (its ETag, unquoted), instead of `sendPart`. */
  onKeptPart?: (part: PartRange, etag: string) => void;
};

/** Adds a note to an error's message, keeping everything else. */
function withNote(error: unknown, note: string): unknown {
  if (!isS3FerryError(error)) return error;
  return new S3FerryError(
    error.kind,
    error.code,
    `${error.message}; ${note}`,
    {
      retryable: error.retryable,
      fatal: error.fatal,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      ...(error.url === undefined ? {} : { url: error.url }),
      ...(error.profile === undefined ? {} : { profile: error.profile }),
      ...(error.endpoint === undefined ? {} : { endpoint: error.endpoint }),
    },
    { cause: error },
  );
}

/**
 * Create → parts (`partConcurrency` in flight) → `beforeComplete` → Complete. On any failure
 * (`beforeComplete`'s included), or a cancel, waits for every in-flight part to settle (a cancel
 * aborts their requests), then sends AbortMultipartUpload (even after a cancel: it does not use
 * the task's signal), so no upload is left behind — except an upload being recorded
 * (`ctx.onUpload`, a `--checkpoint` run) that a cancel stopped: it stays on the server, recorded
 * with the parts it stored and not ended, for the next run to continue (or abort).
 *
 * Lost answers (lost-answers.ts): uploads made by Create attempts whose answer was lost are
 * aborted; a Complete that fails — or an upload the abort finds gone after a Complete was sent —
 * is a success when the object now has the parts' size and composite ETag.
 * @throws S3FerryError the first failure
 */
export async function runMultipartUpload(
  ctx: TransferContext,
  options: MultipartUploadOptions,
): Promise<void> {
  const { dst } = options;
  const etags: string[] = new Array<string>(options.parts.length);
  let uploadId: string | undefined;
  const { resume } = options;
  if (resume !== undefined) {
    const kept = await keptParts(ctx, dst, resume, options.parts);
    if (kept !== undefined) {
      uploadId = resume.uploadId;
      for (const part of options.parts) {
        const etag = kept.get(part.partNumber);
        if (etag === undefined) continue;
        etags[part.partNumber - 1] = `"${etag}"`;
        options.onKeptPart?.(part, etag);
        ctx.onBytes(part.sizeBytes);
      }
    } else {
      // Not continued: another layout, or gone. A leftover is aborted (NoSuchUpload is fine).
      await abortQuietly(ctx, dst, resume.uploadId);
      ctx.onUpload?.({ type: 'ended', uploadId: resume.uploadId });
    }
  }
  if (uploadId === undefined) {
    uploadId = await createUpload(ctx, dst, options.create);
    ctx.onUpload?.({
      type: 'started',
      uploadId,
      partSizeBytes: options.parts[0]?.sizeBytes ?? 0,
      sizeBytes: options.parts.reduce((sum, p) => sum + p.sizeBytes, 0),
    });
  }
  const id = uploadId;
  // What the object is once completed: checked when Complete's answer is in doubt.
  const completed = (): CompletedObject | undefined => {
    const etag = compositeOfPartEtags(etags);
    if (etag === undefined) return undefined;
    return { sizeBytes: options.parts.reduce((sum, p) => sum + p.sizeBytes, 0), etag };
  };
  let isCompleteSent = false;
  try {
    await forEachConcurrently(
      options.parts.filter((part) => etags[part.partNumber - 1] === undefined),
      options.partConcurrency,
      ctx.signal,
      async (part, signal) => {
        const etag = normalizeEtag(await options.sendPart(part, id, signal));
        if (etag === undefined) {
          throw new S3FerryError(
            'internal',
            'MissingETag',
            `part ${part.partNumber} of ${dst.key} was stored without an ETag`,
          );
        }
        etags[part.partNumber - 1] = `"${etag}"`;
        ctx.onUpload?.({
          type: 'part',
          uploadId: id,
          partNumber: part.partNumber,
          etag,
          sizeBytes: part.sizeBytes,
        });
      },
    );
    await options.beforeComplete?.();
    isCompleteSent = true;
    try {
      // RGW answers Complete with an empty ETag: nothing here relies on it.
      await sendComplete(
        ctx,
        dst,
        id,
        options.parts.map((part) => ({
          partNumber: part.partNumber,
          etag: etags[part.partNumber - 1] as string,
        })),
      );
    } catch (error) {
      // An attempt's answer may have been lost after the server completed the upload: the retry
      // then fails (NoSuchUpload on AWS), or the budget ran out. The object tells.
      if (!(await isCompletedAt(ctx, dst, completed()))) throw error;
    }
    ctx.onUpload?.({ type: 'ended', uploadId: id });
  } catch (error) {
    // A cancel (Ctrl-C) under a checkpoint keeps the upload: the parts stored so far were
    // reported, and the next run with the checkpoint continues from the first missing one. Any
    // other failure, and a cancel of an upload nobody records, aborts it.
    if (ctx.signal.aborted && ctx.onUpload !== undefined) throw error;
    let outcome: 'aborted' | 'gone';
    try {
      outcome = await abortUpload(ctx, dst, id);
    } catch (abortError) {
      const reason = isS3FerryError(abortError) ? abortError.code : String(abortError);
      throw withNote(
        error,
        `the multipart upload ${id} could not be aborted (${reason}); ` +
          'remove it with AbortMultipartUpload or a lifecycle rule',
      );
    }
    ctx.onUpload?.({ type: 'ended', uploadId: id });
    if (outcome === 'gone' && isCompleteSent) {
      // Gone after a Complete was sent: a Complete still in progress at the server when its
      // answer was given up on has finished since.
      if (await isCompletedAt(ctx, dst, completed())) return;
      throw withNote(
        error,
        `the multipart upload ${id} is gone: CompleteMultipartUpload may have stored ` +
          `s3://${dst.bucket}/${dst.key} after all (the next sync compares it)`,
      );
    }
    throw error;
  }
}

/**
 * CreateMultipartUpload, and the uploads its lost answers left (lost-answers.ts) aborted when it
 * took more than one attempt. Attempts are counted on a counter of its own (the SDK retries
 * inside `send`), then added to the task's.
 * @returns the upload id
 * @throws S3FerryError the Create's failure
 */
async function createUpload(
  ctx: TransferContext,
  dst: S3Target,
  create: MultipartUploadOptions['create'],
): Promise<string> {
  const counter = new RequestCounter();
  const attempts = (): number => counter.snapshot()['CreateMultipartUpload'] ?? 0;
  const sentAtMs = Date.now();
  let uploadId: string | undefined;
  try {
    uploadId = await sendCreate({ ...ctx, counter }, dst, create);
  } catch (error) {
    ctx.counter.merge(counter.snapshot());
    if (!mayHaveCreated(error, attempts())) throw error;
    const timing = { sentAtMs, answeredAtMs: Date.now() };
    try {
      await abortLostCreates(ctx, dst, { key: dst.key, timing });
    } catch (sweepError) {
      const reason = isS3FerryError(sweepError) ? sweepError.code : String(sweepError);
      throw withNote(
        error,
        `an upload it may have created could not be looked for (${reason}); ` +
          'list and abort them with s3ferry uploads --abort',
      );
    }
    throw error;
  }
  ctx.counter.merge(counter.snapshot());
  if (uploadId === undefined || uploadId === '') {
    throw new S3FerryError('internal', 'MissingUploadId', 'CreateMultipartUpload returned no id');
  }
  if (attempts() > 1) {
    const timing = { sentAtMs, answeredAtMs: Date.now() };
    try {
      await abortLostCreates(ctx, dst, { key: dst.key, uploadId, timing });
    } catch {
      // The copy goes on: an upload left by a lost answer is for `s3ferry uploads --abort` or a
      // lifecycle rule (e.g. a policy that allows uploads but not listing them).
    }
  }
  return uploadId;
}

/**
 * AbortMultipartUpload without the task's signal (it runs after a cancel too).
 * @returns `gone` when the server no longer knows the upload (completed or aborted)
 * @throws S3FerryError any other failure
 */
async function abortUpload(
  ctx: TransferContext,
  dst: S3Target,
  uploadId: string,
): Promise<'aborted' | 'gone'> {
  try {
    await sendAbort(ctx, dst, uploadId, { signal: undefined });
    return 'aborted';
  } catch (error) {
    if (isS3FerryError(error) && error.code === 'NoSuchUpload') return 'gone';
    throw error;
  }
}

/** Aborts an upload that is not continued; a failure leaves it to `s3ferry uploads --abort`. */
async function abortQuietly(ctx: TransferContext, dst: S3Target, uploadId: string): Promise<void> {
  try {
    await abortUpload(ctx, dst, uploadId);
  } catch {
    // A failure: nothing more to do here (the upload shows in `s3ferry uploads`).
  }
}
