// listS3 and findS3Object against every real target: awkward keys come back exactly and in
// UTF-8 byte order, > 1000 keys paginate, the next page is requested before the consumer needs it,
// requests are counted, and errors arrive translated.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { listLocal, listLocalPages } from '../../src/local/list.ts';
import { mergeJoin } from '../../src/plan/merge-join.ts';
import { unsafeLocalKeyProblem } from '../../src/plan/relative.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { findS3Object, listS3, listS3Pages } from '../../src/s3/list.ts';
import type { ListPage } from '../../src/s3/list.ts';
import { listS3Parallel } from '../../src/s3/list-parallel.ts';
import { fullJitterBackoff } from '../../src/s3/retry.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { ListEntry, RequestCounts } from '../../src/shared/protocol.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

function specFor(target: TestTarget): ProfileSpec {
  return targetSpec(target, { name: 'lister' });
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Keys that break naive URL handling, XML handling or JavaScript ordering. */
const AWKWARD = [
  'plain.txt',
  'with space.txt',
  'trailing space ',
  '  leading spaces',
  'plus+sign',
  'percent%20encoded',
  'percent%',
  'question?mark',
  'hash#tag',
  'amp&lt;&gt;"quote\'',
  'star*and~tilde',
  'a//double//slash',
  '/leading-slash',
  'dot/./segment',
  'dotdot/../segment',
  'unicode/café',
  'unicode/cafe\u0301', // NFD, a different key from NFC
  'unicode/日本語',
  'unicode/\uff61halfwidth',
  'unicode/\u{1f600}emoji',
  'unicode/\u{10000}linear-b',
  'unicode/\ue000private',
  'tab\there',
  'dir/',
  'dir/inside',
  'dir-sibling',
  'dir.sibling',
  'dir0',
];

async function putAll(client: S3Client, bucket: string, keys: string[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function collect(iterable: AsyncIterable<ListEntry>): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

for (const target of testTargets()) {
  describe(`listS3 against ${target.name}`, () => {
    const spec = specFor(target);
    const client = createS3Client(spec, { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) });
    const bucket = uniqueBucket('list');
    const many = Array.from({ length: 1234 }, (_, i) => `zz-many/${String(i).padStart(5, '0')}`);

    before(async () => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await putAll(client, bucket, [...AWKWARD, ...many]);
    });

    after(async () => {
      await removeBucket(client, bucket);
      client.destroy();
    });

    it('returns awkward keys exactly, in UTF-8 byte order, with size, ETag and time', async () => {
      const counts: RequestCounts = {};
      const since = Date.now() - 10 * 60_000;
      const listed = await collect(listS3(client, spec, { bucket, prefix: '', counts }));
      const awkward = listed.filter((e) => !e.key.startsWith('zz-many/'));
      assert.deepEqual(
        awkward.map((e) => e.key),
        [...AWKWARD].sort(byBytes),
      );
      // JavaScript's sort would put the astral keys before U+FF61 and U+E000.
      assert.notDeepEqual([...AWKWARD].sort(), [...AWKWARD].sort(byBytes));
      for (const entry of awkward) {
        assert.equal(entry.sizeBytes, Buffer.byteLength(entry.key), entry.key);
        assert.match(entry.etag ?? '', /^[0-9a-f]{32}$/, `${entry.key}: unquoted MD5 ETag`);
        assert.ok(entry.mtimeMs > since && entry.mtimeMs < Date.now() + 60_000, entry.key);
      }
      assert.equal(listed.length, AWKWARD.length + many.length);
      assert.equal(counts['ListObjectsV2'], 2);
    });

    it('paginates > 1000 keys under a prefix, keys relative to it', async () => {
      const pages: ListPage[] = [];
      const counts: RequestCounts = {};
      const listed = await collect(
        listS3(client, spec, { bucket, prefix: 'zz-many/', counts, onPage: (p) => pages.push(p) }),
      );
      assert.deepEqual(
        listed.map((e) => e.key),
        many.map((k) => k.slice('zz-many/'.length)),
      );
      assert.deepEqual(pages, [
        { pageNumber: 1, keyCount: 1000, isLast: false },
        { pageNumber: 2, keyCount: 234, isLast: true },
      ]);
      assert.deepEqual(counts, { ListObjectsV2: 2 });
    });

    it('lists a key range (after, until] alone, serially and in parallel, stopping at its end', async () => {
      const everything = (await collect(listS3(client, spec, { bucket, prefix: '' }))).map(
        (e) => e.key,
      );
      const sorted = [...AWKWARD, ...many].sort(byBytes);
      assert.deepEqual(everything, sorted);
      // Bounds that are keys, bounds between keys, open ends, and an empty range.
      const ranges: { after?: string; until?: string }[] = [
        { after: 'zz-many/00099', until: 'zz-many/00420' },
        { after: 'plain.txt' },
        { until: 'plus+sign' },
        { after: 'zz-many/00500x', until: 'zz-many/01100!' },
        { after: 'zz-many/00007', until: 'zz-many/00007' },
      ];
      for (const range of ranges) {
        const expected = sorted.filter(
          (k) =>
            (range.after === undefined || byBytes(k, range.after) > 0) &&
            (range.until === undefined || byBytes(k, range.until) <= 0),
        );
        for (const concurrency of [1, 3]) {
          const counts: RequestCounts = {};
          const listed = await collect(
            listS3Parallel(client, spec, {
              bucket,
              prefix: '',
              pageSize: 100,
              concurrency,
              counts,
              startAfter: range.after,
              until: range.until,
            }),
          );
          const what = `${JSON.stringify(range)} at concurrency ${concurrency}`;
          assert.deepEqual(
            listed.map((e) => e.key),
            expected,
            what,
          );
          if (concurrency === 1) {
            // Only the pages that hold the range's keys (and the one crossing its end).
            assert.ok(
              (counts['ListObjectsV2'] ?? 0) <= Math.ceil(expected.length / 100) + 1,
              `${what}: ${counts['ListObjectsV2']} requests for ${expected.length} keys`,
            );
          }
        }
      }
    });

    it('keeps awkward keys exact across continuation tokens (small pages)', async () => {
      // The awkward keys all sort before zz-many/: stop there (which also closes the listing).
      const counts: RequestCounts = {};
      const awkward: string[] = [];
      for await (const entry of listS3(client, spec, { bucket, prefix: '', pageSize: 3, counts })) {
        if (entry.key.startsWith('zz-many/')) break;
        awkward.push(entry.key);
      }
      assert.deepEqual(awkward, [...AWKWARD].sort(byBytes));
      assert.ok((counts['ListObjectsV2'] ?? 0) <= Math.ceil(AWKWARD.length / 3) + 2);
    });

    it('lists a prefix verbatim: "dir/" includes the marker as "", "dir" also the siblings', async () => {
      assert.deepEqual(
        (await collect(listS3(client, spec, { bucket, prefix: 'dir/' }))).map((e) => e.key),
        ['', 'inside'],
      );
      assert.deepEqual(
        (await collect(listS3(client, spec, { bucket, prefix: 'dir' }))).map((e) => e.key),
        ['-sibling', '.sibling', '/', '/inside', '0'],
      );
      assert.deepEqual(
        (await collect(listS3(client, spec, { bucket, prefix: 'a//' }))).map((e) => e.key),
        ['double//slash'],
      );
      assert.deepEqual(
        await collect(listS3(client, spec, { bucket, prefix: 'nothing-here/' })),
        [],
      );
    });

    it('requests the next page before the consumer reaches it, and aborts it on break', async () => {
      const sent: Promise<unknown>[] = [];
      const spy = {
        send: (command: never, options: never) => {
          const response = client.send(command, options) as Promise<unknown>;
          sent.push(response);
          return response;
        },
      } as unknown as S3Client;
      const iterator = listS3(spy, spec, { bucket, prefix: 'zz-many/', pageSize: 100 });
      const first = await iterator.next();
      assert.equal(first.value?.key, '00000');
      assert.equal(sent.length, 2, 'page 2 was requested as page 1 was handed out');
      await iterator.return();
      assert.equal(sent.length, 2, 'no request after the consumer stopped');
      // The prefetched page either arrived before the abort or failed because of it, nothing else.
      const [second] = await Promise.allSettled([sent[1]!]);
      if (second.status === 'rejected') {
        assert.match((second.reason as Error).name, /Abort/);
      }
    });

    it('retries a page answered SlowDown within the budget: every key once, the retry counted', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      const viaProxy = { ...spec, endpointUrl: proxy.url };
      const proxied = createS3Client(viaProxy, {
        backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }),
      });
      try {
        // The second page request (it carries a continuation token) fails once.
        proxy.failNext(1, faults.slowDown(), (r) => r.query.includes('continuation-token'));
        const counts: RequestCounts = {};
        const listed = await collect(
          listS3(proxied, viaProxy, { bucket, prefix: 'zz-many/', counts, pageSize: 500 }),
        );
        assert.deepEqual(
          listed.map((e) => e.key),
          many.map((k) => k.slice('zz-many/'.length)),
        );
        // 3 pages of 500 + the one retried request.
        assert.deepEqual(counts, { ListObjectsV2: 4 });
        assert.equal(proxy.requests.length, 4);
      } finally {
        proxied.destroy();
        await proxy.close();
      }
    });

    it('fails a listing refused with AccessDenied at once, naming the profile', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      const viaProxy = { ...spec, endpointUrl: proxy.url };
      const proxied = createS3Client(viaProxy);
      try {
        proxy.failAlways({ kind: 'error', status: 403, code: 'AccessDenied', message: 'no' });
        const counts: RequestCounts = {};
        await assert.rejects(
          collect(listS3(proxied, viaProxy, { bucket, prefix: '', counts })),
          (e: unknown) =>
            e instanceof S3FerryError &&
            e.code === 'AccessDenied' &&
            !e.retryable &&
            e.profile === 'lister',
        );
        assert.deepEqual(counts, { ListObjectsV2: 1 });
      } finally {
        proxied.destroy();
        await proxy.close();
      }
    });

    it('translates a missing bucket into NoSuchBucket, counting the request', async () => {
      const counts: RequestCounts = {};
      await assert.rejects(
        collect(listS3(client, spec, { bucket: uniqueBucket('missing'), prefix: '', counts })),
        (e: unknown) =>
          e instanceof S3FerryError && e.code === 'NoSuchBucket' && e.profile === 'lister',
      );
      assert.equal(counts['ListObjectsV2'], 1);
    });

    it('lists the same tree in the same order as a local directory walk', async () => {
      // Every awkward key that can be a file path, written locally and to its own prefix.
      const keys = AWKWARD.filter((k) => unsafeLocalKeyProblem(k) === undefined);
      const dir = await mkdtemp(join(tmpdir(), 's3ferry-list-vs-local-'));
      try {
        for (const key of keys) {
          await mkdir(dirname(join(dir, key)), { recursive: true });
          await writeFile(join(dir, key), `same-tree/${key}`); // the body putAll writes
        }
        await putAll(
          client,
          bucket,
          keys.map((k) => `same-tree/${k}`),
        );
        const local = await collect(listLocal(dir));
        const remote = await collect(listS3(client, spec, { bucket, prefix: 'same-tree/' }));
        assert.deepEqual(
          local.map((e) => [e.key, e.sizeBytes]),
          remote.map((e) => [e.key, e.sizeBytes]),
        );
        // And the merge join pairs every key.
        const kinds = new Set<string>();
        for await (const batch of mergeJoin(
          listLocalPages(dir),
          listS3Pages(client, spec, { bucket, prefix: 'same-tree/' }),
        )) {
          for (const joined of batch) kinds.add(joined.kind);
        }
        assert.deepEqual([...kinds], ['match']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('findS3Object: the exact key only, with one LIST request', async () => {
      const counts: RequestCounts = {};
      const found = await findS3Object(client, spec, { bucket, key: 'with space.txt', counts });
      assert.ok(found !== undefined);
      assert.equal(found.key, '');
      assert.equal(found.sizeBytes, Buffer.byteLength('with space.txt'));
      assert.match(found.etag ?? '', /^[0-9a-f]{32}$/);
      assert.deepEqual(counts, { ListObjectsV2: 1 });
      // "dir" is not an object, though "dir-sibling" and "dir/…" exist.
      assert.equal(await findS3Object(client, spec, { bucket, key: 'dir', counts }), undefined);
      // "trailing space" without its space is another key.
      assert.equal(
        await findS3Object(client, spec, { bucket, key: 'trailing space', counts }),
        undefined,
      );
      assert.equal((await findS3Object(client, spec, { bucket, key: 'trailing space ' }))?.key, '');
      assert.equal(await findS3Object(client, spec, { bucket, key: 'dir/', counts }), undefined);
      assert.equal(counts['ListObjectsV2'], 3, 'dir/ is a directory: no request');
    });
  });
}
