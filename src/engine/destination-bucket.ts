// `--create-bucket`: the destination bucket is made before the first listing when it is missing,
// and without the flag the one line of a missing destination bucket says that the flag exists.
import type { ClientCache } from '../s3/client-cache.ts';
import { ensureS3Bucket } from '../s3/buckets.ts';
import { inContext, isS3FerryError, S3FerryError, serializeError } from '../shared/errors.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import type { Root } from './roots.ts';

/**
 * Creates the bucket of an S3 destination root when it does not exist.
 * @returns the bucket as the destination path names it when this run created it
 */
export async function createDestinationBucket(
  dst: Root,
  clients: Pick<ClientCache, 'get'>,
  requests: RequestCounts,
): Promise<string | undefined> {
  const base = dst.location('');
  if (base.kind !== 's3' || dst.spec === undefined) return undefined;
  const bucket = `${dst.label.slice(0, dst.label.indexOf('://') + 3)}${base.bucket}`;
  try {
    const created = await ensureS3Bucket(clients.get(dst.spec), dst.spec, {
      bucket: base.bucket,
      counts: requests,
    });
    return created ? bucket : undefined;
  } catch (error) {
    // Before anything is listed or copied, as a listing's first page: the run stops (exit 3).
    throw inContext(error, `cannot create bucket ${bucket} (--create-bucket)`, { fatal: true });
  }
}

/** `opening`, whose missing destination bucket says that `--create-bucket` would make it. */
export async function hintCreateBucket<T>(opening: Promise<T>, dst: Root): Promise<T> {
  try {
    return await opening;
  } catch (error) {
    const base = dst.location('');
    if (
      !isS3FerryError(error) ||
      error.code !== 'NoSuchBucket' ||
      base.kind !== 's3' ||
      !error.message.startsWith(`cannot list ${dst.label}`)
    ) {
      throw error;
    }
    const hint = `${error.hint ?? `bucket '${base.bucket}' does not exist`}; or add --create-bucket to create it`;
    throw new S3FerryError(
      error.kind,
      error.code,
      error.message,
      { ...serializeError(error), hint },
      { cause: error },
    );
  }
}
