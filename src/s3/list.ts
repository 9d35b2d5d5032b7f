// Streaming ListObjectsV2 (1000 keys a page, the next page fetched while the consumer works on
// this one), keys relative to the listed prefix, normalised ETags and ms times; and the
// LIST-based "is this key a single object?" lookup used to resolve sync roots.
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { ListEntry, RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import { receiveListPage, sendListPage, toEntry } from './list-page.ts';
import type { EntryPage, ReceivedListPage } from './list-page.ts';

// toEntry lives with the page parsers; its importers keep finding it here.
export { toEntry } from './list-page.ts';
export type { ListedObject } from './list-page.ts';

/** One page received, for progress ("still counting") and request accounting. */
export type ListPage = { pageNumber: number; keyCount: number; isLast: boolean };

/** Options of {@link listS3}. */
export type ListS3Options = {
  bucket: string;
  /** Listed verbatim; keys are yielded relative to it. `''` lists the whole bucket. */
  prefix: string;
  /** Incremented per request sent (`ListObjectsV2`), retries included. */
  counts?: RequestCounts;
  /** Called as each page arrives, before its entries are yielded. */
  onPage?: (page: ListPage) => void;
  /** Stops the listing; the pending request is aborted. */
  signal?: AbortSignal;
  /** Keys per page (MaxKeys). @default 1000 */
  pageSize?: number;
  /** List only keys after this full key (sent as StartAfter; keys at or before it are dropped). */
  startAfter?: string | undefined;
  /** List only keys up to this full key, inclusive: the listing stops at the first key past it. */
  until?: string | undefined;
};

/** Adds `n` requests of `operation` to `counts`. */
export function countRequests(
  counts: RequestCounts | undefined,
  operation: string,
  n: number,
): void {
  if (counts !== undefined) counts[operation] = (counts[operation] ?? 0) + n;
}

/**
 * The token of the next page, or undefined after the last one, once the page is found consistent:
 * the bucket it names (when it names one) is the one asked for, and its KeyCount (when given)
 * is the number of keys and common prefixes it holds.
 * @throws S3FerryError (fatal) for an inconsistent page, or one that says "truncated" but sends
 * no token: listing on would loop, stop early, or believe a page that is not this listing's.
 */
export function continuationOf(
  page: ListObjectsV2CommandOutput,
  spec: Pick<ProfileSpec, 'name'>,
  bucket: string,
  prefix: string,
  held = (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0),
): string | undefined {
  const inconsistent = (code: string, what: string): S3FerryError =>
    new S3FerryError('server', code, `s3://${bucket}/${prefix}: ${what}`, {
      fatal: true,
      profile: spec.name,
    });
  if (page.Name !== undefined && page.Name !== bucket) {
    throw inconsistent(
      'ListWrongBucket',
      `the server answered with a listing of bucket ${JSON.stringify(page.Name)}`,
    );
  }
  if (page.KeyCount !== undefined && page.KeyCount !== held) {
    throw inconsistent(
      'ListKeyCountMismatch',
      `the server's listing page says KeyCount ${page.KeyCount} but holds ${held} keys`,
    );
  }
  if (page.IsTruncated !== true) return undefined;
  const token = page.NextContinuationToken;
  if (token === undefined || token === '') {
    throw inconsistent(
      'ListTruncatedWithoutToken',
      'the server said the listing is truncated but sent no continuation token',
    );
  }
  return token;
}

/** Attempts the SDK made for a response or error (retries included); 1 when it does not say. */
export function attemptsOf(value: unknown): number {
  const metadata = (value as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.attempts === 'number' && metadata.attempts > 0 ? metadata.attempts : 1;
}

/**
 * Lists every object under `prefix` in S3's order (UTF-8 byte order), as entries keyed relative
 * to the prefix, one page at a time (a page may come out empty when the bounds drop all of it).
 * Requests the next page as soon as a page arrives, so the listing runs while the consumer works;
 * stopping early (break) aborts that request. Keys are taken verbatim from the XML (no
 * EncodingType: servers decode `url` encoding differently, and the SDK does not decode it).
 * Pages, not keys: a sync of 10⁸ keys would otherwise pay a generator step per key here.
 * @throws S3FerryError from {@link classifyS3Error} (e.g. NoSuchBucket, AccessDenied).
 */
export async function* listS3Pages(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3Options,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  const { bucket, prefix, startAfter, until } = options;
  const abort = new AbortController();
  const onAbort = (): void => {
    abort.abort();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const fetchPage = async (token: string | undefined): Promise<ReceivedListPage> => {
    try {
      const received = await receiveListPage(
        client,
        {
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : prefix,
          MaxKeys: options.pageSize ?? 1000,
          ContinuationToken: token,
          StartAfter: token === undefined ? options.startAfter : undefined,
        },
        abort.signal,
      );
      countRequests(options.counts, 'ListObjectsV2', received.attempts);
      return received;
    } catch (error) {
      countRequests(options.counts, 'ListObjectsV2', attemptsOf(error));
      throw classifyS3Error(error, { spec, bucket, key: prefix });
    }
  };
  /** Starts a request now; its rejection is handled when (if) the page is awaited. */
  const prefetch = (token: string | undefined): Promise<ReceivedListPage> => {
    const pending = fetchPage(token);
    pending.catch(() => undefined);
    return pending;
  };

  let pending: Promise<ReceivedListPage> | undefined = prefetch(undefined);
  let pageNumber = 0;
  try {
    while (pending !== undefined) {
      options.signal?.throwIfAborted();
      // Parsed only now that the consumer gets to it (see receiveListPage).
      const received: EntryPage = (await pending).entries(prefix, bucket);
      const { page, entries, held } = received;
      pageNumber += 1;
      const token = continuationOf(page, spec, bucket, prefix, held);
      // Entries are keyed relative to the prefix; the bounds are full keys.
      const lastKey = entries.at(-1)?.key;
      const isPastEnd: boolean =
        until !== undefined && lastKey !== undefined && compareKeys(prefix + lastKey, until) >= 0;
      // Ask for the next page before handing this one out (unless this one reaches the end).
      pending = token === undefined || isPastEnd ? undefined : prefetch(token);
      options.onPage?.({ pageNumber, keyCount: entries.length, isLast: pending === undefined });
      if (startAfter === undefined && until === undefined) {
        yield entries;
        continue;
      }
      const { kept, isPastUntil } = withinBounds(entries, prefix, startAfter, until);
      yield kept;
      // A key past `until` ends the listing (the pending request, if any, is aborted below).
      if (isPastUntil) return;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (pending !== undefined) abort.abort();
  }
}

/**
 * Every object under `prefix`, one entry at a time: {@link listS3Pages} for consumers that take
 * keys singly (ls, rm, the parallel lister's serial case).
 */
export async function* listS3(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3Options,
): AsyncGenerator<ListEntry, void, undefined> {
  for await (const page of listS3Pages(client, spec, options)) yield* page;
}

/**
 * The entries of one page between the bounds (full keys; the entries are relative to `prefix`),
 * and whether a key past `until` was met. A server that ignores StartAfter sends the keys before
 * it again: they are dropped here.
 */
function withinBounds(
  entries: readonly ListEntry[],
  prefix: string,
  startAfter: string | undefined,
  until: string | undefined,
): { kept: ListEntry[]; isPastUntil: boolean } {
  const kept: ListEntry[] = [];
  for (const entry of entries) {
    const key = prefix + entry.key;
    if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) continue;
    if (until !== undefined && compareKeys(key, until) > 0) return { kept, isPastUntil: true };
    kept.push(entry);
  }
  return { kept, isPastUntil: false };
}

/** Options of {@link findS3Object}. */
export type FindS3ObjectOptions = {
  bucket: string;
  key: string;
  counts?: RequestCounts;
  signal?: AbortSignal;
};

/**
 * The object named exactly `key` (as an entry with key `''`), or undefined when there is none.
 * Uses one `ListObjectsV2(Prefix=key, MaxKeys=1)` (on the lean path where it can) rather than a
 * HEAD: `key` itself is the first key under that prefix when it exists, times match the
 * listing's (ms on RGW) and a re-sync stays LIST-only. Keys ending in `/` (and `''`) are directories: always undefined, no request.
 */
export async function findS3Object(
  client: S3Api,
  spec: ProfileSpec,
  options: FindS3ObjectOptions,
): Promise<ListEntry | undefined> {
  const { bucket, key } = options;
  if (key === '' || key.endsWith('/')) return undefined;
  let page: ListObjectsV2CommandOutput;
  try {
    page = await sendListPage(client, { Bucket: bucket, Prefix: key, MaxKeys: 1 }, options.signal);
    countRequests(options.counts, 'ListObjectsV2', attemptsOf(page));
  } catch (error) {
    countRequests(options.counts, 'ListObjectsV2', attemptsOf(error));
    throw classifyS3Error(error, { spec, bucket, key });
  }
  const first = page.Contents?.[0];
  if (first?.Key !== key) return undefined;
  return toEntry(first, key, bucket);
}
