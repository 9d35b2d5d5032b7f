// End-to-end integrity of bytes that pass through s3ferry: what was read from the source must be
// what the source holds. A single-part object's ETag is the MD5 of its bytes (unless it is
// encrypted with KMS or a customer key), so a streamed copy is checked against it: the PUT
// carries it as Content-MD5 and the server refuses bytes that do not match it; a small object
// read whole and a downloaded file are hashed as they pass and compared before the PUT or the
// rename. Without such an MD5 (multipart ETags, SSE-KMS, SSE-C) the copy is counted as not
// verified end to end, and the summary says how many.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import { normalizeEtag } from '../etag.ts';
import type { S3Target } from './context.ts';

/** Encryption that makes an ETag something other than the MD5 of the bytes. */
function isEtagOpaque(
  encryption: string | undefined,
  customerAlgorithm: string | undefined,
): boolean {
  return (
    (customerAlgorithm !== undefined && customerAlgorithm !== '') ||
    (encryption !== undefined && encryption.toLowerCase().startsWith('aws:kms'))
  );
}

/**
 * The MD5 (hex, lower case) of the source's bytes, when its ETag is one: 32 hex digits, no
 * multipart `-N` suffix, and no SSE-KMS or SSE-C encryption.
 */
export function sourceMd5(source: {
  etag: string | undefined;
  encryption?: string | undefined;
  customerAlgorithm?: string | undefined;
}): string | undefined {
  const etag = normalizeEtag(source.etag);
  if (etag === undefined || !/^[0-9a-fA-F]{32}$/.test(etag)) return undefined;
  if (isEtagOpaque(source.encryption, source.customerAlgorithm)) return undefined;
  return etag.toLowerCase();
}

/** {@link sourceMd5} of an SDK answer (GetObject, HeadObject, PutObject output). */
export function sourceMd5Of(answer: {
  ETag?: string | undefined;
  ServerSideEncryption?: string | undefined;
  SSECustomerAlgorithm?: string | undefined;
}): string | undefined {
  return sourceMd5({
    etag: answer.ETag,
    encryption: answer.ServerSideEncryption,
    customerAlgorithm: answer.SSECustomerAlgorithm,
  });
}

/** The Content-MD5 header value (base64) of a hex MD5. */
export function contentMd5Of(md5Hex: string): string {
  return Buffer.from(md5Hex, 'hex').toString('base64');
}

/** Error codes a server answers when a body does not match its Content-MD5. */
const DIGEST_REFUSALS = new Set(['BadDigest', 'InvalidDigest']);

/** Whether `error` is the server refusing a body whose MD5 is not its Content-MD5. */
export function isDigestRefusal(error: unknown): boolean {
  return isS3FerryError(error) && DIGEST_REFUSALS.has(error.code);
}

/**
 * The bytes read from `src` are not the source's (a byte changed on the way): retried with a
 * fresh read within the budget, then a failure for that object — never a stored object.
 */
export function checksumMismatch(src: S3Target, detail: string): S3FerryError {
  return new S3FerryError(
    'network',
    'ChecksumMismatch',
    `the bytes read from s3://${src.bucket}/${src.key} did not match the source's MD5 (its ETag): ${detail}`,
    {
      retryable: true,
      hint: 'something between the source and s3ferry changed the data (a proxy, a network card, memory); nothing was stored',
    },
  );
}

/** An MD5 computed over chunks as they pass. */
export class RunningMd5 {
  readonly #hash: Hash = createHash('md5');
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  hex(): string {
    return this.#hash.digest('hex');
  }
}
