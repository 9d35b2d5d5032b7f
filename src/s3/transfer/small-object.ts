// Small objects across endpoints or credentials: one GET read whole into memory, then one PUT of
// that Buffer with its Content-MD5, both on the lean signed path (src/s3/signed-request.ts). For
// a 64 KiB object the SDK's per-request work costs more than the bytes; a Buffer body is also
// replayable, so each request is retried by itself within the budget. The bytes read are checked
// against the source's MD5 (its ETag) before the PUT, and the server checks the PUT's Content-MD5:
// end-to-end integrity under either checksum setting.
import { createHash } from 'node:crypto';
import { S3FerryError } from '../../shared/errors.ts';
import { callSigned, canSign, markUnverified } from './context.ts';
import { carriedHttpHeaders } from './headers.ts';
import { checksumMismatch, sourceMd5 } from './verify.ts';
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
  const digest = createHash('md5').update(body).digest();
  // The server checks the PUT against this Content-MD5; the source's own MD5 checks the GET.
  const expected = sourceMd5({
    etag: got.headers['etag'],
    encryption: got.headers['x-amz-server-side-encryption'],
    customerAlgorithm: got.headers['x-amz-server-side-encryption-customer-algorithm'],
  });
  if (expected === undefined) markUnverified(ctx);
  else if (digest.toString('hex') !== expected) {
    throw checksumMismatch(src, `MD5 ${digest.toString('hex')}, ETag ${expected}`);
  }
  const md5 = digest.toString('base64');
  await callSigned(ctx, dst, {
    operation: 'PutObject',
    method: 'PUT',
    bucket: dst.bucket,
    key: dst.key,
    headers: { ...carriedHttpHeaders(got.headers), 'content-md5': md5 },
    body,
  });
  onBytes(body.length);
  return body.length;
}
