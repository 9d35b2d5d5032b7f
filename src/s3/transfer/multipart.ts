// One multipart upload, run entirely inside the task that owns it: create → parts in parallel →
// complete, or abort only after every in-flight part has settled (lib-storage's discipline).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import type { CreateMultipartUploadCommandInput } from '@aws-sdk/client-s3';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import { abortedError, callS3 } from './context.ts';
import { normalizeEtag } from '../etag.ts';
import type { S3Target, TransferContext } from './context.ts';
import type { PartRange } from '../../plan/parts.ts';
import type { ResumableUpload } from '../../shared/protocol.ts';
import { keptParts } from './resume-upload.ts';

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
   * Runs after every part is stored, before Complete (e.g. the source's composite ETag check):
   * a throw aborts the upload, so nothing is stored.
   */
  beforeComplete?: () => void;
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
    const created = await callS3(
      ctx,
      dst,
      new CreateMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, ...options.create }),
    );
    uploadId = created.UploadId;
    if (uploadId === undefined || uploadId === '') {
      throw new S3FerryError('internal', 'MissingUploadId', 'CreateMultipartUpload returned no id');
    }
    ctx.onUpload?.({
      type: 'started',
      uploadId,
      partSizeBytes: options.parts[0]?.sizeBytes ?? 0,
      sizeBytes: options.parts.reduce((sum, p) => sum + p.sizeBytes, 0),
    });
  }
  const id = uploadId;
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
    options.beforeComplete?.();
    // RGW answers Complete with an empty ETag: nothing here relies on it.
    await callS3(
      ctx,
      dst,
      new CompleteMultipartUploadCommand({
        Bucket: dst.bucket,
        Key: dst.key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: options.parts.map((part) => ({
            PartNumber: part.partNumber,
            ETag: etags[part.partNumber - 1],
          })),
        },
      }),
    );
    ctx.onUpload?.({ type: 'ended', uploadId: id });
  } catch (error) {
    // A cancel (Ctrl-C) under a checkpoint keeps the upload: the parts stored so far were
    // reported, and the next run with the checkpoint continues from the first missing one. Any
    // other failure, and a cancel of an upload nobody records, aborts it.
    if (ctx.signal.aborted && ctx.onUpload !== undefined) throw error;
    try {
      await callS3(
        ctx,
        dst,
        new AbortMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId: id }),
        { signal: undefined },
      );
      ctx.onUpload?.({ type: 'ended', uploadId: id });
    } catch (abortError) {
      const reason = isS3FerryError(abortError) ? abortError.code : String(abortError);
      throw withNote(
        error,
        `the multipart upload ${id} could not be aborted (${reason}); ` +
          'remove it with AbortMultipartUpload or a lifecycle rule',
      );
    }
    throw error;
  }
}

/** Aborts an upload that is not continued; a failure leaves it to `s3ferry uploads --abort`. */
async function abortQuietly(ctx: TransferContext, dst: S3Target, uploadId: string): Promise<void> {
  try {
    await callS3(
      ctx,
      dst,
      new AbortMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId: uploadId }),
      { signal: undefined },
    );
  } catch {
    // NoSuchUpload (already gone) or a failure: nothing more to do here.
  }
}
