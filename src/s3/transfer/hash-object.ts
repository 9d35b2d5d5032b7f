// S3 object → MD5 by one streamed GET (`check --download`): nothing is written anywhere and the
// object is never held in memory. A read that breaks off resumes where it stopped (a ranged GET
// pinned with If-Match to the ETag of the first response), so a retry never re-reads what the
// hash has already taken in.
import { createHash } from 'node:crypto';
import { GetObjectCommand } from '../sdk.ts';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import { asReadable } from './body.ts';
import { callS3, retryBudget, s3ErrorAt, withRetries } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';

/**
 * Reads `src` and returns the MD5 (lowercase hex) of its bytes and how many bytes were read.
 * Retries broken reads within the profile's retry budget, resuming at the byte reached.
 * @throws S3FerryError (classified) when the object cannot be read
 */
export async function md5OfObject(
  ctx: TransferContext,
  src: S3Target,
): Promise<{ md5: string; bytes: number }> {
  const hash = createHash('md5');
  let offset = 0;
  let etag: string | undefined;
  let totalBytes: number | undefined;
  const what = `s3://${src.bucket}/${src.key}`;

  await withRetries(ctx, retryBudget(ctx, [src.profile]), async () => {
    const isResume = offset > 0;
    if (isResume && totalBytes !== undefined && offset >= totalBytes) return;
    const got = await callS3(
      ctx,
      src,
      new GetObjectCommand({
        Bucket: src.bucket,
        Key: src.key,
        // The rest of the same version: a changed object fails with 412 instead of mixing bytes.
        ...(isResume ? { Range: `bytes=${offset}-` } : {}),
        ...(isResume && etag !== undefined ? { IfMatch: etag } : {}),
      }),
    );
    if (!isResume) {
      etag = got.ETag;
      totalBytes = got.ContentLength;
    }
    const body = asReadable(got.Body, `GET ${what}`);
    try {
      for await (const chunk of body) {
        const data = chunk as Buffer;
        hash.update(data);
        offset += data.length;
        // Straight to the task (not the attempt): bytes hashed stay hashed across a resume.
        ctx.onBytes(data.length);
      }
    } catch (error) {
      throw isS3FerryError(error) ? error : s3ErrorAt(ctx, src, error);
    } finally {
      if (!body.destroyed) body.destroy();
    }
    if (totalBytes !== undefined && offset !== totalBytes) {
      throw new S3FerryError(
        'network',
        'IncompleteBody',
        `${what}: received ${offset} of ${totalBytes} bytes`,
        { retryable: true },
      );
    }
  });
  return { md5: hash.digest('hex'), bytes: offset };
}
