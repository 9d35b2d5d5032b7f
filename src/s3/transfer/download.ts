// S3 → local file: GET into a temp file next to the destination, check it against the source's
// MD5 where its ETag is one (verify.ts), fsync, timestamp, rename. At/above the threshold the
// object is fetched as parallel ranged GETs written at their offsets.
import type { FileHandle } from 'node:fs/promises';
import { GetObjectCommand } from '../sdk.ts';
import { headObject } from './head.ts';
import type { S3FerryError } from '../../shared/errors.ts';
import { isS3FerryError } from '../../shared/errors.ts';
import type { CopyTask } from '../../shared/protocol.ts';
import { asReadable } from './body.ts';
import {
  callS3,
  localIoError,
  markUnverified,
  retryBudget,
  s3ErrorAt,
  withRetries,
} from './context.ts';
import type { Attempt, S3Target, TransferContext } from './context.ts';
import { forEachConcurrently } from './multipart.ts';
import { byteRange, partRanges, usesMultipart } from '../../plan/parts.ts';
import { writeChunksAt, writeViaTempFile } from './temp-file.ts';
import { sourceLayout } from './source-layout.ts';
import { pinnedRequestError } from './source-changed.ts';
import {
  RunningMd5,
  checkRangeAnswer,
  checksumMismatch,
  judgeParts,
  malformedBody,
  sourceMd5Of,
} from './verify.ts';
import { compositeEtag } from '../etag.ts';
import type { PartRange } from '../../plan/parts.ts';

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

  /**
   * One GET (whole or ranged) written at `position`, hashed into `md5` when given; returns the
   * bytes written and the source's MD5 as the answer states it (see verify.ts).
   */
  const fetchInto = async (
    handle: FileHandle,
    attempt: Attempt,
    position: number,
    range: { part: PartRange; sizeBytes: number; IfMatch?: string } | undefined,
    signal: AbortSignal,
    md5?: RunningMd5,
  ): Promise<{ written: number; sourceMd5: string | undefined }> => {
    const ifMatch = range?.IfMatch;
    const got = await callS3(
      ctx,
      src,
      new GetObjectCommand({
        Bucket: src.bucket,
        Key: src.key,
        ...(range === undefined ? {} : { Range: byteRange(range.part) }),
        ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }),
      }),
      { signal },
    ).catch((error: unknown) => {
      throw ifMatch === undefined ? error : pinnedRequestError(error, src, ifMatch);
    });
    const body = asReadable(got.Body, `GET s3://${src.bucket}/${src.key}`);
    if (range !== undefined) {
      try {
        checkRangeAnswer(src, range.part, range.sizeBytes, got);
      } catch (error) {
        body.destroy();
        throw error;
      }
    }
    const length = got.ContentLength;
    let written: number;
    try {
      const chunks = md5 === undefined ? body : hashing(body, md5);
      written = await writeChunksAt(handle, chunks, position, attempt.onBytes, path, (bytes) =>
        ctx.pace?.(bytes, signal),
      );
    } catch (error) {
      throw streamFailure(error);
    } finally {
      if (!body.destroyed) body.destroy();
    }
    if (length !== undefined && written !== length) {
      throw malformedBody(
        src,
        `the body ran to ${written} bytes where its Content-Length is ${length}`,
      );
    }
    return {
      written,
      sourceMd5: sourceMd5Of(got),
    };
  };

  if (!usesMultipart(task.sizeBytes, task.multipartThresholdBytes)) {
    return writeViaTempFile(path, task.mtimeMs, (handle) =>
      withRetries(ctx, budget, async (attempt) => {
        const md5 = new RunningMd5();
        const got = await fetchInto(handle, attempt, 0, undefined, ctx.signal, md5);
        // A failed earlier attempt may have written further: cut the file to this attempt's size.
        await handle.truncate(got.written);
        // Checked before the rename: a file that is not the source's never gets its name.
        if (got.sourceMd5 === undefined) markUnverified(ctx);
        else {
          const hex = md5.hex();
          if (hex !== got.sourceMd5) {
            throw checksumMismatch(src, `MD5 ${hex}, ETag ${got.sourceMd5}`);
          }
        }
        return got.written;
      }),
    );
  }

  const head = await headObject(ctx, src);
  const sizeBytes = head.ContentLength ?? task.sizeBytes;
  const ifMatch = head.ETag === undefined ? {} : { IfMatch: head.ETag };
  // A multipart source is fetched on its own part boundaries where they can be known, each range
  // hashed as it is written, and checked against its composite ETag (source-layout.ts).
  const layout = await sourceLayout(ctx, src, head, sizeBytes, task.partSizeBytes);
  const { check } = layout;
  if (check.kind === 'none') markUnverified(ctx);
  const parts = partRanges(sizeBytes, layout.partSizeBytes);
  return writeViaTempFile(path, task.mtimeMs, async (handle) => {
    // Ranges arrive in parallel: a single-part source's MD5 is checked by reading the file back
    // before the rename. A mismatch fetches the whole object again, within the budget.
    let previous: Buffer[] | undefined;
    for (let round = 0; ; round += 1) {
      const digests: Buffer[] = new Array<Buffer>(parts.length);
      let moved = 0;
      const roundCtx: TransferContext = {
        ...ctx,
        onBytes: (delta) => {
          moved += delta;
          ctx.onBytes(delta);
        },
      };
      await forEachConcurrently(parts, task.partConcurrency, ctx.signal, async (part, signal) => {
        await withRetries(
          roundCtx,
          budget,
          async (attempt) => {
            const md5 = check.kind === 'composite' ? new RunningMd5() : undefined;
            await fetchInto(
              handle,
              attempt,
              part.offsetBytes,
              { part, sizeBytes, ...ifMatch },
              signal,
              md5,
            );
            if (md5 !== undefined) digests[part.partNumber - 1] = md5.digest();
          },
          signal,
        );
      });
      let mismatch: S3FerryError;
      if (check.kind === 'none') return sizeBytes;
      if (check.kind === 'md5') {
        const hex = await md5OfHandle(handle, sizeBytes, path);
        if (hex === check.md5) return sizeBytes;
        mismatch = checksumMismatch(src, `MD5 ${hex}, ETag ${check.md5}`);
      } else {
        const verdict = judgeParts(check, digests, previous);
        previous = digests;
        if (verdict === 'verified') return sizeBytes;
        if (verdict === 'unverified') {
          markUnverified(ctx);
          return sizeBytes;
        }
        mismatch = checksumMismatch(
          src,
          `the ranges' composite MD5 ${compositeEtag(digests)}, ETag ${check.etag}`,
        );
      }
      if (round >= budget) throw mismatch;
      ctx.onBytes(-moved);
    }
  });
}

/** Passes `chunks` on, hashing each into `md5`. */
async function* hashing(
  chunks: AsyncIterable<Uint8Array>,
  md5: RunningMd5,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of chunks) {
    md5.update(chunk);
    yield chunk;
  }
}

/** The MD5 (hex) of the first `size` bytes of an open file, read sequentially. */
async function md5OfHandle(handle: FileHandle, size: number, path: string): Promise<string> {
  const md5 = new RunningMd5();
  const buffer = Buffer.allocUnsafe(Math.min(size, 1024 * 1024) || 1);
  for (let position = 0; position < size;) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, size - position),
        position,
      ));
    } catch (error) {
      throw localIoError(error, 'read back', path);
    }
    if (bytesRead === 0) break;
    md5.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return md5.hex();
}
