// The flags of sync, cp and mv that set what written objects look like (issue 14 §1), and the
// library's `objectSettings` they make. Checked by the engine's option check
// (shared/object-settings.ts), so the library and the CLI refuse the same values.
import { collect } from './run-support.ts';
import type { Command } from 'commander';
import { CANNED_ACLS, parseMetadataFlags, SSE_MODES } from '../shared/object-settings.ts';
import type { ObjectSettings, SseMode, CannedAcl } from '../shared/object-settings.ts';

/** What commander makes of the flags below. */
export type ObjectFlags = {
  storageClass?: string;
  sse?: string;
  sseKmsKeyId?: string;
  acl?: string;
  contentType?: string;
  /** `--no-guess-mime-type` sets this to false. */
  guessMimeType?: boolean;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: string[];
};

/** Adds the object flags to `command`. */
export function addObjectFlags(command: Command): Command {
  return command
    .option(
      '--storage-class <CLASS>',
      "storage class of every object written, passed as given (STANDARD_IA, GLACIER_IR, …) (default: the destination profile's storage_class, else the bucket's default)",
    )
    .option(
      '--sse <MODE>',
      `server-side encryption of every object written: ${SSE_MODES.join(' or ')} (default: the bucket's)`,
    )
    .option(
      '--sse-kms-key-id <ID>',
      "with --sse aws:kms: the KMS key (default: the account's S3 key)",
    )
    .option(
      '--acl <CANNED>',
      `canned ACL of every object written: ${CANNED_ACLS.join(', ')} (default: none sent)`,
    )
    .option(
      '--content-type <TYPE>',
      "Content-Type of every object written (default: the source's; uploads guess it from the file name)",
    )
    .option(
      '--no-guess-mime-type',
      'uploads: do not guess Content-Type from the file name (default: guess)',
    )
    .option(
      '--cache-control <VALUE>',
      "Cache-Control of every object written (default: the source's)",
    )
    .option(
      '--content-disposition <VALUE>',
      "Content-Disposition of every object written (default: the source's)",
    )
    .option(
      '--metadata <KEY=VALUE>',
      "user metadata set on every object written, over the source's; repeatable (default: the source's)",
      collect,
    );
}

/** The library's `objectSettings` from the flags (undefined when none is given). */
export function objectSettingsFromFlags(flags: ObjectFlags): ObjectSettings | undefined {
  const settings: ObjectSettings = {};
  if (flags.storageClass !== undefined) settings.storageClass = flags.storageClass;
  if (flags.sse !== undefined) settings.sse = flags.sse as SseMode;
  if (flags.sseKmsKeyId !== undefined) settings.sseKmsKeyId = flags.sseKmsKeyId;
  if (flags.acl !== undefined) settings.acl = flags.acl as CannedAcl;
  if (flags.contentType !== undefined) settings.contentType = flags.contentType;
  if (flags.guessMimeType === false) settings.guessMimeType = false;
  if (flags.cacheControl !== undefined) settings.cacheControl = flags.cacheControl;
  if (flags.contentDisposition !== undefined) {
    settings.contentDisposition = flags.contentDisposition;
  }
  if (flags.metadata !== undefined) settings.metadata = parseMetadataFlags(flags.metadata);
  return Object.keys(settings).length === 0 ? undefined : settings;
}
