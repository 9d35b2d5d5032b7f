// Multipart uploads in progress: ListMultipartUploads paged with KeyMarker/UploadIdMarker, and
// AbortMultipartUpload of one of them. A killed run leaves uploads behind, and S3 keeps (and
// bills) their parts until they are aborted. Used by `uploads` (src/engine/uploads.ts).
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from './sdk.ts';
import type { ListMultipartUploadsCommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { addCounts, RequestCounter, sendCounted } from './request-counter.ts';

/** One multipart upload in progress. */
export type S3Upload = {
  /** The full key the upload will create, raw. */
  key: string;
  uploadId: string;
  /** When it was created (ms since the epoch); undefined when the server does not say. */
  initiatedMs: number | undefined;
  storageClass?: string;
};

/** Options of {@link listS3Uploads}. */
export type ListS3UploadsOptions = {
  bucket: string;
  /** Sent verbatim as Prefix (`''`: the whole bucket). */
  prefix: string;
  /** Incremented per request sent (`ListMultipartUploads`), retries included. */
  counts?: RequestCounts;
  /** Stops the listing; the request in flight is aborted. */
  signal?: AbortSignal;
  /** Uploads per page (MaxUploads, at most S3's 1,000). @default 1000 */
  pageSize?: number;
};

/** Where the next page starts: the last upload listed (key, then upload id). */
export type UploadMarkers = { keyMarker: string; uploadIdMarker: string };

/**
 * Yields the uploads in progress under `prefix`, one array per page, in the server's order
 * (S3: by key in UTF-8 byte order, then by upload time; moto 5: creation order). Keys are taken
 * verbatim (no EncodingType, as src/s3/list.ts). Pages are fetched one at a time: a caller that
 * aborts uploads between pages does not disturb the markers, which name uploads already seen.
 * @throws S3FerryError from {@link classifyS3Error} (NoSuchBucket, AccessDenied…), or fatal for an
 *   answer that would make the listing loop or skip uploads (see {@link nextMarkersOf}).
 */
export async function* listS3Uploads(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3UploadsOptions,
): AsyncGenerator<S3Upload[], void, undefined> {
  const { bucket, prefix } = options;
  let markers: UploadMarkers | undefined;
  do {
    const counter = new RequestCounter();
    let page: ListMultipartUploadsCommandOutput;
    try {
      page = await sendCounted(
        client,
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : prefix,
          MaxUploads: options.pageSize ?? 1000,
          KeyMarker: markers?.keyMarker,
          UploadIdMarker: markers?.uploadIdMarker,
        }),
        options.signal === undefined ? { counter } : { counter, signal: options.signal },
      );
    } catch (error) {
      throw classifyS3Error(error, { spec, bucket, key: prefix });
    } finally {
      addCounts(options.counts, counter);
    }
    const uploads = uploadsOf(page);
    markers = nextMarkersOf(page, uploads, markers, { spec, bucket, prefix });
    yield uploads;
  } while (markers !== undefined);
}

/** The uploads of one ListMultipartUploads answer. */
export function uploadsOf(page: Pick<ListMultipartUploadsCommandOutput, 'Uploads'>): S3Upload[] {
  return (page.Uploads ?? []).map((upload) => {
    const entry: S3Upload = {
      key: upload.Key ?? '',
      uploadId: upload.UploadId ?? '',
      initiatedMs: upload.Initiated?.getTime(),
    };
    if (upload.StorageClass !== undefined) entry.storageClass = upload.StorageClass;
    return entry;
  });
}

/**
 * Where the page after `page` starts, or undefined after the last one. The server's
 * NextKeyMarker/NextUploadIdMarker when it sends both, else the last upload of the page: a key
 * marker alone would skip the other uploads of that key (S3 then lists only keys after it).
 * @throws S3FerryError (fatal) when the page names another bucket, lacks an upload id, or says
 *   "truncated" but gives no way on or the same markers again: listing on would loop, stop early
 *   or believe a page that is not this listing's.
 */
export function nextMarkersOf(
  page: Pick<
    ListMultipartUploadsCommandOutput,
    'Bucket' | 'IsTruncated' | 'NextKeyMarker' | 'NextUploadIdMarker'
  >,
  uploads: readonly S3Upload[],
  previous: UploadMarkers | undefined,
  at: { spec: Pick<ProfileSpec, 'name'>; bucket: string; prefix: string },
): UploadMarkers | undefined {
  const inconsistent = (code: string, what: string): S3FerryError =>
    new S3FerryError('server', code, `s3://${at.bucket}/${at.prefix}: ${what}`, {
      fatal: true,
      profile: at.spec.name,
    });
  if (page.Bucket !== undefined && page.Bucket !== '' && page.Bucket !== at.bucket) {
    throw inconsistent(
      'ListWrongBucket',
      `the server answered with the uploads of bucket ${JSON.stringify(page.Bucket)}`,
    );
  }
  if (uploads.some((upload) => upload.uploadId === '')) {
    throw inconsistent('ListUploadWithoutId', 'the server listed an upload without an UploadId');
  }
  if (page.IsTruncated !== true) return undefined;
  const last = uploads.at(-1);
  let next: UploadMarkers | undefined;
  if (page.NextKeyMarker && page.NextUploadIdMarker) {
    next = { keyMarker: page.NextKeyMarker, uploadIdMarker: page.NextUploadIdMarker };
  } else if (last !== undefined) {
    next = { keyMarker: last.key, uploadIdMarker: last.uploadId };
  }
  if (next === undefined) {
    throw inconsistent(
      'ListTruncatedWithoutMarker',
      'the server said the upload listing is truncated but sent no marker and no upload',
    );
  }
  if (
    previous !== undefined &&
    next.keyMarker === previous.keyMarker &&
    next.uploadIdMarker === previous.uploadIdMarker
  ) {
    throw inconsistent(
      'ListMarkerRepeated',
      'the server said the upload listing is truncated but sent the same markers again',
    );
  }
  return next;
}

/** Options of {@link abortS3Upload}. */
export type AbortS3UploadOptions = {
  bucket: string;
  key: string;
  uploadId: string;
  /** Incremented per request sent (`AbortMultipartUpload`), retries included. */
  counts?: RequestCounts;
  signal?: AbortSignal;
};

/**
 * Aborts one multipart upload: its parts are freed. `gone` when the server no longer knows it
 * (NoSuchUpload: completed or aborted since it was listed), which is what was wanted.
 * @throws S3FerryError from {@link classifyS3Error} for any other failure.
 */
export async function abortS3Upload(
  client: S3Api,
  spec: ProfileSpec,
  options: AbortS3UploadOptions,
): Promise<'aborted' | 'gone'> {
  const { bucket, key, uploadId } = options;
  const counter = new RequestCounter();
  try {
    await sendCounted(
      client,
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    return 'aborted';
  } catch (error) {
    const classified = classifyS3Error(error, { spec, bucket, key });
    // NoSuchUpload, or a bodiless 404 (NotFound); NoSuchBucket is fatal and stays an error.
    if (classified.kind === 'not-found' && !classified.fatal) return 'gone';
    throw classified;
  } finally {
    addCounts(options.counts, counter);
  }
}
