// sync --dry-run (library API) against every real target, every request through a counting
// proxy: the plan names each copy and delete with its reason, only GET requests (listings) reach
// the server, and the destination is identical before and after, for S3 and local destinations.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncOptions } from '../../src/engine/options.ts';
import type { SyncEvent } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fixedConfig,
  md5,
  runSync as run,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { root: tmpRoot } = tempRoot('s3ferry-sync-dry-run-');

/** One profile, px: user 0 through the proxy. Both sides use it (server-side copies planned). */
function configFor(target: TestTarget, proxyUrl: string): NonNullable<SyncOptions['config']> {
  return fixedConfig({ px: targetSpec(target, { name: 'px', endpointUrl: proxyUrl }) }, 'px');
}

/** `action key reason` of each planned copy and delete, sorted. */
function plan(events: SyncEvent[]): string[] {
  return events
    .flatMap((e) =>
      e.kind === 'object' && e.action !== 'skip' ? [`${e.action} ${e.key} ${e.reason}`] : [],
    )
    .sort();
}

/** Key → size, MD5 and LastModified of every object in the bucket. */
async function snapshotBucket(client: S3Client, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const body = md5(await got.Body!.transformToByteArray());
      out[o.Key!] = `${o.Size} ${body} ${o.LastModified?.toISOString()}`;
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return out;
}

/** Path → kind, size and mtime of everything under `dir`. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    const st = statSync(path);
    out[path.slice(dir.length + 1)] =
      `${e.isDirectory() ? 'dir' : 'file'} ${st.size} ${st.mtimeMs}`;
  }
  return out;
}

/** Methods of every request the proxy saw, with counts. */
function methods(proxy: FaultProxy): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of proxy.requests) out[r.method] = (out[r.method] ?? 0) + 1;
  return out;
}

for (const target of testTargets()) {
  describe(`sync --dry-run on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { name: 'direct' }));
    const buckets: string[] = [];
    let proxy: FaultProxy;
    before(async () => {
      proxy = await FaultProxy.start(target.endpoints[0]);
    });
    after(async () => {
      await proxy.close();
      for (const bucket of buckets) await removeBucket(client, bucket);
    });
    async function makeBucket(objects: Objects): Promise<string> {
      const bucket = await createBucket(client, 'dry');
      buckets.push(bucket);
      await seed(client, bucket, objects);
      return bucket;
    }
    /** Clears the proxy's log, then runs a dry run of SRC → DST through it. */
    function dryRun(src: string, dst: string, options: Partial<SyncOptions> = {}) {
      proxy.clearLog();
      return run({ src, dst, config: configFor(target, proxy.url), isDryRun: true, ...options });
    }

    it('S3 → S3 with --delete: the plan with reasons, GET requests only, nothing changed', async () => {
      // Destination first, so that a same-size source written a second later is newer.
      const dst = await makeBucket({
        'size.txt': 'short',
        'newer.txt': 'aaaa',
        'extra/1': 'x',
        'extra/2': 'y',
      });
      await sleep(1100);
      const src = await makeBucket({
        'same.txt': 'same',
        'size.txt': 'much longer',
        'newer.txt': 'bbbb',
        'new/one': 'n',
      });
      // same.txt: written to the destination after the source, so the default rule skips it.
      await client.send(new PutObjectCommand({ Bucket: dst, Key: 'same.txt', Body: 'same' }));
      const before = await snapshotBucket(client, dst);
      const { summary, events } = await dryRun(`s3+px://${src}/`, `s3+px://${dst}/`, {
        shouldDelete: true,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(plan(events), [
        'copy new/one missing',
        'copy newer.txt newer',
        'copy size.txt size-differs',
        'delete extra/1 extraneous',
        'delete extra/2 extraneous',
      ]);
      assert.equal(summary.isDryRun, true);
      assert.equal(summary.objects.wouldCopy, 3);
      assert.equal(summary.bytes.wouldCopy, 'n'.length + 'bbbb'.length + 'much longer'.length);
      assert.equal(summary.objects.wouldDelete, 2);
      assert.equal(summary.objects.copied, 0);
      assert.equal(summary.objects.deleted, 0);
      assert.deepEqual(summary.requests, { ListObjectsV2: 2 });
      assert.deepEqual(methods(proxy), { GET: 2 });
      assert.deepEqual(await snapshotBucket(client, dst), before);
    });

    it('--checksum: plans checksum-differs for a same-size change, still GET only', async () => {
      const src = await makeBucket({ 'a.txt': 'abcd', 'b.txt': 'same' });
      const dst = await makeBucket({ 'a.txt': 'wxyz', 'b.txt': 'same' });
      const before = await snapshotBucket(client, dst);
      const { summary, events } = await dryRun(`s3+px://${src}/`, `s3+px://${dst}/`, {
        mode: 'checksum',
      });
      assert.equal(summary.status, 'ok');
      assert.deepEqual(plan(events), ['copy a.txt checksum-differs']);
      assert.deepEqual(Object.keys(methods(proxy)), ['GET']);
      assert.deepEqual(await snapshotBucket(client, dst), before);
    });

    it('--max-delete in a dry run reports the refusal and deletes nothing', async () => {
      const src = await makeBucket({ keep: 'k' });
      const dst = await makeBucket({ keep: 'k', x1: '1', x2: '2' });
      const { summary } = await dryRun(`s3+px://${src}/`, `s3+px://${dst}/`, {
        shouldDelete: true,
        maxDelete: 1,
      });
      assert.equal(summary.status, 'partial');
      assert.equal(summary.deletesSkippedReason, 'max-delete');
      assert.equal(summary.objects.wouldDelete, 2);
      assert.deepEqual(Object.keys(methods(proxy)), ['GET']);
    });

    it('S3 → local with --delete: the plan, GET requests only, the directory untouched', async () => {
      const src = await makeBucket({
        'a.txt': 'alpha',
        'dir/b.txt': 'bravo',
        'size.txt': 'long one',
      });
      const dst = join(tmpRoot, `local-${target.name}`);
      writeTree(dst, { 'size.txt': 'short', 'dir/extra.txt': 'e', 'gone/deep/x': 'x' });
      mkdirSync(join(dst, 'empty'));
      const before = snapshotDir(dst);
      const { summary, events } = await dryRun(`s3+px://${src}/`, dst, { shouldDelete: true });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(plan(events), [
        'copy a.txt missing',
        'copy dir/b.txt missing',
        'copy size.txt size-differs',
        'delete dir/extra.txt extraneous',
        'delete gone/deep/x extraneous',
      ]);
      assert.deepEqual(methods(proxy), { GET: 1 });
      assert.deepEqual(snapshotDir(dst), before);
    });

    it('local → S3 with --checksum: hashes local files (reads only), plans, writes nothing', async () => {
      const srcDir = join(tmpRoot, `upload-${target.name}`);
      writeTree(srcDir, { 'a.txt': 'abcd', 'b.txt': 'same', 'c.txt': 'new' });
      // Old mtimes: without --checksum the default rule would skip a.txt.
      utimesSync(join(srcDir, 'a.txt'), new Date(2000, 0, 1), new Date(2000, 0, 1));
      const dst = await makeBucket({ 'a.txt': 'wxyz', 'b.txt': 'same', 'z.txt': 'extra' });
      const before = await snapshotBucket(client, dst);
      const { summary, events } = await dryRun(srcDir, `s3+px://${dst}/`, {
        mode: 'checksum',
        shouldDelete: true,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(plan(events), [
        'copy a.txt checksum-differs',
        'copy c.txt missing',
        'delete z.txt extraneous',
      ]);
      assert.deepEqual(methods(proxy), { GET: 1 });
      assert.deepEqual(await snapshotBucket(client, dst), before);
    });
  });
}
