// Local file → S3: PutObject from a file stream with Content-Length, or a multipart upload with
// one ranged file stream per part at/above the threshold. Failed streams are retried afresh.
import { writeFields } from './object-headers.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { CopyTask } from '../../shared/protocol.ts';
import { putObjectFromStream, uploadPartFromStream } from './body.ts';
import { localIoError, retryBudget, withRetries } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import { runMultipartUpload } from './multipart.ts';
import { choosePartSize, partRanges, usesMultipart } from '../../plan/parts.ts';

/**
 * Uploads the file at `path` to `dst`.
 * @returns bytes uploaded
 */
export async function uploadFile(
  ctx: TransferContext,
  task: CopyTask,
  path: string,
  dst: S3Target,
): Promise<number> {
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (error) {
    throw localIoError(error, 'read', path);
  }
  const budget = retryBudget(ctx, [dst.profile]);
  const fileError = (error: unknown): ReturnType<typeof localIoError> =>
    localIoError(error, 'read', path);

  if (!usesMultipart(sizeBytes, task.multipartThresholdBytes)) {
    await withRetries(ctx, budget, (attempt) =>
      putObjectFromStream(
        ctx,
        dst,
        { sizeBytes, headers: writeFields(ctx.objectSettings, {}, path) },
        {
          // Exactly the stat'ed bytes: a file growing meanwhile must not overrun Content-Length.
          source:
            sizeBytes === 0
              ? Readable.from([])
              : createReadStream(path, { start: 0, end: sizeBytes - 1 }),
          onBytes: attempt.onBytes,
          signal: ctx.signal,
          sourceError: fileError,
        },
      ),
    );
    return sizeBytes;
  }

  await runMultipartUpload(ctx, {
    dst,
    create: writeFields(ctx.objectSettings, {}, path),
    parts: partRanges(sizeBytes, choosePartSize(sizeBytes, task.partSizeBytes)),
    partConcurrency: task.partConcurrency,
    resume: task.resumeUpload,
    sendPart: (part, uploadId, partSignal) =>
      withRetries(
        ctx,
        budget,
        (attempt) =>
          uploadPartFromStream(
            ctx,
            dst,
            { uploadId, part },
            {
              source: createReadStream(path, {
                start: part.offsetBytes,
                end: part.offsetBytes + part.sizeBytes - 1,
              }),
              onBytes: attempt.onBytes,
              signal: partSignal,
              sourceError: fileError,
            },
          ),
        partSignal,
      ),
  });
  return sizeBytes;
}
