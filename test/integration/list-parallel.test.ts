// listS3Parallel and --list-concurrency against every real target: ~5,000 keys (sequential ids,
// hex ids, awkward unicode keys) listed in parallel equal the serial listing exactly; a prefix
// that fits in one page costs one request; a server that ignores StartAfter (the real server
// behind a client that drops it) is detected and listed serially; the engine's sync with
// listConcurrency 4 copies every key and a re-sync copies none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { listS3 } from '../../src/s3/list.ts';
import { listS3Parallel } from '../../src/s3/list-parallel.ts';
import type { ListParallelStats } from '../../src/s3/list-parallel.ts';
import { fullJitterBackoff } from '../../src/s3/retry.ts';
import type { ListEntry, RequestCounts } from '../../src/shared/protocol.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, fixedConfig, keysOf, runSync, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';

const AWKWARD = [
  'u/with space',
  'u/trailing ',
  'u/plus+sign',
  'u/pct%20',
  'u/café',
  'u/cafe\u0301',
  'u/日本語',
  'u/\uff61half',
  'u/\ue000private',
  'u/\u{1f600}emoji',
  'u/\u{10000}linear-b',
  'u/a//b',
  'u/tab\there',
];

function hexId(i: number): string {
  // A fixed scramble: spread over the hex space, distinct for distinct i.
  return ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0');
}

const SEQUENTIAL = Array.from({ length: 2600 }, (_, i) => `seq/obj-${String(i).padStart(6, '0')}`);
const HEX = Array.from({ length: 2400 }, (_, i) => `hex/${hexId(i)}/${i % 7}.bin`);
const SMALL = Array.from({ length: 10 }, (_, i) => `small/${i}`);

async function collect(iterable: AsyncIterable<ListEntry>): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** The real client, except that StartAfter never reaches the server (as if it ignored it). */
function ignoringStartAfter(client: S3Client): S3Client {
  return {
    send: (command: { input: ListObjectsV2CommandInput }, options: unknown) => {
      if (command instanceof ListObjectsV2Command) delete command.input.StartAfter;
      return (client.send as (c: unknown, o: unknown) => Promise<unknown>)(command, options);
    },
  } as unknown as S3Client;
}

for (const target of testTargets()) {
  describe(`listS3Parallel against ${target.name}`, () => {
    const spec = targetSpec(target, { name: 'lister' });
    const client = createS3Client(spec, { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) });
    let bucket = '';

    before(async () => {
      bucket = await createBucket(client, 'lpar');
      const objects: Record<string, string> = {};
      for (const key of [...SEQUENTIAL, ...HEX, ...AWKWARD, ...SMALL]) objects[key] = key;
      await seed(client, bucket, objects);
    });

    after(async () => {
      await removeBucket(client, bucket);
      client.destroy();
    });

    it('lists ~5,000 keys in parallel exactly as the serial listing, in 1000-key pages', async () => {
      const serial = await collect(listS3(client, spec, { bucket, prefix: '' }));
      assert.equal(serial.length, SEQUENTIAL.length + HEX.length + AWKWARD.length + SMALL.length);
      const stats: ListParallelStats = { peakBufferedEntries: 0, emptyPages: 0, cuts: 0 };
      const counts: RequestCounts = {};
      const fallbacks: string[] = [];
      const listed = await collect(
        listS3Parallel(client, spec, {
          bucket,
          prefix: '',
          concurrency: 4,
          counts,
          stats,
          onSerialFallback: (reason) => fallbacks.push(reason),
        }),
      );
      assert.deepEqual(listed, serial);
      assert.deepEqual(fallbacks, []);
      assert.ok(stats.cuts > 0, 'ranges were cut');
      assert.ok((counts['ListObjectsV2'] ?? 0) >= 5);
    });

    it('lists in parallel with small pages and many ranges: same entries, awkward keys exact', async () => {
      for (const prefix of ['', 'u/', 'hex/', 'seq/obj-001']) {
        const serial = await collect(listS3(client, spec, { bucket, prefix, pageSize: 100 }));
        const stats: ListParallelStats = { peakBufferedEntries: 0, emptyPages: 0, cuts: 0 };
        const listed = await collect(
          listS3Parallel(client, spec, { bucket, prefix, concurrency: 8, pageSize: 37, stats }),
        );
        assert.deepEqual(listed, serial, prefix);
        if (serial.length > 37) assert.ok(stats.cuts > 0, `${prefix}: ranges were cut`);
        assert.ok(stats.peakBufferedEntries <= (2 * 8 * 2 + 1) * 37, prefix);
      }
    });

    it('costs exactly one request for a prefix that fits in one page, and for an empty one', async () => {
      for (const [prefix, n] of [
        ['small/', SMALL.length],
        ['nothing-here/', 0],
      ] as const) {
        const counts: RequestCounts = {};
        const listed = await collect(
          listS3Parallel(client, spec, { bucket, prefix, concurrency: 4, counts }),
        );
        assert.equal(listed.length, n);
        assert.deepEqual(counts, { ListObjectsV2: 1 }, prefix);
      }
    });

    it('detects a server that ignores StartAfter and lists serially, exactly', async () => {
      const serial = await collect(listS3(client, spec, { bucket, prefix: 'seq/', pageSize: 200 }));
      const fallbacks: string[] = [];
      const listed = await collect(
        listS3Parallel(ignoringStartAfter(client), spec, {
          bucket,
          prefix: 'seq/',
          concurrency: 4,
          pageSize: 200,
          onSerialFallback: (reason) => fallbacks.push(reason),
        }),
      );
      assert.deepEqual(listed, serial);
      assert.equal(fallbacks.length, 1);
    });

    it('translates a missing bucket into NoSuchBucket', async () => {
      await assert.rejects(
        collect(
          listS3Parallel(client, spec, { bucket: `${bucket}-missing`, prefix: '', concurrency: 4 }),
        ),
        (e: unknown) => (e as { code?: unknown }).code === 'NoSuchBucket',
      );
    });

    it('sync with listConcurrency 4 copies every key, and a re-sync copies none', async () => {
      const config = fixedConfig({ a: targetSpec(target, { name: 'a' }) }, 'a');
      const dst = await createBucket(client, 'lpar-dst');
      try {
        const options = {
          src: `s3+a://${bucket}/`,
          dst: `s3+a://${dst}/copy/`,
          config,
          listConcurrency: 4,
        };
        const first = await runSync(options);
        assert.equal(first.summary.objects.copied, serialCount());
        assert.equal(first.summary.objects.failed, 0);
        const copied = (await keysOf(client, dst, 'copy/')).map((k) => k.slice('copy/'.length));
        assert.deepEqual(copied, await keysOf(client, bucket));
        const again = await runSync(options);
        assert.equal(again.summary.objects.copied, 0);
        assert.equal(again.summary.objects.skipped, serialCount());
        assert.deepEqual(Object.keys(again.summary.requests), ['ListObjectsV2']);
      } finally {
        await removeBucket(client, dst);
      }
    });
  });
}

function serialCount(): number {
  return SEQUENTIAL.length + HEX.length + AWKWARD.length + SMALL.length;
}
