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
 * The write fields s3ferry sets (SDK names) and the request headers the SDK's serialisers send
 * them as: the one table for the lean path's writes (test/unit/signed-request-drift.test.ts
 * compares it with the SDK's requests). `Metadata` is `x-amz-meta-<key>`.
 */
const FIELD_HEADERS: Readonly<Record<string, string>> = {
  ContentType: 'content-type',
  CacheControl: 'cache-control',
  ContentDisposition: 'content-disposition',
  ContentEncoding: 'content-encoding',
  ContentLanguage: 'content-language',
  StorageClass: 'x-amz-storage-class',
  ServerSideEncryption: 'x-amz-server-side-encryption',
  SSEKMSKeyId: 'x-amz-server-side-encryption-aws-kms-key-id',
  ACL: 'x-amz-acl',
  Tagging: 'x-amz-tagging',
};

/**
 * Write fields as the SDK sends them: headers (an empty value too), metadata keys in lower
 * case. Undefined when a field is not in the table: the caller then sends the SDK's command.
 */
export function fieldsAsHeaders(
  fields: Record<string, unknown>,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (field === 'Metadata') {
      for (const [key, text] of Object.entries(value as Record<string, string>)) {
        out[`x-amz-meta-${key.toLowerCase()}`] = text;
      }
      continue;
    }
    const header = FIELD_HEADERS[field];
    if (header === undefined || typeof value !== 'string') return undefined;
    out[header] = value;
  }
  return out;
}

/** The run's settings as write fields (what every object written gets, over its source's). */
function settingsFields(settings: ObjectSettings): Record<string, string | Record<string, string>> {
  const out: Record<string, string | Record<string, string>> = {};
  if (settings.contentType !== undefined) out['ContentType'] = settings.contentType;
  if (settings.cacheControl !== undefined) out['CacheControl'] = settings.cacheControl;
  if (settings.contentDisposition !== undefined) {
    out['ContentDisposition'] = settings.contentDisposition;
  }
  if (settings.metadata !== undefined) out['Metadata'] = settings.metadata;
  if (settings.storageClass !== undefined) out['StorageClass'] = settings.storageClass;
  if (settings.sse !== undefined) out['ServerSideEncryption'] = settings.sse;
  if (settings.sseKmsKeyId !== undefined) out['SSEKMSKeyId'] = settings.sseKmsKeyId;
  if (settings.acl !== undefined) out['ACL'] = settings.acl;
  return out;
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
  if (guessed !== undefined) out.ContentType = guessed;
  if (settings === undefined) return out;
  Object.assign(out, settingsFields(settings));
  // The run's metadata goes over the source's, key by key.
  if (settings.metadata !== undefined) out.Metadata = { ...carried.Metadata, ...settings.metadata };
  return out;
}

/** The settings as raw request headers (lean PUT and CopyObject), over `carried` ones. */
export function writeHeaders(
  settings: ObjectSettings | undefined,
  carried: Record<string, string>,
): Record<string, string> {
  if (settings === undefined) return carried;
  // Every field settingsFields sets is in the table.
  return { ...carried, ...fieldsAsHeaders(settingsFields(settings)) };
}
