// The request cost of a planned copy or delete, as the real run would send it: requests by S3
// operation (the names RequestCounts uses) and the bytes that pass through s3ferry versus stay
// inside the S3 service. Pure arithmetic on a listing entry and the run's options, cheap enough
// for every key the planner sees: `sync --dry-run` reports it. The copy paths it mirrors are in
// src/s3/transfer (server-side.ts, stream.ts, small-object.ts, upload.ts, download.ts,
// multipart.ts, source-layout.ts); test/integration/cost.test.ts proves the two equal on real
// servers, shape by shape.
import type { CopyMethod, RequestCounts } from '../shared/protocol.ts';
import { MAX_PART_SIZE_BYTES, choosePartSize, usesMultipart } from './parts.ts';

/** What a copy, a delete phase or a whole run costs (see {@link estimateCopy}). */
export type CostEstimate = {
  /** Requests by S3 operation (`CopyObject`, `UploadPart`…), first-try successes. */
  requests: RequestCounts;
  /** Bytes read or written by s3ferry itself (streams, uploads, downloads, local copies). */
  bytesThrough: number;
  /** Bytes the S3 service copies by itself (CopyObject, UploadPartCopy): none pass s3ferry. */
  bytesServerSide: number;
};

/** One planned copy: the listing entry's size and ETag, and the run's options. */
export type CopyCostInput = {
  method: CopyMethod;
  sizeBytes: number;
  /** As the CopyTask carries it: at or above it the copy is multipart. */
  multipartThresholdBytes: number;
  /**
   * As the CopyTask carries it (`choosePartSize(sizeBytes, preferred)`); the preferred size
   * gives the same answer, since the copy paths apply choosePartSize again.
   */
  partSizeBytes: number;
  /**
   * The source's ETag as listed (quotes optional). Only a multipart `…-N` ETag matters: a stream
   * or download of such a source reads it on its own part layout (source-layout.ts).
   */
  srcEtag?: string | undefined;
  /**
   * Whether the source's server answers the run's `HEAD ?partNumber=1` (with `If-Match:` the
   * object's ETag) with that part's length and the part count. AWS S3: yes. Ceph RGW 16: no, it
   * ignores partNumber and answers the whole object. moto 5.2: no, it answers the part only
   * without If-Match and refuses it with 412 (it matches If-Match against the part's own ETag).
   * Decides how many parts a multipart source whose layout is not s3ferry's own part size is
   * read (and, for a stream, uploaded) in. The dry run cannot know it; the second HEAD is sent
   * either way.
   * @default true (AWS S3)
   */
  isPartNumberAnswered?: boolean | undefined;
  /**
   * S3 → S3 copies carry tags (no `--no-tags`): a multipart copy asks GetObjectTagging once
   * (its HEAD does not say whether there are tags; a single copy's GET does). A tagged source
   * adds a PutObjectTagging after Complete, which the listing cannot tell.
   * @default false
   */
  copiesTags?: boolean | undefined;
};

/** Ends with a multipart suffix: 32 hex digits, `-`, a part count of 1 to 99,999. */
const MULTIPART_ETAG = /^"?[0-9a-fA-F]{32}-[1-9][0-9]{0,4}"?$/;

/** The part count of a multipart ETag (`…-N`); 0 for any other ETag, or none. */
export function etagPartCount(etag: string | undefined): number {
  if (etag === undefined || !MULTIPART_ETAG.test(etag)) return 0;
  let count = 0;
  for (let i = etag.indexOf('-') + 1; i < etag.length; i++) {
    const digit = etag.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break; // the closing quote
    count = count * 10 + digit;
  }
  return count;
}

/** Parts of `partSizeBytes` (the last one shorter) that make `sizeBytes`: at least one. */
function partsOf(sizeBytes: number, partSizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / partSizeBytes));
}

/**
 * How many parts a multipart copy of `input` sends (UploadPart, UploadPartCopy, or ranged GETs of
 * a download); 0 when it takes a single request. Server-side copies and uploads cut the object
 * in s3ferry's part size. Streams and downloads read a multipart source (`…-N` ETag) on its own
 * layout where the run can learn it: one part for a 1-part source; N parts for N > 1 when s3ferry's
 * part size makes N parts (a guess the run checks) or the server answers partNumber
 * ({@link CopyCostInput.isPartNumberAnswered}); s3ferry's part size otherwise.
 * @throws S3FerryError (EntityTooLarge) above 5 TiB, as choosePartSize does.
 */
export function copyPartCount(input: CopyCostInput): number {
  const { method, sizeBytes } = input;
  if (method === 'local' || !usesMultipart(sizeBytes, input.multipartThresholdBytes)) return 0;
  const own = partsOf(sizeBytes, choosePartSize(sizeBytes, input.partSizeBytes));
  if (method !== 'stream' && method !== 'download') return own;
  const sourceParts = etagPartCount(input.srcEtag);
  if (sourceParts === 1) return sizeBytes <= MAX_PART_SIZE_BYTES ? 1 : own;
  if (sourceParts > 1 && input.isPartNumberAnswered !== false) return sourceParts;
  return own;
}

/** A copy whose bytes pass through s3ferry. */
function passing(requests: RequestCounts, sizeBytes: number): CostEstimate {
  return { requests, bytesThrough: sizeBytes, bytesServerSide: 0 };
}

/**
 * The requests and bytes of one copy, as its first try sends them. Per method (n = parts, from
 * {@link copyPartCount}; "single" below the multipart threshold, 0-byte objects included):
 *
 * | method | single | multipart |
 * | --- | --- | --- |
 * | server-side | CopyObject 1 | HeadObject 2, CreateMultipartUpload 1, UploadPartCopy n, CompleteMultipartUpload 1 |
 * | stream | GetObject 1, PutObject 1 | HeadObject 1 (+1), CreateMultipartUpload 1, GetObject n, UploadPart n, CompleteMultipartUpload 1 |
 * | upload | PutObject 1 | CreateMultipartUpload 1, UploadPart n, CompleteMultipartUpload 1 |
 * | download | GetObject 1 | HeadObject 1 (+1), GetObject n |
 * | local | nothing | nothing |
 *
 * Multipart server-side and stream copies also send GetObjectTagging 1 when they carry tags
 * (`copiesTags`).
 *
 * (+1): a second HEAD (`partNumber=1`) for a multipart source of more than one part, sent to
 * every server, whether it answers partNumber or not. A server-side multipart copy HEADs its
 * source twice: before Create, and again before Complete (the source must not have changed:
 * src/s3/transfer/source-changed.ts).
 *
 * Bytes: a server-side copy's stay in the service (`bytesServerSide`); every other method's pass
 * through s3ferry (`bytesThrough`: a stream's are read once and sent once, counted once).
 *
 * What the run may send beyond this, which the dry run cannot know (the estimate is the common
 * case: none of it happens on a first-try success with a source unchanged since it was listed):
 * - retries, by the SDK or by s3ferry's stream retries, each counted as one more request, and a
 *   Content-MD5 refusal (BadDigest) or a composite-ETag mismatch, which reads (and, for a
 *   stream, uploads) the object again;
 * - a stream whose destination stored bytes other than the source's MD5 (a server that ignores
 *   Content-MD5): one DeleteObject, then a retry;
 * - a failed multipart upload: one AbortMultipartUpload;
 * - a source that changed size since it was listed: the HEAD's size decides instead (a
 *   server-side copy that shrank below the threshold sends CopyObject after its HEAD), and a
 *   small object that grew past 1 MiB is read twice (its buffered GET is refused unread, then a
 *   streamed GET);
 * - a multipart-looking ETag under SSE-KMS or SSE-C (the listing does not say; the HEAD does):
 *   no second HEAD, and s3ferry's own part size;
 * - a multipart source of N parts on a server that answers partNumber but with a part length that
 *   does not make N parts (uneven parts): s3ferry's part size, or N if that makes N parts.
 * @throws S3FerryError (EntityTooLarge) above 5 TiB, as choosePartSize does.
 * @example estimateCopy({ method: 'upload', sizeBytes: 12 * MiB, multipartThresholdBytes: 8 * MiB, partSizeBytes: 5 * MiB })
 * // { requests: { CreateMultipartUpload: 1, UploadPart: 3, CompleteMultipartUpload: 1 }, bytesThrough: 12582912, bytesServerSide: 0 }
 */
export function estimateCopy(input: CopyCostInput): CostEstimate {
  const { method, sizeBytes } = input;
  if (method === 'local') return passing({}, sizeBytes);
  const n = copyPartCount(input);
  if (n === 0) {
    switch (method) {
      case 'server-side':
        return { requests: { CopyObject: 1 }, bytesThrough: 0, bytesServerSide: sizeBytes };
      case 'stream':
        return passing({ GetObject: 1, PutObject: 1 }, sizeBytes);
      case 'upload':
        return passing({ PutObject: 1 }, sizeBytes);
      case 'download':
        return passing({ GetObject: 1 }, sizeBytes);
    }
  }
  const heads = etagPartCount(input.srcEtag) > 1 ? 2 : 1;
  const tagging: RequestCounts = input.copiesTags === true ? { GetObjectTagging: 1 } : {};
  switch (method) {
    case 'server-side':
      return {
        requests: {
          HeadObject: 2,
          ...tagging,
          CreateMultipartUpload: 1,
          UploadPartCopy: n,
          CompleteMultipartUpload: 1,
        },
        bytesThrough: 0,
        bytesServerSide: sizeBytes,
      };
    case 'stream':
      return passing(
        {
          HeadObject: heads,
          ...tagging,
          CreateMultipartUpload: 1,
          GetObject: n,
          UploadPart: n,
          CompleteMultipartUpload: 1,
        },
        sizeBytes,
      );
    case 'upload':
      return passing(
        { CreateMultipartUpload: 1, UploadPart: n, CompleteMultipartUpload: 1 },
        sizeBytes,
      );
    case 'download':
      return passing({ HeadObject: heads, GetObject: n }, sizeBytes);
  }
}

/**
 * The requests of deleting `count` keys at the destination (`sync --delete`): S3 deletes in
 * DeleteObjects batches of `batchSize` (src/s3/delete.ts DELETE_BATCH_SIZE, 1,000), local files
 * cost no request. A key XML 1.0 cannot carry (control characters, lone surrogates) is deleted
 * alone with DeleteObject instead; the listing's keys would tell, but this counts none.
 */
export function estimateDeletes(
  count: number,
  batchSize: number,
  destination: 's3' | 'local' = 's3',
): CostEstimate {
  if (!(batchSize > 0)) throw new RangeError(`batch size must be positive: ${batchSize}`);
  const batches = destination === 's3' ? Math.ceil(count / batchSize) : 0;
  return {
    requests: batches > 0 ? { DeleteObjects: batches } : {},
    bytesThrough: 0,
    bytesServerSide: 0,
  };
}

/** A zero cost, to add estimates into. */
export function emptyEstimate(): CostEstimate {
  return { requests: {}, bytesThrough: 0, bytesServerSide: 0 };
}

/**
 * Adds `from` into `into` (operation by operation, and both byte counts) and returns `into`.
 * @example const total = emptyEstimate(); for (const e of entries) addEstimate(total, estimateCopy({ ...e, ...options }));
 */
export function addEstimate(into: CostEstimate, from: CostEstimate): CostEstimate {
  for (const operation in from.requests) {
    into.requests[operation] = (into.requests[operation] ?? 0) + (from.requests[operation] ?? 0);
  }
  into.bytesThrough += from.bytesThrough;
  into.bytesServerSide += from.bytesServerSide;
  return into;
}
