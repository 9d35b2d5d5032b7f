// `uploads`: the multipart uploads in progress under an S3 path, and aborting the stale ones
// (S3 keeps and bills the parts of an upload nobody completes). Paths resolve as rm's do: the
// session's config, clients and request counts; `s3://b/dir` means the key `dir` and everything
// under `dir/`, never `dir2`.
import { abortS3Upload, listS3Uploads } from '../s3/uploads.ts';
import { forEachConcurrently } from '../s3/transfer/multipart.ts';
import { inContext, isS3FerryError, usageError } from '../shared/errors.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import type { EverydayOptions, EverydaySession, S3Target } from './everyday.ts';
import { EverydaySession as Session, withSession } from './everyday.ts';
import { boundedInteger } from './options.ts';
import { DEFAULT_ABORT_OLDER_THAN_MS, isOlderThan } from './upload-age.ts';

export { DEFAULT_ABORT_OLDER_THAN_MS, isOlderThan };
import type { Bound } from './options.ts';

/** One multipart upload in progress. */
export type UploadEntry = {
  /** `s3+NAME://bucket/key` as the path was written (raw: escape it before printing). */
  url: string;
  bucket: string;
  /** The full key the upload would create. */
  key: string;
  uploadId: string;
  /** When the upload was created; undefined when the server does not say. */
  initiated: Date | undefined;
  /**
   * How long ago (ms) it was created, against this machine's clock when the listing started;
   * 0 for a time in the future (a server clock ahead of ours). Undefined with `initiated`.
   */
  ageMs: number | undefined;
  storageClass?: string;
};

/** Options of {@link listUploads}. */
export type ListUploadsOptions = EverydayOptions & {
  /** `s3://bucket/prefix` or `s3+NAME://…`: a key and everything under `key/`, or a directory. */
  path: string;
  /** Uploads per ListMultipartUploads page (MaxUploads, 1 to 1,000). @default 1000 */
  pageSize?: number;
};

/** Aborts sent at once (the everyday session's client keeps 8 sockets). */
const ABORT_CONCURRENCY = 8;

const PAGE_SIZE: Bound = { name: 'the upload page size', min: 1, max: 1000 };

/**
 * Every multipart upload in progress under `path`, in the server's order (S3: by key, UTF-8
 * bytes, then by time), as the listing arrives: memory holds one page.
 * @throws S3FerryError: `usage` (exit 2) for a local path or one without a bucket, `config` for
 *   an unknown profile; a listing that fails (NoSuchBucket, bad credentials, AccessDenied…) is
 *   fatal (exit 3), with the path in its message.
 * @example for await (const u of listUploads({ path: 's3://b/backups/' })) keys.push(u.key)
 */
export async function* listUploads(
  options: ListUploadsOptions,
): AsyncGenerator<UploadEntry, void, undefined> {
  const session = new Session(options);
  try {
    const target = resolveUploadsPath(session, options.path);
    for await (const page of listPages(session, target, options, Date.now())) yield* page;
  } finally {
    session.close();
  }
}

/** What {@link abortUploads} did (or, in a dry run, would do) with one upload. */
export type UploadOutcome =
  | 'aborted'
  /** The server no longer knew it (NoSuchUpload): completed or aborted since it was listed. */
  | 'already-gone'
  | 'would-abort'
  | 'failed';

/** One upload {@link abortUploads} selected, and what became of it. */
export type UploadResult = UploadEntry & {
  outcome: UploadOutcome;
  /** Why it failed (`outcome: 'failed'`). */
  error?: { code: string; message: string };
};

/** Options of {@link abortUploads}. */
export type AbortUploadsOptions = ListUploadsOptions & {
  /**
   * Only uploads created at least this long ago (ms), so that a run still uploading elsewhere is
   * left alone; 0 selects every upload.
   * @default DEFAULT_ABORT_OLDER_THAN_MS (24 hours)
   */
  olderThanMs?: number;
  /** List what would be aborted; send no AbortMultipartUpload. */
  isDryRun?: boolean;
  /** Each selected upload as it is done (aborted, already gone, failed; dry run: would abort). */
  onUpload?: (result: UploadResult) => void;
};

/** What {@link abortUploads} did. */
export type AbortUploadsSummary = {
  path: string;
  /** Uploads found under the path. */
  listed: number;
  /** Aborted (dry run: that would be), those already gone included. */
  aborted: number;
  /** Of `aborted`: the server no longer knew them (NoSuchUpload). */
  alreadyGone: number;
  /** Newer than `olderThanMs` (or of unknown age): left alone. */
  kept: number;
  failed: number;
  olderThanMs: number;
  isDryRun: boolean;
  /** Stopped by the signal before the end. */
  isInterrupted: boolean;
  /** Requests sent, by operation, retries included. */
  requests: RequestCounts;
};

/**
 * Aborts the multipart uploads under `path` that are at least `olderThanMs` old, up to 8 at a
 * time, page by page as the listing arrives. One upload that cannot be aborted is reported
 * (`onUpload`, `failed`) and the run goes on; NoSuchUpload counts as done (`already-gone`).
 * @throws S3FerryError: as {@link listUploads}; `usage` for a bad `olderThanMs`; a fatal error
 *   (bad credentials, NoSuchBucket) met while aborting.
 * @example const summary = await abortUploads({ path: 's3://b/backups/', olderThanMs: 7 * 86_400_000 })
 */
export async function abortUploads(options: AbortUploadsOptions): Promise<AbortUploadsSummary> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_ABORT_OLDER_THAN_MS;
  if (!Number.isSafeInteger(olderThanMs) || olderThanMs < 0) {
    throw usageError(`olderThanMs must be a whole number of milliseconds ≥ 0, got ${olderThanMs}`);
  }
  return withSession(options, async (session) => {
    const target = resolveUploadsPath(session, options.path);
    const summary: AbortUploadsSummary = {
      path: options.path,
      listed: 0,
      aborted: 0,
      alreadyGone: 0,
      kept: 0,
      failed: 0,
      olderThanMs,
      isDryRun: options.isDryRun === true,
      isInterrupted: false,
      requests: session.requests,
    };
    const signal = session.signal ?? new AbortController().signal;
    const abortOne = async (upload: UploadEntry, laneSignal: AbortSignal): Promise<void> => {
      let result: UploadResult;
      try {
        const done = await abortS3Upload(target.client, target.spec, {
          bucket: upload.bucket,
          key: upload.key,
          uploadId: upload.uploadId,
          counts: session.requests,
          signal: laneSignal,
        });
        summary.aborted += 1;
        if (done === 'gone') summary.alreadyGone += 1;
        result = { ...upload, outcome: done === 'gone' ? 'already-gone' : 'aborted' };
      } catch (error) {
        // A fatal error would fail every upload the same way; a cancel is not a failure.
        if (!isS3FerryError(error) || laneSignal.aborted) throw error;
        if (error.fatal) {
          throw inContext(error, `cannot abort the upload ${upload.uploadId} of ${upload.url}`);
        }
        summary.failed += 1;
        result = {
          ...upload,
          outcome: 'failed',
          error: { code: error.code, message: error.message },
        };
      }
      options.onUpload?.(result);
    };

    try {
      // One page at a time: its aborts settle before the next page is asked for.
      for await (const page of listPages(session, target, options, Date.now())) {
        summary.listed += page.length;
        const selected = page.filter((upload) => isOlderThan(upload, olderThanMs));
        summary.kept += page.length - selected.length;
        if (summary.isDryRun) {
          for (const upload of selected) {
            summary.aborted += 1;
            options.onUpload?.({ ...upload, outcome: 'would-abort' });
          }
        } else {
          await forEachConcurrently(selected, ABORT_CONCURRENCY, signal, abortOne);
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    if (signal.aborted) summary.isInterrupted = true;
    return summary;
  });
}

/** The S3 target of an `uploads` path. */
function resolveUploadsPath(session: EverydaySession, path: string): S3Target {
  const target = session.resolve(path);
  if (target.kind === 'local') {
    throw usageError(
      `uploads lists S3 multipart uploads: ${path} is a local path`,
      'give s3://bucket/prefix/',
    );
  }
  if (target.kind === 's3-root') {
    throw usageError(`uploads needs a bucket: ${path}`, 'give s3://bucket/prefix/');
  }
  return target;
}

/** The uploads under `target`, one array per listing page, with their age against `nowMs`. */
async function* listPages(
  session: EverydaySession,
  target: S3Target,
  options: ListUploadsOptions,
  nowMs: number,
): AsyncGenerator<UploadEntry[], void, undefined> {
  const { bucket, key } = target;
  // `dir` lists from the prefix `dir` and keeps `dir` and `dir/…` (not `dir2`); `dir/` and the
  // bucket root are plain prefixes.
  const isDirPath = key === '' || key.endsWith('/');
  const isSelected = (k: string): boolean => isDirPath || k === key || k.startsWith(`${key}/`);
  const pageSize =
    options.pageSize === undefined ? undefined : boundedInteger(PAGE_SIZE, options.pageSize);
  try {
    for await (const uploads of listS3Uploads(target.client, target.spec, {
      bucket,
      prefix: key,
      counts: session.requests,
      ...(session.signal === undefined ? {} : { signal: session.signal }),
      ...(pageSize === undefined ? {} : { pageSize }),
    })) {
      const page: UploadEntry[] = [];
      for (const upload of uploads) {
        if (!isSelected(upload.key)) continue;
        const entry: UploadEntry = {
          url: target.url(upload.key),
          bucket,
          key: upload.key,
          uploadId: upload.uploadId,
          initiated: upload.initiatedMs === undefined ? undefined : new Date(upload.initiatedMs),
          ageMs:
            upload.initiatedMs === undefined ? undefined : Math.max(0, nowMs - upload.initiatedMs),
        };
        if (upload.storageClass !== undefined) entry.storageClass = upload.storageClass;
        page.push(entry);
      }
      yield page;
    }
  } catch (error) {
    if (session.signal?.aborted === true) throw error;
    // The listing is the run: when it stops, what is left was neither listed nor aborted.
    throw inContext(error, `cannot list the multipart uploads at ${target.url(key)}`, {
      fatal: true,
    });
  }
}
