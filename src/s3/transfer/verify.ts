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
import { classifyEtag, compositeEtag } from '../etag.ts';
import { MAX_PART_SIZE_BYTES, MIN_PART_SIZE_BYTES } from '../../plan/parts.ts';
import type { S3Target } from './context.ts';

/**
 * The MD5 (hex, lower case) of the source's bytes, when its ETag is one: 32 hex digits, no
 * multipart `-N` suffix, and no SSE-KMS or SSE-C encryption (see classifyEtag).
 */
export function sourceMd5(source: Parameters<typeof classifyEtag>[0]): string | undefined {
  const etag = classifyEtag(source);
  return etag.kind === 'md5' ? etag.md5 : undefined;
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
  /** The binary digest (ends the hash, like {@link hex}). */
  digest(): Buffer {
    return this.#hash.digest();
  }
}

/**
 * The MD5s of a stream's consecutive parts of `partSizeBytes` (the last one shorter), computed
 * as chunks pass: a composite ETag of a stream read whole in one GET.
 */
export class PartMd5s {
  readonly #partSizeBytes: number;
  readonly #digests: Buffer[] = [];
  #hash: Hash = createHash('md5');
  #leftBytes: number;
  #isPartStarted = false;

  constructor(partSizeBytes: number) {
    if (!(partSizeBytes > 0)) throw new RangeError(`part size must be positive: ${partSizeBytes}`);
    this.#partSizeBytes = partSizeBytes;
    this.#leftBytes = partSizeBytes;
  }

  update(chunk: Uint8Array): void {
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(this.#leftBytes, chunk.length - offset);
      this.#hash.update(chunk.subarray(offset, offset + take));
      this.#isPartStarted = true;
      this.#leftBytes -= take;
      offset += take;
      if (this.#leftBytes === 0) {
        this.#digests.push(this.#hash.digest());
        this.#hash = createHash('md5');
        this.#leftBytes = this.#partSizeBytes;
        this.#isPartStarted = false;
      }
    }
  }

  /** The composite ETag of the parts seen (an empty stream is one empty part). Ends the hash. */
  etag(): string {
    if (this.#isPartStarted || this.#digests.length === 0) this.#digests.push(this.#hash.digest());
    return compositeEtag(this.#digests);
  }
}

/**
 * Whether an object of `sizeBytes` cut into `partSizeBytes` parts (the last one shorter) makes
 * `partCount` parts, each within S3's part limits: a layout that can be both read and uploaded.
 */
export function isLayoutOf(sizeBytes: number, partSizeBytes: number, partCount: number): boolean {
  if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes <= 0) return false;
  if (Math.max(1, Math.ceil(sizeBytes / partSizeBytes)) !== partCount) return false;
  if (partSizeBytes > MAX_PART_SIZE_BYTES) return false;
  return partCount === 1 || partSizeBytes >= MIN_PART_SIZE_BYTES;
}

/** A `Content-Range` of a 206 answer: `bytes first-last/total` (total undefined for `*`). */
export type ContentRange = { firstByte: number; lastByte: number; totalBytes: number | undefined };

/** Parses a `Content-Range` header; undefined when absent or not `bytes a-b/(n|*)`. */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  const [, first, last, total] = match as unknown as [string, string, string, string];
  const range = {
    firstByte: Number(first),
    lastByte: Number(last),
    totalBytes: total === '*' ? undefined : Number(total),
  };
  return range.lastByte < range.firstByte ? undefined : range;
}

/**
 * A GET answer that does not hold together (a body shorter or longer than its Content-Length, a
 * Content-Range other than the range asked): a passing fault, retried with a fresh GET within
 * the budget — never stored.
 */
export function malformedBody(src: S3Target, detail: string): S3FerryError {
  return new S3FerryError(
    'network',
    'MalformedAnswer',
    `GET s3://${src.bucket}/${src.key}: ${detail}`,
    { retryable: true },
  );
}

/** What the bytes of a copy read in parts are checked against. */
export type PartsCheck =
  /** The whole object's MD5 (a single-part source). */
  | { kind: 'md5'; md5: string }
  /**
   * The source's composite ETag, for parts of the layout's size. `isGuessed`: the layout is
   * s3ferry's own part size, which the source may not have been uploaded with.
   */
  | { kind: 'composite'; etag: string; isGuessed: boolean }
  /** Nothing to check against (SSE-KMS, SSE-C, an unknown layout). */
  | { kind: 'none' };

/** What a round of parts proved: their bytes are the source's, nothing, or not the source's. */
export type PartsVerdict = 'verified' | 'unverified' | 'mismatch';

/**
 * Judges the MD5s of the parts of one round (binary, in part order) against `check`. Under a
 * guessed layout a mismatch may only mean the source was uploaded in other parts: when this
 * round read exactly the bytes the `previous` round read, the guess is taken as wrong and the
 * copy as not verified; bytes that differ between two reads are a mismatch.
 */
export function judgeParts(
  check: PartsCheck,
  digests: readonly Uint8Array[],
  previous: readonly Uint8Array[] | undefined,
): PartsVerdict {
  if (check.kind !== 'composite') return 'unverified';
  if (compositeEtag(digests) === check.etag) return 'verified';
  const isSameRead =
    previous !== undefined &&
    previous.length === digests.length &&
    previous.every((digest, i) => Buffer.compare(digest, digests[i] ?? Buffer.alloc(0)) === 0);
  return check.isGuessed && isSameRead ? 'unverified' : 'mismatch';
}

/**
 * Checks a ranged GET's answer against the `part` asked of an object of `sizeBytes`: its
 * Content-Range must be that range, its Content-Length the part's size.
 * @throws S3FerryError MalformedAnswer (retryable)
 */
export function checkRangeAnswer(
  src: S3Target,
  part: { offsetBytes: number; sizeBytes: number },
  sizeBytes: number,
  answer: { ContentLength?: number | undefined; ContentRange?: string | undefined },
): void {
  const asked = `bytes ${part.offsetBytes}-${part.offsetBytes + part.sizeBytes - 1}/${sizeBytes}`;
  const range = parseContentRange(answer.ContentRange);
  const isRange =
    range !== undefined &&
    range.firstByte === part.offsetBytes &&
    range.lastByte === part.offsetBytes + part.sizeBytes - 1 &&
    (range.totalBytes === undefined || range.totalBytes === sizeBytes);
  if (!isRange) {
    throw malformedBody(
      src,
      `asked ${asked}, answered Content-Range ${answer.ContentRange ?? 'none'}`,
    );
  }
  if (answer.ContentLength !== part.sizeBytes) {
    throw malformedBody(
      src,
      `asked ${asked}, answered Content-Length ${answer.ContentLength ?? 'none'}`,
    );
  }
}
