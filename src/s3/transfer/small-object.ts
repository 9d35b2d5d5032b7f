// Small objects across endpoints or credentials: one GET read whole into memory, then one PUT of
// that Buffer with its Content-MD5, both on the lean signed path (src/s3/signed-request.ts). For
// a 64 KiB object the SDK's per-request work costs more than the bytes; a Buffer body is also
// replayable, so each request is retried by itself within the budget. The PUT's Content-MD5 is
// the source's MD5 (its ETag): the destination refuses bytes changed on either leg, and a refusal
// is retried with a fresh GET — end-to-end integrity under either checksum setting, as for
// streamed copies (stream.ts).
import { writeHeaders } from './object-headers.ts';
import { createHash } from 'node:crypto';
import { S3FerryError } from '../../shared/errors.ts';
import { DeleteObjectCommand } from '../sdk.ts';
import { callS3, callSigned, canSign, markUnverified } from './context.ts';
import { carriedHttpHeaders } from './headers.ts';
import { sourceTagging, tagCountOf } from './tags.ts';
import { checksumMismatch, contentMd5Of, isDigestRefusal, sourceMd5 } from './verify.ts';
import type { S3Target, TransferContext } from './context.ts';

/**
 * Objects up to this size take the buffered path: with 16 tasks per worker and the main thread,
 * at most a few tens of MiB are held at once, whatever the bucket holds.
 */
export const SMALL_OBJECT_MAX_BYTES = 1024 * 1024;

/**
 * Copies a small object `src` → `dst` through memory.
 * @returns bytes copied, or `undefined` when the lean path cannot take it (a client not built by
 *   s3ferry's factory, or the object grew past the limit since it was listed): stream it instead.
 */
export async function copySmallObject(
  ctx: TransferContext,
  src: S3Target,
  dst: S3Target,
  onBytes: (delta: number) => void = ctx.onBytes,
): Promise<number | undefined> {
  if (!canSign(ctx, src) || !canSign(ctx, dst)) return undefined;
  const got = await callSigned(ctx, src, {
    operation: 'GetObject',
    method: 'GET',
    bucket: src.bucket,
    key: src.key,
    headers: {},
    maxResponseBytes: SMALL_OBJECT_MAX_BYTES,
  });
  if (got === undefined || got.tooLarge === true) return undefined;
  const body = got.body;
  const announced = Number(got.headers['content-length']);
  if (Number.isFinite(announced) && announced !== body.length) {
    // A connection that ended early: retried with a fresh GET by the caller's withRetries.
    throw new S3FerryError(
      'network',
      'ShortRead',
      `GET s3://${src.bucket}/${src.key} ended after ${body.length} of ${announced} bytes`,
      { retryable: true },
    );
  }
  const expected = sourceMd5({
    etag: got.headers['etag'],
    encryption: got.headers['x-amz-server-side-encryption'],
    customerAlgorithm: got.headers['x-amz-server-side-encryption-customer-algorithm'],
  });
  // The source's own MD5 (its ETag) is the PUT's Content-MD5: the destination checks the bytes
  // that reach it against what the source stores, both legs at once and without hashing here.
  // A source without one (SSE-KMS, a multipart ETag) is hashed here, for the PUT leg alone.
  if (expected === undefined) markUnverified(ctx);
  const md5 =
    expected === undefined
      ? createHash('md5').update(body).digest('base64')
      : contentMd5Of(expected);
  const wait = ctx.pace?.(body.length, ctx.signal);
  if (wait !== undefined) await wait;
  const tagging = await sourceTagging(ctx, src, tagCountOf(got.headers));
  let put: Awaited<ReturnType<typeof callSigned>>;
  try {
    put = await callSigned(ctx, dst, {
      operation: 'PutObject',
      method: 'PUT',
      bucket: dst.bucket,
      key: dst.key,
      headers: {
        ...writeHeaders(ctx.objectSettings, carriedHttpHeaders(got.headers)),
        'content-md5': md5,
        ...(tagging === undefined ? {} : { 'x-amz-tagging': tagging }),
      },
      body,
    });
  } catch (error) {
    if (expected !== undefined && isDigestRefusal(error)) {
      throw checksumMismatch(src, `the destination refused them against ETag ${expected}`);
    }
    throw error;
  }
  // A server that ignores Content-MD5 (moto) stored whatever arrived: its ETag tells.
  const stored = sourceMd5({
    etag: put?.headers['etag'],
    encryption: put?.headers['x-amz-server-side-encryption'],
    customerAlgorithm: put?.headers['x-amz-server-side-encryption-customer-algorithm'],
  });
  if (expected !== undefined && stored !== undefined && stored !== expected) {
    await callS3(ctx, dst, new DeleteObjectCommand({ Bucket: dst.bucket, Key: dst.key }));
    throw checksumMismatch(src, `the destination stored MD5 ${stored}, ETag ${expected}`);
  }
  onBytes(body.length);
  return body.length;
}
