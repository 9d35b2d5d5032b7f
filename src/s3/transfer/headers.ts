// The object headers a copy carries over from the source: content type, user metadata and the
// standard representation headers (what CopyObject with MetadataDirective COPY keeps).
import type { GetObjectCommandOutput, HeadObjectCommandOutput } from '@aws-sdk/client-s3';

/** Headers to set on the destination's PutObject / CreateMultipartUpload. */
export type PreservedHeaders = {
  ContentType?: string;
  Metadata?: Record<string, string>;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
};

/** The representation headers carried over, by SDK field and HTTP header name. */
const CARRIED: readonly (readonly [Exclude<keyof PreservedHeaders, 'Metadata'>, string])[] = [
  ['ContentType', 'content-type'],
  ['CacheControl', 'cache-control'],
  ['ContentDisposition', 'content-disposition'],
  ['ContentEncoding', 'content-encoding'],
  ['ContentLanguage', 'content-language'],
];
const CARRIED_NAMES = new Set(CARRIED.map(([, name]) => name));

/** Picks the preserved headers of a HEAD or GET answer (absent ones stay absent). */
export function preservedHeaders(
  source: Pick<HeadObjectCommandOutput | GetObjectCommandOutput, keyof PreservedHeaders>,
): PreservedHeaders {
  const out: PreservedHeaders = {};
  for (const [field] of CARRIED) {
    const value = source[field];
    if (value !== undefined) out[field] = value;
  }
  if (source.Metadata !== undefined && Object.keys(source.Metadata).length > 0) {
    out.Metadata = source.Metadata;
  }
  return out;
}

/**
 * The same headers as {@link preservedHeaders}, taken from a raw HTTP answer's headers (the lean
 * GET of src/s3/transfer/small-object.ts): the representation headers and every `x-amz-meta-*`.
 */
export function carriedHttpHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (CARRIED_NAMES.has(lower) || lower.startsWith('x-amz-meta-')) out[lower] = value;
  }
  return out;
}
