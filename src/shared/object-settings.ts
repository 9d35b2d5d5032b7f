// What the objects s3ferry writes look like (issue 14 §1): storage class, encryption, canned ACL
// and the headers a user sets for every object written (content type, cache control,
// disposition, user metadata). Checked once, where the run's options are (engine and CLI alike);
// carried to every copy task that writes to S3. Pure.
import { usageError } from './errors.ts';

/** The canned ACLs of S3's PutObject (`x-amz-acl`). */
export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

/** Server-side encryption with keys S3 manages (`AES256`) or with a KMS key (`aws:kms`). */
export const SSE_MODES = ['AES256', 'aws:kms'] as const;
export type SseMode = (typeof SSE_MODES)[number];

/** Settings for every object a run writes to S3. */
export type ObjectSettings = {
  /** `x-amz-storage-class`, passed through as given (providers name their classes). */
  storageClass?: string;
  sse?: SseMode;
  /** With `sse: 'aws:kms'`: the key (else the account's default KMS key). */
  sseKmsKeyId?: string;
  acl?: CannedAcl;
  /** Content-Type of every object written (wins over the source's and over a guess). */
  contentType?: string;
  /** Uploads of local files: guess Content-Type from the file name. @default true */
  guessMimeType?: boolean;
  cacheControl?: string;
  contentDisposition?: string;
  /** User metadata set on every object written, over the source's (these keys win). */
  metadata?: Record<string, string>;
};

/** Storage class names as S3 and its look-alikes spell them: STANDARD_IA, GLACIER_IR, COLD… */
export const STORAGE_CLASS_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** A header value: printable ASCII without control characters (what HTTP/1.1 carries safely). */
const HEADER_VALUE = /^[\x20-\x7e]*$/;
/** User metadata keys: what an HTTP header name may hold after `x-amz-meta-`. */
const METADATA_KEY = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkHeaderValue(flag: string, value: string | undefined): void {
  if (value !== undefined && !HEADER_VALUE.test(value)) {
    throw usageError(
      `${flag}: ${JSON.stringify(value)} has characters an HTTP header cannot carry`,
    );
  }
}

/**
 * Checks `settings` and returns them, or undefined when none is set.
 * @throws S3FerryError (kind `usage`, exit 2) naming the flag at fault.
 */
export function checkObjectSettings(
  settings: ObjectSettings | undefined,
): ObjectSettings | undefined {
  if (settings === undefined) return undefined;
  const { storageClass, sse, sseKmsKeyId, acl, metadata } = settings;
  if (storageClass !== undefined && !STORAGE_CLASS_NAME.test(storageClass)) {
    throw usageError(
      `--storage-class: '${storageClass}' is not a storage class name`,
      "use the provider's name in capitals, such as STANDARD, STANDARD_IA, GLACIER_IR or DEEP_ARCHIVE",
    );
  }
  if (sse !== undefined && !(SSE_MODES as readonly string[]).includes(sse)) {
    throw usageError(`--sse: '${sse}' is not one of ${SSE_MODES.join(', ')}`);
  }
  if (sseKmsKeyId !== undefined && sse !== 'aws:kms') {
    throw usageError('--sse-kms-key-id needs --sse aws:kms');
  }
  if (acl !== undefined && !(CANNED_ACLS as readonly string[]).includes(acl)) {
    throw usageError(`--acl: '${acl}' is not a canned ACL`, `use one of ${CANNED_ACLS.join(', ')}`);
  }
  checkHeaderValue('--content-type', settings.contentType);
  checkHeaderValue('--cache-control', settings.cacheControl);
  checkHeaderValue('--content-disposition', settings.contentDisposition);
  checkHeaderValue('--sse-kms-key-id', sseKmsKeyId);
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (!METADATA_KEY.test(key)) throw usageError(`--metadata: '${key}' is not a metadata key`);
    checkHeaderValue(`--metadata ${key}`, value);
  }
  const { guessMimeType, ...rest } = settings;
  const isSet = guessMimeType === false || Object.keys(rest).length > 0;
  return isSet ? settings : undefined;
}

/**
 * `--metadata KEY=VALUE` values (repeatable) as one record; keys are lower-cased, as S3 stores
 * them. @throws S3FerryError (usage) for an entry without `=`.
 */
export function parseMetadataFlags(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) throw usageError(`--metadata: '${entry}' is not KEY=VALUE`);
    out[entry.slice(0, at).toLowerCase()] = entry.slice(at + 1);
  }
  return out;
}

/** True when the settings change what CopyObject's `COPY` directive would carry over. */
export function overridesHeaders(settings: ObjectSettings | undefined): boolean {
  return (
    settings !== undefined &&
    (settings.contentType !== undefined ||
      settings.cacheControl !== undefined ||
      settings.contentDisposition !== undefined ||
      settings.metadata !== undefined)
  );
}
