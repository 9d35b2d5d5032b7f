// HEAD of one object, for `stat` (and `rm`'s "does this key exist?"): size, time, ETag, content
// headers and user metadata. A 404 is an answer (undefined), not an error: HEAD has no body, so it
// cannot tell a missing key from a missing bucket; the caller asks a LIST when that matters.
import { HeadObjectCommand } from './sdk.ts';
import type { S3Api } from './sdk.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { normalizeEtag } from './etag.ts';
import { RequestCounter, sendCounted } from './request-counter.ts';

/** What HEAD says about an object. Absent headers are absent fields. */
export type S3ObjectStat = {
  sizeBytes: number;
  /** LastModified, ms since the epoch. */
  mtimeMs: number;
  /** Without quotes; multipart ETags keep their `-N` suffix. */
  etag?: string;
  contentType?: string;
  contentEncoding?: string;
  cacheControl?: string;
  contentDisposition?: string;
  storageClass?: string;
  versionId?: string;
  /** User metadata (`x-amz-meta-*`), names lower-cased by the server. */
  metadata: Record<string, string>;
};

/** Options of {@link headS3Object}. */
export type HeadS3ObjectOptions = {
  bucket: string;
  key: string;
  counts?: RequestCounts;
  signal?: AbortSignal;
};

/**
 * HEADs `key`; undefined when the server answers 404 (no such key, or no such bucket).
 * @throws S3FerryError from {@link classifyS3Error} for anything else (AccessDenied, auth…).
 */
export async function headS3Object(
  client: S3Api,
  spec: ProfileSpec,
  options: HeadS3ObjectOptions,
): Promise<S3ObjectStat | undefined> {
  const { bucket, key } = options;
  const counter = new RequestCounter();
  try {
    const head = await sendCounted(
      client,
      new HeadObjectCommand({ Bucket: bucket, Key: key }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    const stat: S3ObjectStat = {
      sizeBytes: head.ContentLength ?? 0,
      mtimeMs: head.LastModified?.getTime() ?? 0,
      metadata: { ...(head.Metadata ?? {}) },
    };
    const etag = normalizeEtag(head.ETag);
    if (etag !== undefined) stat.etag = etag;
    if (head.ContentType !== undefined) stat.contentType = head.ContentType;
    if (head.ContentEncoding !== undefined) stat.contentEncoding = head.ContentEncoding;
    if (head.CacheControl !== undefined) stat.cacheControl = head.CacheControl;
    if (head.ContentDisposition !== undefined) stat.contentDisposition = head.ContentDisposition;
    if (head.StorageClass !== undefined) stat.storageClass = head.StorageClass;
    if (head.VersionId !== undefined) stat.versionId = head.VersionId;
    return stat;
  } catch (error) {
    const classified = classifyS3Error(error, { spec, bucket, key });
    if (classified.httpStatus === 404) return undefined;
    throw classified;
  } finally {
    if (options.counts !== undefined) {
      for (const [operation, n] of Object.entries(counter.snapshot())) {
        options.counts[operation] = (options.counts[operation] ?? 0) + n;
      }
    }
  }
}
