// One level of an S3 "directory": ListObjectsV2 with a delimiter, objects and common prefixes
// merged into one stream in S3's key order, page by page as they arrive (the next page is
// requested while the consumer prints this one). Used by `ls`; sync uses src/s3/list.ts.
import { ListObjectsV2Command } from './sdk.ts';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { normalizeEtag } from './etag.ts';
import { continuationOf } from './list.ts';
import { addCounts, RequestCounter, sendCounted } from './request-counter.ts';

/** An object directly under the listed prefix, or a common prefix (a "directory", ends in `/`). */
export type DelimitedEntry =
  | { kind: 'object'; key: string; sizeBytes: number; mtimeMs: number; etag?: string }
  | { kind: 'prefix'; key: string };

/** Options of {@link listS3Delimited}. */
export type ListS3DelimitedOptions = {
  bucket: string;
  /** Listed verbatim (`''`: the bucket root; `dir/`: one directory). */
  prefix: string;
  /** @default '/' */
  delimiter?: string;
  /** Incremented per request sent (`ListObjectsV2`), retries included. */
  counts?: RequestCounts;
  /** Stops the listing; the request in flight is aborted. */
  signal?: AbortSignal;
  /** Keys per page (MaxKeys). @default 1000 */
  pageSize?: number;
};

/**
 * Lists one level under `prefix`: yields one array per page (objects and common prefixes merged
 * in UTF-8 byte order, full keys), so a caller can print each page as soon as it arrives.
 * Keys are taken verbatim (no EncodingType), as src/s3/list.ts does.
 * @throws S3FerryError from {@link classifyS3Error} (NoSuchBucket, AccessDenied…).
 */
export async function* listS3Delimited(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3DelimitedOptions,
): AsyncGenerator<DelimitedEntry[], void, undefined> {
  const { bucket, prefix } = options;
  const abort = new AbortController();
  const signal =
    options.signal === undefined ? abort.signal : AbortSignal.any([abort.signal, options.signal]);
  const fetchPage = async (token: string | undefined): Promise<ListObjectsV2CommandOutput> => {
    const counter = new RequestCounter();
    try {
      return await sendCounted(
        client,
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : prefix,
          Delimiter: options.delimiter ?? '/',
          MaxKeys: options.pageSize ?? 1000,
          ContinuationToken: token,
        }),
        { counter, signal },
      );
    } catch (error) {
      throw classifyS3Error(error, { spec, bucket, key: prefix });
    } finally {
      addCounts(options.counts, counter);
    }
  };
  const prefetch = (token: string | undefined): Promise<ListObjectsV2CommandOutput> => {
    const pending = fetchPage(token);
    // Handled when (if) the page is awaited.
    pending.catch(() => undefined);
    return pending;
  };

  let pending: Promise<ListObjectsV2CommandOutput> | undefined = prefetch(undefined);
  try {
    while (pending !== undefined) {
      const page: ListObjectsV2CommandOutput = await pending;
      const token = continuationOf(page, spec, bucket, prefix);
      pending = token === undefined ? undefined : prefetch(token);
      yield mergePage(page);
    }
  } finally {
    if (pending !== undefined) abort.abort();
  }
}

/**
 * Objects and common prefixes of one page in key order. Each list is sorted and a page covers
 * one contiguous key range, so merging page by page keeps the whole listing in order.
 */
function mergePage(page: ListObjectsV2CommandOutput): DelimitedEntry[] {
  const entries: DelimitedEntry[] = [];
  for (const object of page.Contents ?? []) {
    const entry: DelimitedEntry = {
      kind: 'object',
      key: object.Key ?? '',
      sizeBytes: object.Size ?? 0,
      mtimeMs: object.LastModified?.getTime() ?? 0,
    };
    const etag = normalizeEtag(object.ETag);
    if (etag !== undefined) entry.etag = etag;
    entries.push(entry);
  }
  for (const common of page.CommonPrefixes ?? []) {
    if (common.Prefix !== undefined) entries.push({ kind: 'prefix', key: common.Prefix });
  }
  return entries.sort((a, b) => compareKeys(a.key, b.key));
}

/**
 * True when at least one key starts with `prefix` (one LIST, MaxKeys 1): "is this a directory?".
 * @throws S3FerryError from {@link classifyS3Error} (NoSuchBucket…).
 */
export async function hasKeysUnder(
  client: S3Api,
  spec: ProfileSpec,
  options: { bucket: string; prefix: string; counts?: RequestCounts; signal?: AbortSignal },
): Promise<boolean> {
  const counter = new RequestCounter();
  try {
    const page = await sendCounted(
      client,
      new ListObjectsV2Command({
        Bucket: options.bucket,
        Prefix: options.prefix === '' ? undefined : options.prefix,
        MaxKeys: 1,
      }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    return (page.Contents ?? []).length > 0 || (page.KeyCount ?? 0) > 0;
  } catch (error) {
    throw classifyS3Error(error, { spec, bucket: options.bucket, key: options.prefix });
  } finally {
    addCounts(options.counts, counter);
  }
}
