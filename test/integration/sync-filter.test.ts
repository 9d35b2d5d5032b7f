// --include/--exclude and glob sources (library API) against every real target: exactly the
// selected keys arrive, with their content; a glob's listing asks only for its literal prefix
// (ListObjectsV2 `prefix=` at a proxy), on both sides; --delete never deletes filtered-out
// destination keys, --delete-excluded does; uploads and downloads filter the same way.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { sync } from '../../src/engine/run.ts';
import type { SyncOptions } from '../../src/engine/options.ts';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s as localContents,
  fixedConfig,
  md5,
  objectMd5s as contents,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { root: tmpRoot } = tempRoot('s3ferry-sync-filter-');

/** The source tree: each key's content is its own name, so content checks catch mix-ups. */
const SOURCE_KEYS = [
  'logs/2023-12/a.gz',
  'logs/2024-01/a.gz',
  'logs/2024-01/b.log',
  'logs/2024-02/sub/c.gz',
  'logs/readme.txt',
  'other/x.gz',
  'photos/a.jpg',
  'photos/c.png',
  'photos/tmp/b.jpg',
  'top.jpg',
  'lit*star/a.txt',
  'lit-other/a.txt',
] as const;

/** Profile `px`: gateway 0, user 0, through a logging proxy (both sides, so copies are server-side). */
function configFor(target: TestTarget, proxyUrl: string): NonNullable<SyncOptions['config']> {
  return fixedConfig({ px: targetSpec(target, { name: 'px', endpointUrl: proxyUrl }) }, 'px');
}

/** Puts each key with its own name as its content. */
async function put(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  await seed(client, bucket, Object.fromEntries(keys.map((key) => [key, key])));
}

/** What a destination must hold: `dstKey → md5(source key)`. */
function expected(pairs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(pairs).map(([dst, src]) => [dst, md5(src)]));
}

/** The `prefix=` of each ListObjectsV2 the proxy saw for `bucket` (`''` for none). */
function listPrefixes(requests: readonly ProxiedRequest[], bucket: string): string[] {
  return requests
    .filter(
      (r) =>
        r.method === 'GET' &&
        r.path.replace(/\/$/, '') === `/${bucket}` &&
        new URLSearchParams(r.query).get('list-type') === '2',
    )
    .map((r) => new URLSearchParams(r.query).get('prefix') ?? '');
}

for (const target of testTargets()) {
  describe(`filters and glob sources on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    let proxy: FaultProxy;
    let config: NonNullable<SyncOptions['config']>;
    let src: string;
    const buckets: string[] = [];

    const newBucket = async (): Promise<string> => {
      const bucket = await createBucket(client, 'flt');
      buckets.push(bucket);
      return bucket;
    };
    const run = async (options: Omit<SyncOptions, 'config'>): Promise<SyncSummary> => {
      const summary = await sync({ workers: 2, tasksPerWorker: 4, config, ...options });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      return summary;
    };

    before(async () => {
      proxy = await FaultProxy.start(target.endpoints[0]);
      config = configFor(target, proxy.url);
      src = await newBucket();
      await put(client, src, SOURCE_KEYS);
    });
    after(async () => {
      for (const bucket of buckets) await removeBucket(client, bucket);
      await proxy.close();
      client.destroy();
    });

    it('a glob SRC copies exactly its matches, relative to the root, listing only its literal prefix (both sides)', async () => {
      const dst = await newBucket();
      await put(client, dst, ['g1/2023-12/old.gz', 'g1/unrelated.txt']);
      const seen = proxy.requests.length;
      const summary = await run({
        src: `s3+px://${src}/logs/2024-*/**`,
        dst: `s3+px://${dst}/g1/`,
        shouldDelete: true,
      });
      assert.deepEqual(
        await contents(client, dst, 'g1/'),
        expected({
          '2024-01/a.gz': 'logs/2024-01/a.gz',
          '2024-01/b.log': 'logs/2024-01/b.log',
          '2024-02/sub/c.gz': 'logs/2024-02/sub/c.gz',
          // Outside the glob at the destination: not extraneous, so --delete leaves them.
          '2023-12/old.gz': 'g1/2023-12/old.gz',
          'unrelated.txt': 'g1/unrelated.txt',
        }),
      );
      assert.deepEqual([summary.objects.listed, summary.objects.copied], [3, 3]);
      assert.equal(summary.objects.deleted, 0);
      const requests = proxy.requests.slice(seen);
      // One page each, and never the rest of the bucket (other/, photos/, logs/2023-12/).
      assert.deepEqual(listPrefixes(requests, src), ['logs/2024-']);
      assert.deepEqual(listPrefixes(requests, dst), ['g1/2024-']);
    });

    it('megfile globs: {a,b} alternatives, a matched directory in full, ** for any depth', async () => {
      const dst = await newBucket();
      await run({ src: `s3+px://${src}/{top.jpg,photos}`, dst: `s3+px://${dst}/b/` });
      assert.deepEqual(
        await contents(client, dst, 'b/'),
        expected({
          'top.jpg': 'top.jpg',
          'photos/a.jpg': 'photos/a.jpg',
          'photos/c.png': 'photos/c.png',
          'photos/tmp/b.jpg': 'photos/tmp/b.jpg',
        }),
      );
      await run({ src: `s3+px://${src}/logs/**/*.gz`, dst: `s3+px://${dst}/gz/` });
      assert.deepEqual(
        await contents(client, dst, 'gz/'),
        expected({
          '2023-12/a.gz': 'logs/2023-12/a.gz',
          '2024-01/a.gz': 'logs/2024-01/a.gz',
          '2024-02/sub/c.gz': 'logs/2024-02/sub/c.gz',
        }),
      );
    });

    it('a backslash makes a wildcard literal: lit\\*star/ is one prefix, not a glob', async () => {
      const dst = await newBucket();
      const seen = proxy.requests.length;
      await run({ src: `s3+px://${src}/lit\\*star/`, dst: `s3+px://${dst}/` });
      assert.deepEqual(await contents(client, dst), expected({ 'a.txt': 'lit*star/a.txt' }));
      assert.deepEqual(listPrefixes(proxy.requests.slice(seen), src), ['lit*star/']);
    });

    it('--include/--exclude select exactly the matching keys, exclude winning', async () => {
      const dst = await newBucket();
      await run({
        src: `s3+px://${src}/`,
        dst: `s3+px://${dst}/`,
        include: ['*.jpg', '*.gz'],
        exclude: ['tmp/', '2023-*'],
      });
      assert.deepEqual(
        await contents(client, dst),
        expected({
          'logs/2024-01/a.gz': 'logs/2024-01/a.gz',
          'logs/2024-02/sub/c.gz': 'logs/2024-02/sub/c.gz',
          'other/x.gz': 'other/x.gz',
          'photos/a.jpg': 'photos/a.jpg',
          'top.jpg': 'top.jpg',
        }),
      );
    });

    it('filters apply relative to a glob root; a single object is filtered by its name', async () => {
      const dst = await newBucket();
      await run({
        src: `s3+px://${src}/logs/*`,
        dst: `s3+px://${dst}/l/`,
        exclude: ['/*.txt', 'sub'],
        include: ['2024-*/**', 'readme.txt'],
      });
      assert.deepEqual(
        await contents(client, dst, 'l/'),
        expected({ '2024-01/a.gz': 'logs/2024-01/a.gz', '2024-01/b.log': 'logs/2024-01/b.log' }),
      );
      const single = await run({
        src: `s3+px://${src}/top.jpg`,
        dst: `s3+px://${dst}/single.jpg`,
        exclude: ['*.jpg'],
      });
      assert.equal(single.objects.copied, 0);
      assert.deepEqual(await contents(client, dst, 'single'), {});
    });

    it('--delete keeps filtered-out destination keys; --delete-excluded deletes them', async () => {
      const dst = await newBucket();
      await put(client, dst, ['keep.tmp', 'stale.txt', 'photos/tmp/old.jpg']);
      await run({
        src: `s3+px://${src}/photos/`,
        dst: `s3+px://${dst}/`,
        exclude: ['*.tmp', 'tmp/'],
        shouldDelete: true,
      });
      assert.deepEqual(Object.keys(await contents(client, dst)).sort(), [
        'a.jpg',
        'c.png',
        'keep.tmp',
        'photos/tmp/old.jpg',
      ]);
      await run({
        src: `s3+px://${src}/photos/`,
        dst: `s3+px://${dst}/`,
        exclude: ['*.tmp', 'tmp/'],
        shouldDelete: true,
        shouldDeleteExcluded: true,
      });
      assert.deepEqual(
        await contents(client, dst),
        expected({ 'a.jpg': 'photos/a.jpg', 'c.png': 'photos/c.png' }),
      );
    });

    it('uploads a local glob and downloads with filters', async () => {
      const local = join(tmpRoot, `${target.name}-up`);
      const files = ['a.txt', 'b.txt', 'c.bin', 'sub/d.txt', 'sub/e.bin', 'skip/f.txt'];
      writeTree(local, Object.fromEntries(files.map((file) => [file, file])));
      const dst = await newBucket();
      await run({ src: join(local, '{a.txt,sub}'), dst: `s3+px://${dst}/up/` });
      await run({ src: join(local, '*.txt'), dst: `s3+px://${dst}/txt/` });
      assert.deepEqual(
        await contents(client, dst),
        expected({
          'up/a.txt': 'a.txt',
          'up/sub/d.txt': 'sub/d.txt',
          'up/sub/e.bin': 'sub/e.bin',
          'txt/a.txt': 'a.txt',
          'txt/b.txt': 'b.txt',
        }),
      );

      const down = join(tmpRoot, `${target.name}-down`);
      await run({
        src: `s3+px://${src}/photos/`,
        dst: down,
        include: ['*.jpg'],
        exclude: ['tmp'],
      });
      assert.deepEqual(localContents(down), expected({ 'a.jpg': 'photos/a.jpg' }));
    });

    it('refuses a wildcard in the bucket name and a negated pattern before listing', async () => {
      const seen = proxy.requests.length;
      await assert.rejects(
        sync({ src: `s3+px://${src.slice(0, 5)}*/x`, dst: join(tmpRoot, 'never'), config }),
        (error: unknown) => error instanceof S3FerryError && error.kind === 'usage',
      );
      await assert.rejects(
        sync({ src: `s3+px://${src}/`, dst: join(tmpRoot, 'never'), config, exclude: ['!x'] }),
        (error: unknown) => error instanceof S3FerryError && error.kind === 'usage',
      );
      assert.equal(proxy.requests.length, seen);
    });
  });
}
