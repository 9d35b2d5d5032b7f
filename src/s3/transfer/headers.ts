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

/** Picks the preserved headers of a HEAD or GET answer (absent ones stay absent). */
export function preservedHeaders(
  source: Pick<HeadObjectCommandOutput | GetObjectCommandOutput, keyof PreservedHeaders>,
): PreservedHeaders {
  const out: PreservedHeaders = {};
  if (source.ContentType !== undefined) out.ContentType = source.ContentType;
  if (source.Metadata !== undefined && Object.keys(source.Metadata).length > 0) {
    out.Metadata = source.Metadata;
  }
  if (source.CacheControl !== undefined) out.CacheControl = source.CacheControl;
  if (source.ContentDisposition !== undefined) out.ContentDisposition = source.ContentDisposition;
  if (source.ContentEncoding !== undefined) out.ContentEncoding = source.ContentEncoding;
  if (source.ContentLanguage !== undefined) out.ContentLanguage = source.ContentLanguage;
  return out;
}
