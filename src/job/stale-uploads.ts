// Multipart uploads an interrupted run left behind. A run killed with SIGKILL (or whose answer to
// CreateMultipartUpload was lost) leaves uploads the server keeps, and bills, until aborted. When a
// checkpointed pass is resumed, the uploads started under the destination since that pass began
// are the killed run's: they are aborted before the copies go on (their keys are copied again).
import type { S3Api } from '../s3/sdk.ts';
import { inRange } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { abortS3Upload, listS3Uploads } from '../s3/uploads.ts';

/**
 * Uploads started this long before the pass's start (by the client's clock) still count as the
 * pass's: the server's clock, which dates them, may be behind ours.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Options of {@link abortUploadsSince}. */
export type AbortUploadsSinceOptions = {
  bucket: string;
  /** Only uploads of keys under this prefix. */
  prefix: string;
  /** Only uploads initiated at or after this time (ms since the epoch), minus CLOCK_SKEW_MS. */
  sinceMs: number;
  /** Upload ids left alone (recorded in the checkpoint, to be continued). */
  except?: ReadonlySet<string>;
  /**
   * Only keys (relative to `prefix`) in this range: a distributed job's range, whose keys no
   * other worker copies, while other workers' uploads elsewhere under the prefix go on.
   */
  within?: KeyRange;
  counts?: RequestCounts;
  signal?: AbortSignal;
};

/**
 * Aborts the multipart uploads under `prefix` initiated since `sinceMs` (an upload the server
 * does not date is left alone). Returns how many were aborted (already gone ones not counted).
 * @throws S3FerryError when the uploads cannot be listed or one cannot be aborted.
 */
export async function abortUploadsSince(
  client: S3Api,
  spec: ProfileSpec,
  options: AbortUploadsSinceOptions,
): Promise<number> {
  const { bucket, prefix, counts, signal } = options;
  const since = options.sinceMs - CLOCK_SKEW_MS;
  let aborted = 0;
  const extra = {
    ...(counts === undefined ? {} : { counts }),
    ...(signal === undefined ? {} : { signal }),
  };
  for await (const page of listS3Uploads(client, spec, { bucket, prefix, ...extra })) {
    for (const upload of page) {
      if (upload.initiatedMs === undefined || upload.initiatedMs < since) continue;
      if (options.except?.has(upload.uploadId) === true) continue;
      const within = options.within;
      if (within !== undefined && !inRange(upload.key.slice(prefix.length), within)) continue;
      const outcome = await abortS3Upload(client, spec, {
        bucket,
        key: upload.key,
        uploadId: upload.uploadId,
        ...extra,
      });
      if (outcome === 'aborted') aborted += 1;
    }
  }
  return aborted;
}
