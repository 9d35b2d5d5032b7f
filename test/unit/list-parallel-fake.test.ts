// listS3Parallel against an in-memory ListObjectsV2 (sorted keys, pages, StartAfter, continuation
// tokens, answers arriving in a shuffled order): the stream equals the serial listing for random
// key sets with astral, U+FF61, U+E000, '/' and spaces; one page costs one request; requests in
// flight never exceed the concurrency; the look-ahead does not grow with the number of keys; a
// server that ignores StartAfter is detected and the listing goes on serially; errors, breaks and
// aborts stop everything in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { compareKeys } from '../../src/plan/compare-keys.ts';
import { listS3 } from '../../src/s3/list.ts';
import { listS3Parallel } from '../../src/s3/list-parallel.ts';
import type { ListS3ParallelOptions } from '../../src/s3/list-parallel.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ListEntry, RequestCounts } from '../../src/shared/protocol.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

const spec = makeSpec({ name: 'fake' });

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FakeOptions = {
  /** Answer as if StartAfter were not given (some S3-compatible servers). */
  ignoresStartAfter?: boolean;
  /** Extra event-loop turns before answering a StartAfter request (answers arrive late). */
  startAfterDelay?: number;
  /** Answer StartAfter requests at once and the others a turn or more later. */
  isStartAfterFast?: boolean;
  /** Fail requests whose StartAfter is given, with this error name. */
  failStartAfter?: string;
  seed?: number;
};

/** An in-memory bucket answering ListObjectsV2 like S3 (keys in UTF-8 order), one at a time. */
class FakeBucket {
  readonly keys: string[];
  readonly requests: ListObjectsV2CommandInput[] = [];
  readonly pending = new Set<AbortSignal>();
  inFlight = 0;
  maxInFlight = 0;
  /** Index (in `keys`) of the highest key handed out so far. */
  highestServed = -1;
  private readonly options: FakeOptions;
  private readonly random: () => number;

  constructor(keys: Iterable<string>, options: FakeOptions = {}) {
    this.keys = [...new Set(keys)].sort(compareKeys);
    this.options = options;
    this.random = prng(options.seed ?? 1);
  }

  get client(): S3Client {
    return {
      send: (command: { input: ListObjectsV2CommandInput }, opts?: { abortSignal?: AbortSignal }) =>
        this.send(command.input, opts?.abortSignal),
    } as unknown as S3Client;
  }

  private async send(input: ListObjectsV2CommandInput, signal: AbortSignal | undefined) {
    this.requests.push(input);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (signal !== undefined) this.pending.add(signal);
    try {
      const startAfter = input.StartAfter;
      if (startAfter !== undefined) {
        // Cut points are real S3 keys: under the prefix, well-formed, no control characters.
        assert.ok(startAfter.startsWith(input.Prefix ?? ''), startAfter);
        assert.doesNotMatch(startAfter, /\p{Cs}|\p{Cc}/u);
        assert.ok(Buffer.byteLength(startAfter) <= 1024);
      }
      let turns = Math.floor(this.random() * 4);
      if (startAfter !== undefined && input.ContinuationToken === undefined) {
        turns += this.options.startAfterDelay ?? 0;
        if (this.options.isStartAfterFast === true) turns = 0;
      } else if (this.options.isStartAfterFast === true) turns += 1;
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted === true) {
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      }
      if (startAfter !== undefined && this.options.failStartAfter !== undefined) {
        throw Object.assign(new Error('refused'), {
          name: this.options.failStartAfter,
          $metadata: { httpStatusCode: 403, attempts: 1 },
        });
      }
      const prefix = input.Prefix ?? '';
      let start: number;
      if (input.ContinuationToken !== undefined) start = Number(input.ContinuationToken);
      else if (startAfter !== undefined && this.options.ignoresStartAfter !== true) {
        start = this.firstIndexAfter(startAfter);
      } else start = this.firstIndexAfter(undefined);
      while (start < this.keys.length && !(this.keys[start] ?? '').startsWith(prefix)) {
        if (compareKeys(this.keys[start] ?? '', prefix) > 0) {
          start = this.keys.length;
          break;
        }
        start += 1;
      }
      const max = input.MaxKeys ?? 1000;
      const contents = [];
      let index = start;
      while (index < this.keys.length && contents.length < max) {
        const key = this.keys[index] ?? '';
        if (!key.startsWith(prefix)) break;
        contents.push({
          Key: key,
          Size: key.length,
          ETag: `"${index.toString(16).padStart(32, '0')}"`,
          LastModified: new Date(1_700_000_000_000 + index),
        });
        index += 1;
      }
      this.highestServed = Math.max(this.highestServed, index - 1);
      const isTruncated = index < this.keys.length && (this.keys[index] ?? '').startsWith(prefix);
      return {
        Contents: contents.length === 0 ? undefined : contents,
        IsTruncated: isTruncated,
        NextContinuationToken: isTruncated ? String(index) : undefined,
        $metadata: { attempts: 1 },
      };
    } finally {
      this.inFlight -= 1;
      if (signal !== undefined) this.pending.delete(signal);
    }
  }

  private firstIndexAfter(key: string | undefined): number {
    if (key === undefined) return 0;
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareKeys(this.keys[mid] ?? '', key) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Lets the requests aborted when a listing ended settle (and be counted). */
async function settled(bucket: FakeBucket): Promise<void> {
  while (bucket.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
}

async function collect(iterable: AsyncIterable<ListEntry>): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

function parallel(
  bucket: FakeBucket,
  options: Partial<ListS3ParallelOptions> = {},
): AsyncGenerator<ListEntry, void, undefined> {
  return listS3Parallel(bucket.client, spec, {
    bucket: 'b',
    prefix: '',
    concurrency: 4,
    pageSize: 10,
    ...options,
  });
}

const ALPHABET = ['a', 'b', 'z', '0', '9', '/', '-', ' ', '.', 'é', '\ue000', '\uff61'];
const ASTRAL = ['\u{1f600}', '\u{10000}', '\u{10ffff}'];

function randomKey(random: () => number, alphabet: string[], maxLength: number): string {
  const length = 1 + Math.floor(random() * maxLength);
  let key = '';
  for (let i = 0; i < length; i++) key += alphabet[Math.floor(random() * alphabet.length)] ?? '';
  return key;
}

/** Key sets of different shapes: random unicode, sequential ids, hex hashes, clustered. */
function keySets(seed: number): { name: string; keys: string[] }[] {
  const random = prng(seed);
  const n = 200 + Math.floor(random() * 2500);
  const hex = (): string =>
    Math.floor(random() * 2 ** 48)
      .toString(16)
      .padStart(12, '0');
  return [
    {
      name: 'random unicode',
      keys: Array.from({ length: n }, () => randomKey(random, [...ALPHABET, ...ASTRAL], 8)),
    },
    {
      name: 'sequential ids',
      keys: Array.from({ length: n }, (_, i) => `logs/file-${String(i).padStart(7, '0')}.gz`),
    },
    { name: 'hex hashes', keys: Array.from({ length: n }, () => `${hex()}/${hex()}`) },
    {
      name: 'clusters',
      keys: Array.from({ length: n }, (_, i) => {
        const cluster = ['a', '\uff61x', '\u{1f600}', 'm m/'][i % 4] ?? '';
        return `${cluster}${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
      }),
    },
    {
      name: 'astral-heavy',
      keys: Array.from({ length: n }, () => randomKey(random, [...ASTRAL, '\uff61', '/'], 6)),
    },
  ];
}

describe('listS3Parallel: the same stream as the serial listing', () => {
  for (const seed of [1, 2, 3, 4]) {
    for (const { name, keys } of keySets(seed)) {
      it(`${name} (seed ${seed}): entries equal listS3's, in UTF-8 order`, async () => {
        const random = prng(seed * 7);
        const concurrency = 2 + Math.floor(random() * 6);
        const pageSize = 3 + Math.floor(random() * 40);
        const bucket = new FakeBucket(keys, { seed });
        const serial = await collect(
          listS3(bucket.client, spec, { bucket: 'b', prefix: '', pageSize }),
        );
        const serialRequests = bucket.requests.length;
        bucket.requests.length = 0;
        const counts: RequestCounts = {};
        const listed = await collect(parallel(bucket, { concurrency, pageSize, counts }));
        await settled(bucket);
        assert.deepEqual(listed, serial);
        assert.deepEqual(
          listed.map((e) => e.key),
          [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
        assert.equal(counts['ListObjectsV2'], bucket.requests.length);
        assert.ok(bucket.maxInFlight <= concurrency, `${bucket.maxInFlight} > ${concurrency}`);
        // Not a cost model, a guard against runaway probing.
        assert.ok(
          bucket.requests.length <= 2 * serialRequests + 2 * concurrency + 2,
          `${bucket.requests.length} requests vs ${serialRequests} serial`,
        );
      });
    }
  }

  it('lists a prefix: keys relative to it, nothing outside it, cut points under it', async () => {
    const keys = [
      ...Array.from({ length: 500 }, (_, i) => `in/${String(i * 7919).padStart(8, '0')}`),
      ...Array.from({ length: 300 }, (_, i) => `im/${i}`),
      ...Array.from({ length: 300 }, (_, i) => `io/${i}`),
      'in',
      'in/',
    ];
    const bucket = new FakeBucket(keys);
    const listed = await collect(parallel(bucket, { prefix: 'in/', pageSize: 7 }));
    const expected = keys
      .filter((k) => k.startsWith('in/'))
      .map((k) => k.slice(3))
      .sort(compareKeys);
    assert.deepEqual(
      listed.map((e) => e.key),
      expected,
    );
    assert.ok(
      bucket.requests.some((r) => r.StartAfter !== undefined),
      'ranges were cut',
    );
  });
});

describe('listS3Parallel: requests', () => {
  it('costs exactly one request for a prefix that fits in one page (and for an empty one)', async () => {
    for (const n of [0, 1, 9, 10]) {
      const bucket = new FakeBucket(Array.from({ length: n }, (_, i) => `k${i}`));
      const counts: RequestCounts = {};
      const listed = await collect(parallel(bucket, { counts, concurrency: 8 }));
      assert.equal(listed.length, n);
      assert.deepEqual(counts, { ListObjectsV2: 1 });
      assert.equal(bucket.requests[0]?.StartAfter, undefined);
    }
  });

  it('runs ranges concurrently, never more than `concurrency` requests at once', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `obj-${String(i).padStart(6, '0')}`);
    for (const concurrency of [2, 4, 8]) {
      const bucket = new FakeBucket(keys);
      const listed = await collect(parallel(bucket, { concurrency, pageSize: 50 }));
      assert.equal(listed.length, keys.length);
      assert.equal(bucket.maxInFlight, concurrency);
      // Sequential ids are guessed well: close to one request per page.
      assert.ok(bucket.requests.length <= 1.3 * 100 + 2 * concurrency, `${bucket.requests.length}`);
    }
  });

  it('concurrency 1 is the serial listing: continuation tokens only', async () => {
    const keys = Array.from({ length: 95 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const bucket = new FakeBucket(keys);
    const listed = await collect(parallel(bucket, { concurrency: 1 }));
    assert.equal(listed.length, 95);
    assert.equal(bucket.requests.length, 10);
    assert.ok(bucket.requests.every((r) => r.StartAfter === undefined));
    assert.equal(bucket.maxInFlight, 1);
  });

  it('holds a bounded number of entries, whatever the size of the listing', async () => {
    const peaks: number[] = [];
    for (const n of [20_000, 80_000]) {
      const random = prng(n);
      const hex = (): string =>
        Math.floor(random() * 2 ** 52)
          .toString(16)
          .padStart(13, '0');
      const bucket = new FakeBucket(Array.from({ length: n }, hex));
      const stats = { peakBufferedEntries: 0, emptyPages: 0, cuts: 0 };
      let consumed = 0;
      for await (const entry of parallel(bucket, { concurrency: 4, pageSize: 50, stats })) {
        assert.ok(entry.key.length > 0);
        consumed += 1;
        // A consumer that works: the listing must wait for it, not run away.
        if (consumed % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(consumed, bucket.keys.length);
      assert.ok(stats.cuts > 10, `${stats.cuts} cuts`);
      peaks.push(stats.peakBufferedEntries);
    }
    // 2 × concurrency ranges, each with at most 2 pages buffered, plus the page handed out.
    const bound = (2 * 4 * 2 + 1) * 50;
    for (const peak of peaks) assert.ok(peak <= bound, `peak ${peak} > ${bound}`);
  });
});

describe('listS3Parallel: servers that ignore StartAfter', () => {
  it('detects it on the first page of a range and goes on with the first range, serially', async () => {
    const keys = Array.from({ length: 777 }, (_, i) => `key ${String(i * 13).padStart(5, '0')}`);
    const bucket = new FakeBucket(keys, { ignoresStartAfter: true, isStartAfterFast: true });
    const reasons: string[] = [];
    const counts: RequestCounts = {};
    const listed = await collect(
      parallel(bucket, { counts, onSerialFallback: (reason) => reasons.push(reason) }),
    );
    await settled(bucket);
    assert.deepEqual(
      listed.map((e) => e.key),
      [...keys].sort(compareKeys),
    );
    assert.equal(reasons.length, 1);
    assert.match(reasons[0] ?? '', /StartAfter/);
    const probes = bucket.requests.filter((r) => r.StartAfter !== undefined).length;
    assert.ok(probes >= 1 && probes <= 8, `${probes} StartAfter probes`);
    // The serial listing was not restarted: each page of the prefix was asked for once.
    const fromTheStart = bucket.requests.filter(
      (r) => r.StartAfter === undefined && r.ContinuationToken === undefined,
    );
    assert.equal(fromTheStart.length, 1);
    assert.equal(counts['ListObjectsV2'], bucket.requests.length);
  });

  it('restarts serially, skipping what was yielded, when detected after the first range ended', async () => {
    const keys = Array.from({ length: 600 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    // StartAfter answers arrive long after the first range (about two pages) was consumed.
    const bucket = new FakeBucket(keys, { ignoresStartAfter: true, startAfterDelay: 200 });
    const reasons: string[] = [];
    const listed = await collect(
      parallel(bucket, { onSerialFallback: (reason) => reasons.push(reason) }),
    );
    assert.deepEqual(
      listed.map((e) => e.key),
      keys,
    );
    assert.equal(reasons.length, 1);
    const fromTheStart = bucket.requests.filter(
      (r) => r.StartAfter === undefined && r.ContinuationToken === undefined,
    );
    assert.equal(fromTheStart.length, 2, 'one restart from the start of the prefix');
  });
});

describe('listS3Parallel: stopping', () => {
  it('aborts every request in flight when the consumer stops early, and sends no more', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const bucket = new FakeBucket(keys);
    const seen: AbortSignal[] = [];
    const client = bucket.client;
    const spy = {
      send: (command: never, opts: { abortSignal: AbortSignal }) => {
        seen.push(opts.abortSignal);
        return (client.send as (c: never, o: unknown) => Promise<unknown>)(command, opts);
      },
    } as unknown as S3Client;
    let n = 0;
    for await (const entry of listS3Parallel(spy, spec, {
      bucket: 'b',
      prefix: '',
      concurrency: 4,
      pageSize: 20,
    })) {
      assert.ok(entry.key.startsWith('k'));
      if (++n === 100) break;
    }
    const sent = seen.length;
    assert.ok(sent > 1);
    assert.ok(
      seen.every((signal) => signal.aborted || !bucket.pending.has(signal)),
      'nothing left running',
    );
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, sent, 'no request after the consumer stopped');
    assert.equal(bucket.inFlight, 0);
  });

  it('stops with the abort signal', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const bucket = new FakeBucket(keys);
    const controller = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const entry of parallel(bucket, { signal: controller.signal, pageSize: 20 })) {
          assert.ok(entry.key.startsWith('k'));
          if (++n === 50) controller.abort();
        }
      })(),
      (e: unknown) => e instanceof Error && e.name === 'AbortError',
    );
    await settled(bucket);
  });

  it('fails with the classified error of any range, stopping the others', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const bucket = new FakeBucket(keys, { failStartAfter: 'AccessDenied' });
    await assert.rejects(
      collect(parallel(bucket, { pageSize: 20 })),
      (e: unknown) => e instanceof S3FerryError && e.kind === 'permission' && e.profile === 'fake',
    );
    await settled(bucket);
  });
});
