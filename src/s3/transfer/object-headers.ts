// The headers of an object write (PutObject, CreateMultipartUpload, CopyObject): what the copy
// carries over from its source, then the run's object settings on top (shared/object-settings.ts),
// as SDK fields for the SDK's commands and as raw headers for the lean path.
import { createRequire } from 'node:module';
import type * as MimeModule from 'mime-types';
import type { ObjectSettings } from '../../shared/object-settings.ts';
import type { PreservedHeaders } from './headers.ts';

type MimeTypes = typeof MimeModule;
let mimeTypes: MimeTypes | undefined;

/** Content-Type of a local file named `name`, from its extension (undefined when unknown). */
export function guessContentType(name: string): string | undefined {
  // Loaded by the first upload only: its database is ~5 ms of start-up no S3 copy needs.
  const mime = (mimeTypes ??= createRequire(import.meta.url)('mime-types') as MimeTypes);
  const type = mime.lookup(name);
  if (type === false) return undefined;
  // Text types get their charset, as browsers expect (`text/html; charset=utf-8`).
  const withCharset = mime.contentType(type);
  return withCharset === false ? type : withCharset;
}

/**
 * SDK fields for a write of an object whose source carried `carried`; `localName` is the file
 * name of an upload (its content type is guessed unless the settings say otherwise).
 */
export function writeFields(
  settings: ObjectSettings | undefined,
  carried: PreservedHeaders,
  localName?: string,
): PreservedHeaders & Record<string, unknown> {
  const out: PreservedHeaders & Record<string, unknown> = { ...carried };
  const guessed =
    localName !== undefined && settings?.guessMimeType !== false
      ? guessContentType(localName)
      : undefined;
  const contentType = settings?.contentType ?? guessed;
  if (contentType !== undefined) out.ContentType = contentType;
  if (settings === undefined) return out;
  if (settings.cacheControl !== undefined) out.CacheControl = settings.cacheControl;
  if (settings.contentDisposition !== undefined) {
    out.ContentDisposition = settings.contentDisposition;
  }
  if (settings.metadata !== undefined) {
    out.Metadata = { ...carried.Metadata, ...settings.metadata };
  }
  if (settings.storageClass !== undefined) out['StorageClass'] = settings.storageClass;
  if (settings.sse !== undefined) out['ServerSideEncryption'] = settings.sse;
  if (settings.sseKmsKeyId !== undefined) out['SSEKMSKeyId'] = settings.sseKmsKeyId;
  if (settings.acl !== undefined) out['ACL'] = settings.acl;
  return out;
}

/** The settings as raw request headers (lean PUT and CopyObject), over `carried` ones. */
export function writeHeaders(
  settings: ObjectSettings | undefined,
  carried: Record<string, string>,
): Record<string, string> {
  if (settings === undefined) return carried;
  const out: Record<string, string> = { ...carried };
  if (settings.contentType !== undefined) out['content-type'] = settings.contentType;
  if (settings.cacheControl !== undefined) out['cache-control'] = settings.cacheControl;
  if (settings.contentDisposition !== undefined) {
    out['content-disposition'] = settings.contentDisposition;
  }
  for (const [key, value] of Object.entries(settings.metadata ?? {})) {
    out[`x-amz-meta-${key}`] = value;
  }
  if (settings.storageClass !== undefined) out['x-amz-storage-class'] = settings.storageClass;
  if (settings.sse !== undefined) out['x-amz-server-side-encryption'] = settings.sse;
  if (settings.sseKmsKeyId !== undefined) {
    out['x-amz-server-side-encryption-aws-kms-key-id'] = settings.sseKmsKeyId;
  }
  if (settings.acl !== undefined) out['x-amz-acl'] = settings.acl;
  return out;
}
