// Parallel ListObjectsV2 for big flat prefixes: the key space is cut into ranges at StartAfter
// points guessed from the keys seen so far, the ranges are listed concurrently, and their pages
// come out as ONE stream in S3's order (UTF-8 bytes) with a bounded look-ahead. A server that
// ignores StartAfter is detected on the first page of a range, and the listing goes on serially.
//
// How the ranges are chosen (and why not S3P's fixed-alphabet bisection, which breaks on Unicode):
// - The first request is the plain serial one (no StartAfter). A prefix that fits in one page
//   costs exactly that one LIST; nothing is guessed before a page came back truncated.
// - Keys are read as numbers (plan/key-model.ts): after the common stem of every key seen, each
//   UTF-16 unit (mapped to UTF-8 order, as compareKeys does) is a digit whose radix is the set of
//   units SEEN at that position, so sequential ids count in base 10 and hex ids in base 16.
//   The last page gives a density (keys per unit of that number); the next cut is placed about
//   CHUNK_PAGES pages of keys further on. A guess is only a guess: the stream stays exact whatever
//   it is (ranges are contiguous, each range stops at the first key past its end), a range that
//   turns out dense is cut again from its own pages, one that turns out empty costs one request.
// - Request overhead: about one extra request per range (the page that crosses the range's end),
//   i.e. ~2 requests per 1.8 pages of keys, plus at most (2 × concurrency − 1) empty probes past
//   the last key. A page that is not truncated ends the whole listing (ListObjectsV2 has no end
//   bound), so later ranges are dropped before they cost anything more.
// Memory: at most 2 × concurrency ranges are open, each with ≤ 2 pages buffered and one in flight,
// whatever the number of keys.
import { sendListPage } from './list-page.ts';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { S3Api } from './sdk.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import { DEFAULT_LIST_CONCURRENCY } from '../plan/key-range.ts';
import { isUsableCut, KeyModel } from '../plan/key-model.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { ListEntry, RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { attemptsOf, continuationOf, countRequests, listS3Pages, toEntry } from './list.ts';

/** Options of {@link listS3Parallel}. */
export type ListS3ParallelOptions = {
  bucket: string;
  /** Listed verbatim; keys are yielded relative to it. `''` lists the whole bucket. */
  prefix: string;
  /** LIST requests in flight at once; 1 is the serial {@link listS3}. @default 4 */
  concurrency?: number;
  /** Incremented per request sent (`ListObjectsV2`), retries and aborted requests included. */
  counts?: RequestCounts;
  /** Stops the listing; the pending requests are aborted. */
  signal?: AbortSignal;
  /** Keys per page (MaxKeys). @default 1000 */
  pageSize?: number;
  /** Called once if the server ignores StartAfter and the listing goes on serially. */
  onSerialFallback?: (reason: string) => void;
  /** Filled in as the listing runs (for tests and benchmarks). */
  stats?: ListParallelStats;
  /** List only keys after this full key (a key range's exclusive start). */
  startAfter?: string | undefined;
  /** List only keys up to this full key, inclusive (a key range's end). */
  until?: string | undefined;
};

/** What a parallel listing did. */
export type ListParallelStats = {
  /** Most entries held at once: pages buffered in ranges plus the page being handed out. */
  peakBufferedEntries: number;
  /** Requests that brought no key of their range (probes of empty key space). */
  emptyPages: number;
  /** Ranges cut. */
  cuts: number;
};

/** A range holds about this many pages of keys (less than 2: the crossing page ends it). */
const CHUNK_PAGES = 1.8;
/** Pages a range may hold before the consumer reaches it (plus one in flight). */
const MAX_BUFFERED_PAGES = 2;

/** `keys` keys lie in (from, to]: a density sample (suffixes relative to the prefix). */
type Sample = { from: string; to: string; keys: number };

/** One range (lo, hi] of the key space, listed by its own chain of requests. */
type Range = {
  /** Exclusive start (full key), sent as StartAfter; undefined: the start of the prefix. */
  lo: string | undefined;
  /** Inclusive end (full key); undefined: unbounded. */
  hi: string | undefined;
  /** The last key received (or `lo`): every key of the next page must sort after it. */
  after: string | undefined;
  token: string | undefined;
  inFlight: AbortController | undefined;
  pages: ListEntry[][];
  isDone: boolean;
  sample: Sample | undefined;
  /** A serial restart after a fallback: drop keys up to this one (already yielded). */
  skipThrough?: string;
};

/**
 * Lists every object under `prefix` like {@link listS3} (same entries, same order, same request
 * accounting), with up to `concurrency` requests in flight over key ranges cut at StartAfter
 * points. Stopping early (break) aborts every request in flight.
 * @throws S3FerryError from {@link classifyS3Error} (e.g. NoSuchBucket, AccessDenied).
 * @example
 * for await (const entry of listS3Parallel(client, spec, { bucket: 'b', prefix: 'logs/', concurrency: 4 })) {}
 */
export async function* listS3Parallel(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3ParallelOptions,
): AsyncGenerator<ListEntry, void, undefined> {
  for await (const page of listS3ParallelPages(client, spec, options)) yield* page;
}

/** {@link listS3Parallel} one page at a time (a page may be empty), for consumers that take pages. */
export async function* listS3ParallelPages(
  client: S3Api,
  spec: ProfileSpec,
  options: ListS3ParallelOptions,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  const concurrency = options.concurrency ?? DEFAULT_LIST_CONCURRENCY;
  if (concurrency <= 1) {
    yield* listS3Pages(client, spec, {
      bucket: options.bucket,
      prefix: options.prefix,
      ...(options.counts === undefined ? {} : { counts: options.counts }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      startAfter: options.startAfter,
      until: options.until,
    });
    return;
  }
  const lister = new ParallelLister(client, spec, options, concurrency);
  yield* lister.pages();
}

class ParallelLister {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly pageSize: number;
  private readonly maxRanges: number;
  private readonly model = new KeyModel();
  private ranges: Range[];
  private inFlight = 0;
  private failure: Error | undefined;
  private isClosed = false;
  private isSerial = false;
  private isEndKnown = false;
  /** Requests that brought keys, and requests that brought none (probes of empty ranges). */
  private usefulPages = 0;
  private emptyPages = 0;
  /** The densest-known sample nearest the end of what was listed (the tail's guide). */
  private frontier: Sample | undefined;
  /** The last key handed out (with its whole page): a serial restart skips through it. */
  private lastYielded: string | undefined;
  private buffered = 0;
  private readonly stats: ListParallelStats;
  private wake: (() => void) | undefined;

  private readonly client: S3Api;
  private readonly spec: ProfileSpec;
  private readonly options: ListS3ParallelOptions;
  private readonly concurrency: number;

  constructor(
    client: S3Api,
    spec: ProfileSpec,
    options: ListS3ParallelOptions,
    concurrency: number,
  ) {
    this.client = client;
    this.spec = spec;
    this.options = options;
    this.concurrency = concurrency;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.pageSize = options.pageSize ?? 1000;
    this.maxRanges = 2 * concurrency;
    this.stats = options.stats ?? { peakBufferedEntries: 0, emptyPages: 0, cuts: 0 };
    this.ranges = [newRange(options.startAfter, options.until, undefined)];
  }

  async *pages(): AsyncGenerator<readonly ListEntry[], void, undefined> {
    const { signal } = this.options;
    const onAbort = (): void => {
      this.abortAll();
      this.notify();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.pump();
      for (;;) {
        signal?.throwIfAborted();
        if (this.failure !== undefined) throw this.failure;
        const head = this.ranges[0];
        if (head === undefined) return;
        const page = head.pages.shift();
        if (page !== undefined) {
          this.pump();
          // The page goes out whole, so a serial restart from here on skips all of it.
          const last = page.at(-1);
          if (last !== undefined) this.lastYielded = last.key;
          yield page;
          this.buffered -= page.length;
          continue;
        }
        if (head.isDone) {
          this.ranges.shift();
          this.pump();
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.isClosed = true;
      signal?.removeEventListener('abort', onAbort);
      this.abortAll();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Cuts ranges while there is room, then sends requests while there are free slots. */
  private pump(): void {
    if (this.isClosed || this.failure !== undefined) return;
    // Finished empty ranges hold nothing and need nothing: they leave room for new cuts.
    this.ranges = this.ranges.filter(
      (r, i) => i === 0 || !(r.isDone && r.pages.length === 0 && r.inFlight === undefined),
    );
    // Guesses that keep landing in empty key space stop: the overhead stays bounded.
    const isWasteful = this.emptyPages > this.usefulPages / 4 + this.maxRanges;
    if (!this.isSerial && !this.isEndKnown && !isWasteful) {
      while (this.ranges.length < this.maxRanges && this.cutOne()) {
        // Each cut adds one range.
      }
    }
    // A slot is kept for the head: slow requests ahead must not starve the consumer.
    const head = this.ranges[0];
    const reserved = head !== undefined && !head.isDone && head.inFlight === undefined ? 1 : 0;
    for (const [i, range] of this.ranges.entries()) {
      if (this.inFlight >= this.concurrency - (i === 0 ? 0 : reserved)) break;
      if (
        !range.isDone &&
        range.inFlight === undefined &&
        range.pages.length < MAX_BUFFERED_PAGES
      ) {
        this.fetch(range);
      }
    }
  }

  /** Cuts the first range (in key order) that is estimated to hold much more than a range. */
  private cutOne(): boolean {
    for (const [i, range] of this.ranges.entries()) {
      if (range.isDone) continue;
      const sample = range.hi === undefined ? this.frontier : (range.sample ?? this.frontier);
      const from = range.after ?? range.lo;
      if (sample === undefined || from === undefined) continue;
      const cut = this.cutPoint(from, range.hi, sample);
      if (cut === undefined) continue;
      const next = newRange(cut, range.hi, range.sample ?? sample);
      range.hi = cut;
      this.ranges.splice(i + 1, 0, next);
      this.stats.cuts += 1;
      return true;
    }
    return false;
  }

  /**
   * A StartAfter point about CHUNK_PAGES pages of keys after `from` (full keys), or undefined when
   * (from, hi] is not estimated to hold more than two such ranges or no key fits strictly between.
   */
  private cutPoint(from: string, hi: string | undefined, sample: Sample): string | undefined {
    const p = this.prefix.length;
    const digits = this.model.digits();
    if (digits === undefined) return undefined;
    const span = digits.value(sample.to) - digits.value(sample.from);
    if (span <= 0n || sample.keys <= 0) return undefined;
    const step =
      (span * BigInt(Math.round(CHUNK_PAGES * this.pageSize * 1000))) /
      (BigInt(sample.keys) * 1000n);
    if (step <= 0n) return undefined;
    const base = digits.value(from.slice(p));
    if (hi !== undefined && digits.value(hi.slice(p)) - base <= 2n * step) return undefined;
    const suffix = digits.key(base + step);
    if (suffix === undefined) return undefined;
    const cut = this.prefix + suffix;
    if (compareKeys(cut, from) <= 0) return undefined;
    if (hi !== undefined && compareKeys(cut, hi) >= 0) return undefined;
    if (!isUsableCut(cut)) return undefined;
    return cut;
  }

  private fetch(range: Range): void {
    const controller = new AbortController();
    range.inFlight = controller;
    this.inFlight += 1;
    const startAfter = range.token === undefined ? range.lo : undefined;
    const sentAfter = range.after;
    const settle = (): boolean => {
      if (range.inFlight !== controller) return false; // dropped meanwhile
      range.inFlight = undefined;
      this.inFlight -= 1;
      return true;
    };
    void sendListPage(
      this.client,
      {
        Bucket: this.bucket,
        Prefix: this.prefix === '' ? undefined : this.prefix,
        MaxKeys: this.pageSize,
        ContinuationToken: range.token,
        StartAfter: startAfter,
      },
      controller.signal,
    ).then(
      (page) => {
        countRequests(this.options.counts, 'ListObjectsV2', attemptsOf(page));
        if (!settle() || this.isClosed) return;
        try {
          this.receive(range, page, sentAfter);
        } catch (error) {
          this.fail(error);
        }
        this.pump();
        this.notify();
      },
      (error: unknown) => {
        countRequests(this.options.counts, 'ListObjectsV2', attemptsOf(error));
        if (!settle() || this.isClosed) return;
        this.fail(
          classifyS3Error(error, { spec: this.spec, bucket: this.bucket, key: this.prefix }),
        );
        this.notify();
      },
    );
  }

  private fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.abortAll();
  }

  private receive(
    range: Range,
    page: ListObjectsV2CommandOutput,
    sentAfter: string | undefined,
  ): void {
    const contents = page.Contents ?? [];
    const token = continuationOf(page, this.spec, this.bucket, this.prefix);
    const isTruncated = token !== undefined;
    // A range that started at a StartAfter point must only ever move forward; a server that
    // ignores StartAfter answers with the first keys of the prefix instead.
    if (range.lo !== undefined) {
      let previous = sentAfter;
      for (const object of contents) {
        const key = object.Key ?? '';
        if (previous !== undefined && compareKeys(key, previous) <= 0) {
          this.fallBackToSerial(
            `the server answered StartAfter=${JSON.stringify(sentAfter)} with ${JSON.stringify(key)}`,
          );
          return;
        }
        previous = key;
      }
    }
    const entries: ListEntry[] = [];
    let hasCrossed = false;
    for (const object of contents) {
      const entry = toEntry(object, this.prefix, this.bucket);
      if (!this.isSerial) this.model.observe(entry.key);
      if (hasCrossed) continue;
      const key = object.Key ?? '';
      if (range.hi !== undefined && compareKeys(key, range.hi) > 0) {
        hasCrossed = true;
        continue;
      }
      if (range.skipThrough !== undefined && compareKeys(entry.key, range.skipThrough) <= 0) {
        continue;
      }
      entries.push(entry);
    }
    const lastKey = contents.at(-1)?.Key;
    if (!this.isSerial && lastKey !== undefined) {
      const p = this.prefix.length;
      const firstKey = contents[0]?.Key ?? '';
      const sample: Sample =
        sentAfter === undefined
          ? { from: firstKey.slice(p), to: lastKey.slice(p), keys: contents.length - 1 }
          : { from: sentAfter.slice(p), to: lastKey.slice(p), keys: contents.length };
      if (sample.keys > 0) {
        range.sample = sample;
        if (this.frontier === undefined || compareKeys(sample.to, this.frontier.to) > 0) {
          this.frontier = sample;
        }
      }
    }
    if (entries.length > 0) {
      range.pages.push(entries);
      this.usefulPages += 1;
      this.buffered += entries.length;
      this.stats.peakBufferedEntries = Math.max(this.stats.peakBufferedEntries, this.buffered);
    } else {
      this.emptyPages += 1;
      this.stats.emptyPages += 1;
    }
    if (lastKey !== undefined) range.after = lastKey;
    range.token = token;
    if (hasCrossed || !isTruncated) range.isDone = true;
    if (!isTruncated) {
      // Nothing sorts after this page's last key: the ranges starting at or after it are empty
      // (those before it are not: a page that crossed its range's end holds their first keys).
      this.isEndKnown = true;
      const end = lastKey ?? sentAfter;
      for (const later of this.ranges) {
        if (later === range || later.lo === undefined || end === undefined) continue;
        if (compareKeys(later.lo, end) >= 0) this.drop(later);
      }
    }
  }

  /**
   * Goes on with one serial listing: the first range if it is still being listed (it never used
   * StartAfter), otherwise a new listing from the start that skips what was already yielded.
   */
  private fallBackToSerial(reason: string): void {
    this.isSerial = true;
    this.options.onSerialFallback?.(reason);
    const head = this.ranges[0];
    const { startAfter, until } = this.options;
    if (head !== undefined && head.lo === undefined && !head.isDone) {
      head.hi = until;
      for (const later of this.ranges.splice(1)) this.drop(later);
      return;
    }
    for (const range of this.ranges) this.drop(range);
    const restart = newRange(undefined, until, undefined);
    // skipThrough is relative to the prefix, as the yielded keys are.
    const through =
      this.lastYielded ??
      (startAfter?.startsWith(this.prefix) === true
        ? startAfter.slice(this.prefix.length)
        : undefined);
    if (through !== undefined) restart.skipThrough = through;
    this.ranges = [restart];
  }

  private drop(range: Range): void {
    if (range.inFlight !== undefined) {
      range.inFlight.abort();
      range.inFlight = undefined;
      this.inFlight -= 1;
    }
    range.isDone = true;
    for (const page of range.pages) this.buffered -= page.length;
    range.pages = [];
  }

  private abortAll(): void {
    for (const range of this.ranges) {
      if (range.inFlight !== undefined) {
        range.inFlight.abort();
        range.inFlight = undefined;
        this.inFlight -= 1;
      }
    }
  }
}

function newRange(
  lo: string | undefined,
  hi: string | undefined,
  sample: Sample | undefined,
): Range {
  return {
    lo,
    hi,
    after: lo,
    token: undefined,
    inFlight: undefined,
    pages: [],
    isDone: false,
    sample,
  };
}
