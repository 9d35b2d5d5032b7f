// S3 → local file: GET into a temp file next to the destination, fsync, timestamp, rename. At/above
// the threshold the object is fetched as parallel ranged GETs written at their offsets.
import type { FileHandle } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import type { CopyTask } from '../../shared/protocol.ts';
import { asReadable } from './body.ts';
import { callS3, retryBudget, s3ErrorAt, withRetries } from './context.ts';
import type { Attempt, S3Target, TransferContext } from './context.ts';
import { forEachConcurrently } from './multipart.ts';
import { byteRange, choosePartSize, partRanges, usesMultipart } from '../../plan/parts.ts';
import { writeChunksAt, writeViaTempFile } from './temp-file.ts';

/**
 * Downloads `src` to `path` (parent directories are created). The file's mtime becomes the
 * object's LastModified (`task.mtimeMs`), so a re-sync skips it. On failure nothing is left at
 * `path` or in its directory.
 * @returns bytes downloaded
 */
export async function downloadObject(
  ctx: TransferContext,
  task: CopyTask,
  src: S3Target,
  path: string,
): Promise<number> {
  const budget = retryBudget(ctx, [src.profile]);
  const streamFailure = (error: unknown): S3FerryError =>
    isS3FerryError(error) ? error : s3ErrorAt(ctx, src, error);

  /** One GET (whole or ranged) written at `position`; returns the bytes written. */
  const fetchInto = async (
    handle: FileHandle,
    attempt: Attempt,
    position: number,
    expected: number | undefined,
    extra: { Range?: string; IfMatch?: string },
    signal: AbortSignal,
  ): Promise<number> => {
    const got = await callS3(
      ctx,
      src,
      new GetObjectCommand({ Bucket: src.bucket, Key: src.key, ...extra }),
      { signal },
    );
    const body = asReadable(got.Body, `GET s3://${src.bucket}/${src.key}`);
    const length = expected ?? got.ContentLength;
    let written: number;
    try {
      written = await writeChunksAt(handle, body, position, attempt.onBytes, path);
    } catch (error) {
      throw streamFailure(error);
    } finally {
      if (!body.destroyed) body.destroy();
    }
    if (length !== undefined && written !== length) {
      throw new S3FerryError(
        'network',
        'IncompleteBody',
        `s3://${src.bucket}/${src.key}: received ${written} of ${length} bytes`,
        { retryable: true },
      );
    }
    return written;
  };

  if (!usesMultipart(task.sizeBytes, task.multipartThresholdBytes)) {
    return writeViaTempFile(path, task.mtimeMs, (handle) =>
      withRetries(ctx, budget, async (attempt) => {
        const written = await fetchInto(handle, attempt, 0, undefined, {}, ctx.signal);
        // A failed earlier attempt may have written further: cut the file to this attempt's size.
        await handle.truncate(written);
        return written;
      }),
    );
  }

  const head = await callS3(ctx, src, new HeadObjectCommand({ Bucket: src.bucket, Key: src.key }));
  const sizeBytes = head.ContentLength ?? task.sizeBytes;
  const ifMatch = head.ETag === undefined ? {} : { IfMatch: head.ETag };
  return writeViaTempFile(path, task.mtimeMs, async (handle) => {
    await forEachConcurrently(
      partRanges(sizeBytes, choosePartSize(sizeBytes, task.partSizeBytes)),
      task.partConcurrency,
      ctx.signal,
      async (part, signal) => {
        await withRetries(
          ctx,
          budget,
          (attempt) =>
            fetchInto(
              handle,
              attempt,
              part.offsetBytes,
              part.sizeBytes,
              { Range: byteRange(part), ...ifMatch },
              signal,
            ),
          signal,
        );
      },
    );
    return sizeBytes;
  });
}
