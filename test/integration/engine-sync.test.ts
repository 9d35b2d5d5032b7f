// The sync engine (library API) against every real target: destination content (MD5) for each copy
// path, request counts (server-side = one CopyObject per object + listing pages), re-syncs that
// only LIST, comparison modes, both client cache modes with real worker threads, failures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncOptions } from '../../src/engine/options.ts';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { SMALL_OBJECT_MAX_BYTES } from '../../src/s3/transfer/small-object.ts';
import type { ClientCacheMode, ProfileSpec } from '../../src/shared/profile.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fixedConfig,
  md5,
  md5s as md5sOf,
  objectMd5s,
  runSync as run,
  seed as seedObjects,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { root: tmpRoot } = tempRoot('s3ferry-engine-');

/** Awkward keys that must round-trip exactly (S3 destinations). */
const AWKWARD = [
  'sp ace.txt',
  'plus+sign',
  'pct%20x',
  'q?mark',
  'hash#tag',
  'ünï/cødé',
  'trail ',
  'emoji😀',
];

function specFor(target: TestTarget, endpoint: 0 | 1, user: 0 | 1, name: string): ProfileSpec {
  return targetSpec(target, { endpoint, user, name });
}

/** A config resolver over fixed profiles: a (gateway 0, user 0), b (gateway 1, user 1), c (gateway 0, user 0 again). */
function configFor(
  target: TestTarget,
  cacheMode: ClientCacheMode = 'thread_local',
): NonNullable<SyncOptions['config']> {
  return fixedConfig(
    {
      a: specFor(target, 0, 0, 'a'),
      b: specFor(target, 1, 1, 'b'),
      c: specFor(target, 0, 0, 'c'),
      bad: {
        ...specFor(target, 0, 0, 'bad'),
        credentials: { accessKeyId: 'NOPE', secretAccessKey: 'wrong-secret-key' },
      },
    },
    'a',
    cacheMode,
  );
}

async function makeBucket(client: S3Client): Promise<string> {
  return createBucket(client, 'eng');
}

/** Seeds objects with a content type set. */
function seed(client: S3Client, bucket: string, objects: Objects): Promise<void> {
  return seedObjects(client, bucket, objects, { ContentType: 'application/x-test' });
}

function sampleObjects(n: number, awkward = true): Record<string, Uint8Array> {
  const objects: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++)
    objects[`dir/obj-${String(i).padStart(3, '0')}`] = randomBytes(100 + i * 37);
  if (awkward) for (const key of AWKWARD) objects[key] = randomBytes(333);
  objects['empty'] = new Uint8Array(0);
  return objects;
}

function listOnly(summary: SyncSummary): void {
  assert.deepEqual(
    Object.keys(summary.requests),
    ['ListObjectsV2'],
    JSON.stringify(summary.requests),
  );
}

for (const target of testTargets()) {
  describe(`sync engine on ${target.name}`, () => {
    const c0 = createS3Client(specFor(target, 0, 0, 'a'));
    const c1 = createS3Client(specFor(target, 1, 1, 'b'));

    for (const mode of ['thread_local', 'process_local'] as const) {
      it(`copies S3→S3 server-side with one CopyObject per object, then re-syncs with LISTs only (${mode})`, async () => {
        const src = await makeBucket(c0);
        const dst = await makeBucket(c0);
        const objects = sampleObjects(40);
        await seed(c0, src, objects);
        const config = configFor(target, mode);
        const first = await run({ src: `s3+a://${src}/`, dst: `s3+c://${dst}/copy/`, config });
        assert.equal(first.summary.status, 'ok', JSON.stringify(first.summary.failures));
        const n = Object.keys(objects).length;
        assert.equal(first.summary.objects.copied, n);
        assert.deepEqual(first.summary.objects.byMethod, { 'server-side': n });
        // One page per side (the destination is empty), one CopyObject per object, nothing else.
        assert.deepEqual(first.summary.requests, { ListObjectsV2: 2, CopyObject: n });
        assert.deepEqual(await objectMd5s(c0, dst, 'copy/'), md5sOf(objects));

        const again = await run({ src: `s3+a://${src}/`, dst: `s3+c://${dst}/copy/`, config });
        assert.equal(again.summary.objects.copied, 0);
        assert.equal(again.summary.objects.skipped, n);
        listOnly(again.summary);
      });
    }

    it('proves the client cache modes with real threads: thread_local builds one client per worker, process_local one per process', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      // Across credentials and above the small-object size: streamed GET → PUT, run by the pool.
      const objects: Record<string, Uint8Array> = {};
      for (let i = 0; i < 8; i++) objects[`big/${i}`] = randomBytes(SMALL_OBJECT_MAX_BYTES + 1 + i);
      await seed(c0, src, objects);
      const local = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        config: configFor(target, 'thread_local'),
        tasksPerWorker: 2,
      });
      assert.equal(local.summary.status, 'ok');
      const workerThreads = Object.keys(local.summary.clientsBuiltByThread).filter(
        (t) => t !== 'main',
      );
      assert.equal(workerThreads.length, 2, JSON.stringify(local.summary.clientsBuiltByThread));
      for (const t of workerThreads)
        assert.deepEqual(local.summary.clientsBuiltByThread[t], { a: 1, b: 1 });

      const shared = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        mode: 'force',
        config: configFor(target, 'process_local'),
      });
      assert.equal(shared.summary.objects.copied, 8);
      assert.deepEqual(shared.summary.clientsBuilt, { a: 1, b: 1 });
      assert.deepEqual(Object.keys(shared.summary.clientsBuiltByThread), ['main']);
    });

    it('runs small streamed copies on the main thread without starting a worker (thread_local)', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      const objects = sampleObjects(60, false);
      await seed(c0, src, objects);
      const { summary } = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        config: configFor(target, 'thread_local'),
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(summary.objects.byMethod, { stream: Object.keys(objects).length });
      // Up to INLINE_SMALL_COPIES of them: one GET and one PUT each, no pool started.
      assert.deepEqual(summary.clientsBuiltByThread, { main: { a: 1, b: 1 } });
      assert.deepEqual(await objectMd5s(c1, dst), md5sOf(objects));
    });

    it('runs server-side copies on the main thread without starting a worker (thread_local)', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c0);
      const objects = sampleObjects(30);
      await seed(c0, src, objects);
      const { summary } = await run({
        src: `s3+a://${src}`,
        dst: `s3+a://${dst}`,
        config: configFor(target, 'thread_local'),
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(summary.objects.byMethod, { 'server-side': Object.keys(objects).length });
      // No bytes pass through s3ferry, so no thread hop: only the main thread built a client.
      assert.deepEqual(summary.clientsBuiltByThread, { main: { a: 1 } });
      assert.deepEqual(await objectMd5s(c0, dst), md5sOf(objects));
    });

    it('streams S3→S3 across endpoints and credentials (multipart above the threshold)', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      const objects = { ...sampleObjects(10), big: randomBytes(12 * 1024 * 1024) };
      await seed(c0, src, objects);
      const { summary } = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        config: configFor(target),
        multipartThresholdBytes: 6 * 1024 * 1024,
        partSizeBytes: 5 * 1024 * 1024,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(summary.objects.byMethod, { stream: Object.keys(objects).length });
      assert.ok((summary.requests['UploadPart'] ?? 0) >= 3, JSON.stringify(summary.requests));
      assert.deepEqual(await objectMd5s(c1, dst), md5sOf(objects));
    });

    it('uploads local→S3, downloads S3→local with mtimes set (re-sync skips), and copies local→local', async () => {
      const dir = join(tmpRoot, `up-${target.name}`);
      const files: Record<string, Uint8Array> = {
        'a.txt': randomBytes(10),
        'sub/b.bin': randomBytes(7 * 1024 * 1024),
        'sub/deeper/c': randomBytes(1),
      };
      writeTree(dir, files);
      const bucket = await makeBucket(c0);
      const up = await run({
        src: dir,
        dst: `s3+a://${bucket}/up`,
        config: configFor(target),
        multipartThresholdBytes: 6 * 1024 * 1024,
      });
      assert.equal(up.summary.status, 'ok', JSON.stringify(up.summary.failures));
      assert.deepEqual(up.summary.objects.byMethod, { upload: 3 });
      assert.deepEqual(await objectMd5s(c0, bucket, 'up/'), md5sOf(files));
      const upAgain = await run({
        src: dir,
        dst: `s3+a://${bucket}/up`,
        config: configFor(target),
      });
      assert.equal(upAgain.summary.objects.skipped, 3);
      listOnly(upAgain.summary);

      const down = join(tmpRoot, `down-${target.name}`);
      const got = await run({ src: `s3+a://${bucket}/up/`, dst: down, config: configFor(target) });
      assert.equal(got.summary.status, 'ok', JSON.stringify(got.summary.failures));
      for (const [rel, body] of Object.entries(files)) {
        assert.equal(md5(readFileSync(join(down, rel))), md5(body), rel);
      }
      const listed = await c0.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'up/a.txt' }),
      );
      const lastModified = listed.Contents![0]!.LastModified!.getTime();
      assert.equal(
        Math.floor(statSync(join(down, 'a.txt')).mtimeMs / 1000),
        Math.floor(lastModified / 1000),
      );
      const downAgain = await run({
        src: `s3+a://${bucket}/up/`,
        dst: down,
        config: configFor(target),
      });
      assert.equal(downAgain.summary.objects.copied, 0);
      listOnly(downAgain.summary);

      const copy = join(tmpRoot, `copy-${target.name}`);
      const local = await run({ src: dir, dst: copy, config: configFor(target) });
      assert.deepEqual(local.summary.objects.byMethod, { local: 3 });
      for (const [rel, body] of Object.entries(files))
        assert.equal(md5(readFileSync(join(copy, rel))), md5(body));
      assert.equal(local.summary.requestsTotal, 0);
    });

    it('applies each comparison mode', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c0);
      await seed(c0, src, {
        same: Buffer.from('same'),
        grown: Buffer.from('new content'),
        missing: Buffer.from('m'),
      });
      // The destination is written later (newer): default skips same-size keys, copies size changes.
      await seed(c0, dst, {
        same: Buffer.from('SAME'),
        grown: Buffer.from('old'),
        extra: Buffer.from('x'),
      });
      const config = configFor(target);
      const at = { src: `s3+a://${src}`, dst: `s3+a://${dst}`, config };
      const reasons = (events: SyncEvent[]): Record<string, string> =>
        Object.fromEntries(
          events.flatMap((e) => (e.kind === 'object' ? [[e.key, `${e.action}:${e.reason}`]] : [])),
        );

      const skipExisting = await run({ ...at, mode: 'skip-existing' });
      assert.deepEqual(reasons(skipExisting.events), {
        grown: 'skip:exists',
        missing: 'copy:missing',
        same: 'skip:exists',
      });
      assert.equal(skipExisting.summary.objects.extraneous, 1);
      const sizeOnly = await run({ ...at, mode: 'size-only' });
      assert.deepEqual(reasons(sizeOnly.events), {
        grown: 'copy:size-differs',
        missing: 'skip:same',
        same: 'skip:same',
      });
      const checksum = await run({ ...at, mode: 'checksum' });
      assert.deepEqual(reasons(checksum.events), {
        grown: 'skip:checksum-same',
        missing: 'skip:checksum-same',
        same: 'copy:checksum-differs',
      });
      assert.deepEqual(await objectMd5s(c0, dst), {
        extra: md5(Buffer.from('x')),
        grown: md5(Buffer.from('new content')),
        missing: md5(Buffer.from('m')),
        same: md5(Buffer.from('same')),
      });
      const force = await run({ ...at, mode: 'force' });
      assert.equal(force.summary.objects.copied, 3);
      const dflt = await run(at);
      assert.equal(dflt.summary.objects.skipped, 3);
    });

    it('does not copy zero-byte directory markers (key/) as objects or files', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c0);
      const objects = { 'm/x': randomBytes(10), y: randomBytes(20) };
      await seed(c0, src, { ...objects, 'm/': new Uint8Array(0), 'm/sub/': new Uint8Array(0) });

      const toS3 = await run({
        src: `s3+a://${src}/`,
        dst: `s3+c://${dst}/`,
        config: configFor(target),
      });
      assert.equal(toS3.summary.status, 'ok', JSON.stringify(toS3.summary.failures));
      assert.deepEqual(await objectMd5s(c0, dst), md5sOf(objects));

      const dir = mkdtempSync(join(tmpRoot, 'markers-'));
      const toLocal = await run({ src: `s3+a://${src}/`, dst: dir, config: configFor(target) });
      assert.equal(toLocal.summary.status, 'ok', JSON.stringify(toLocal.summary.failures));
      assert.deepEqual(readdirSync(dir, { recursive: true }).map(String).sort(), ['m', 'm/x', 'y']);
      assert.equal(md5(readFileSync(join(dir, 'm/x'))), md5(objects['m/x']));
    });

    it('fails one object with its key and code and keeps going (a key that would escape the local destination)', async () => {
      const bucket = await makeBucket(c0);
      await seed(c0, bucket, {
        'ok/a': Buffer.from('a'),
        'ok/../../escape': Buffer.from('evil'),
        'ok/b': Buffer.from('b'),
      });
      const down = join(tmpRoot, `unsafe-${target.name}`);
      const { summary, events } = await run({
        src: `s3+a://${bucket}/ok/`,
        dst: down,
        config: configFor(target),
      });
      assert.equal(summary.status, 'partial');
      assert.equal(summary.objects.copied, 2);
      assert.equal(summary.objects.failed, 1);
      assert.equal(summary.failures[0]!.key, '../../escape');
      assert.equal(summary.failures[0]!.error.code, 'UnsafeKey');
      assert.ok(events.some((e) => e.kind === 'failure' && e.key === '../../escape'));
      assert.equal(readFileSync(join(down, 'a'), 'utf8'), 'a');
    });

    // moto accepts any keys: only a target that checks credentials can refuse them.
    it(
      'rejects bad credentials before anything is dispatched, as a fatal error',
      { skip: !target.usersIsolated && 'this target accepts any credentials' },
      async () => {
        const src = await makeBucket(c0);
        await assert.rejects(
          run({ src: `s3+bad://${src}`, dst: join(tmpRoot, 'never'), config: configFor(target) }),
          (error: unknown) => {
            const e = error as { fatal?: boolean; kind?: string };
            assert.equal(e.fatal, true);
            assert.equal(e.kind, 'auth');
            return true;
          },
        );
      },
    );
  });
}
