// A source that changed while its parts were being read: the parts of one copy must all come from
// one version of it. Ranged GETs carry If-Match (the ETag of the HEAD that sized the copy), so S3
// answers 412 once the object is replaced; UploadPartCopy carries x-amz-copy-source-if-match, which
// RGW 16 and moto ignore, so a server-side multipart copy also HEADs the source again before
// Complete (server-side.ts). Either way the copy fails as SourceChanged — not retried: the next
// sync copies the new version whole — and its upload is aborted (or its temp file removed).
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import { normalizeEtag } from '../etag.ts';
import type { S3Target } from './context.ts';

/** The copy's failure when `src` changed under it; `detail` says how it was seen. */
export function sourceChanged(src: S3Target, detail: string): S3FerryError {
  return new S3FerryError(
    'client',
    'SourceChanged',
    `s3://${src.bucket}/${src.key} changed during the copy: ${detail}`,
    {
      retryable: false,
      hint: 'the source object was replaced while it was being copied; nothing was stored, the next sync copies the new version',
    },
  );
}

/**
 * `error` of a request pinned to the source's ETag `etag` (If-Match, x-amz-copy-source-if-match):
 * a 412 PreconditionFailed means the source has another ETag now (SourceChanged); anything
 * else is passed on.
 */
export function pinnedRequestError(error: unknown, src: S3Target, etag: string): unknown {
  if (!isS3FerryError(error) || error.code !== 'PreconditionFailed') return error;
  return sourceChanged(src, `it no longer has the ETag ${etag} its first parts were read with`);
}

/** The fields of a HEAD answer that tell one version of an object from another. */
export type SourceVersion = {
  ETag?: string | undefined;
  LastModified?: Date | undefined;
  ContentLength?: number | undefined;
  VersionId?: string | undefined;
};

/**
 * How `now` differs from `before` (two HEADs of one source), or undefined when nothing tells
 * them apart: ETag (bare), size, LastModified and version id, each compared when both have it.
 */
export function versionChange(before: SourceVersion, now: SourceVersion): string | undefined {
  const was = normalizeEtag(before.ETag);
  const is = normalizeEtag(now.ETag);
  if (was !== undefined && is !== undefined && was !== is) return `ETag ${was} is now ${is}`;
  if (
    before.ContentLength !== undefined &&
    now.ContentLength !== undefined &&
    before.ContentLength !== now.ContentLength
  ) {
    return `${before.ContentLength} bytes are now ${now.ContentLength}`;
  }
  const wasAt = before.LastModified?.getTime();
  const isAt = now.LastModified?.getTime();
  if (wasAt !== undefined && isAt !== undefined && wasAt !== isAt) {
    return `last modified ${before.LastModified?.toISOString()} is now ${now.LastModified?.toISOString()}`;
  }
  if (before.VersionId && now.VersionId && before.VersionId !== now.VersionId) {
    return `version ${before.VersionId} is now ${now.VersionId}`;
  }
  return undefined;
}
