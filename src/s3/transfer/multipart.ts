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
 * (`beforeComplete`'s included), or a cancel, waits for
 * every in-flight part to settle, then sends AbortMultipartUpload (even after a cancel: it does
 * not use the task's signal), so no upload is left behind.
 * @throws S3FerryError the first failure
 */
export async function runMultipartUpload(
  ctx: TransferContext,
  options: MultipartUploadOptions,
): Promise<void> {
  const { dst } = options;
  const created = await callS3(
    ctx,
    dst,
    new CreateMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, ...options.create }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined || uploadId === '') {
    throw new S3FerryError('internal', 'MissingUploadId', 'CreateMultipartUpload returned no id');
  }
  const etags: string[] = new Array<string>(options.parts.length);
  try {
    await forEachConcurrently(
      options.parts,
      options.partConcurrency,
      ctx.signal,
      async (part, signal) => {
        const etag = normalizeEtag(await options.sendPart(part, uploadId, signal));
        if (etag === undefined) {
          throw new S3FerryError(
            'internal',
            'MissingETag',
            `part ${part.partNumber} of ${dst.key} was stored without an ETag`,
          );
        }
        etags[part.partNumber - 1] = `"${etag}"`;
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
  } catch (error) {
    try {
      await callS3(
        ctx,
        dst,
        new AbortMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId: uploadId }),
        { signal: undefined },
      );
    } catch (abortError) {
      const reason = isS3FerryError(abortError) ? abortError.code : String(abortError);
      throw withNote(
        error,
        `the multipart upload ${uploadId} could not be aborted (${reason}); ` +
          'remove it with AbortMultipartUpload or a lifecycle rule',
      );
    }
    throw error;
  }
}
