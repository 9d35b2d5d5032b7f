// Deletes keys with DeleteObjects, up to 1,000 keys a request (S3's limit), in Quiet mode so the
// answer lists only the keys that failed; a key XML cannot carry goes alone, with DeleteObject. Content-MD5 is added by the client (src/s3/content-md5.ts):
// S3 and many compatible servers require an integrity header on DeleteObjects.
import { DeleteObjectCommand, DeleteObjectsCommand } from './sdk.ts';
import type { S3Api } from './sdk.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { addCounts, RequestCounter, sendCounted } from './request-counter.ts';

/** Keys per DeleteObjects request: S3's maximum. */
export const DELETE_BATCH_SIZE = 1000;

/** One key the server did not delete: its S3 error code (or s3ferry's) and message. */
export type DeleteKeyError = { key: string; code: string; message: string };

/** Options of {@link deleteS3Keys}. */
export type DeleteS3KeysOptions = {
  bucket: string;
  /** Full keys (not relative), sent verbatim. Any number: they go in batches of 1,000. */
  keys: Iterable<string>;
  /** Incremented per request sent (`DeleteObjects`), retries included. */
  counts?: RequestCounts;
  /** Stops before the next batch; the request in flight is aborted. */
  signal?: AbortSignal;
};

/** What {@link deleteS3Keys} did: every key given is in exactly one of the two lists. */
export type DeleteS3KeysResult = { deleted: string[]; errors: DeleteKeyError[] };

/**
 * Deletes `keys` from `bucket` in DeleteObjects batches of up to 1,000 keys (Quiet mode).
 * Per-key refusals (e.g. `AccessDenied` for one key) come back in `errors`, not thrown. A batch
 * whose whole request fails with a non-fatal error (after the client's retries) puts each of its
 * keys in `errors` with that error's code, and the next batch is tried. S3 reports deleting a key
 * that does not exist as a success, so deletes are idempotent.
 * @throws S3FerryError from {@link classifyS3Error} when a request fails fatally (bad credentials,
 *   missing bucket: every later batch would fail the same way), or when `signal` aborts.
 * @example
 * const { deleted, errors } = await deleteS3Keys(client, spec, { bucket: 'b', keys: ['a', 'b/c'] });
 */
export async function deleteS3Keys(
  client: S3Api,
  spec: ProfileSpec,
  options: DeleteS3KeysOptions,
): Promise<DeleteS3KeysResult> {
  const result: DeleteS3KeysResult = { deleted: [], errors: [] };
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const keys = batch;
    batch = [];
    await deleteBatch(client, spec, options, keys, result);
  };
  for (const key of options.keys) {
    if (XML_UNWRITABLE.test(key)) {
      await deleteOne(client, spec, options, key, result);
      continue;
    }
    batch.push(key);
    if (batch.length === DELETE_BATCH_SIZE) await flush();
  }
  await flush();
  return result;
}

/**
 * Characters XML 1.0 cannot carry at all, not even as `&#…;` (most C0 controls, U+FFFE/U+FFFF,
 * lone surrogates): a DeleteObjects body naming such a key is refused whole (RGW: an empty 400;
 * moto: a 500), so such a key is deleted on its own with DeleteObject, whose key is in the URL.
 */
const XML_UNWRITABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

async function deleteOne(
  client: S3Api,
  spec: ProfileSpec,
  options: DeleteS3KeysOptions,
  key: string,
  result: DeleteS3KeysResult,
): Promise<void> {
  const { bucket } = options;
  const counter = new RequestCounter();
  try {
    options.signal?.throwIfAborted();
    await sendCounted(
      client,
      new DeleteObjectCommand({ Bucket: bucket, Key: key }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    result.deleted.push(key);
  } catch (error) {
    const classified = classifyS3Error(error, { spec, bucket, key });
    if (classified.fatal || classified.code === 'Aborted' || options.signal?.aborted === true) {
      throw classified;
    }
    result.errors.push({ key, code: classified.code, message: classified.message });
  } finally {
    addCounts(options.counts, counter);
  }
}

async function deleteBatch(
  client: S3Api,
  spec: ProfileSpec,
  options: DeleteS3KeysOptions,
  keys: string[],
  result: DeleteS3KeysResult,
): Promise<void> {
  const { bucket } = options;
  const counter = new RequestCounter();
  try {
    options.signal?.throwIfAborted();
    const output = await sendCounted(
      client,
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true },
      }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    const refused = new Map<string, DeleteKeyError>();
    for (const error of output.Errors ?? []) {
      const key = error.Key ?? '';
      refused.set(key, {
        key,
        code: error.Code ?? 'DeleteFailed',
        message: error.Message ?? error.Code ?? 'the server did not delete the key',
      });
    }
    for (const key of keys) {
      const error = refused.get(key);
      if (error === undefined) result.deleted.push(key);
      else result.errors.push(error);
    }
  } catch (error) {
    const classified = classifyS3Error(error, { spec, bucket });
    if (classified.fatal || classified.code === 'Aborted' || options.signal?.aborted === true) {
      throw classified;
    }
    for (const key of keys) {
      result.errors.push({ key, code: classified.code, message: classified.message });
    }
  } finally {
    addCounts(options.counts, counter);
  }
}
