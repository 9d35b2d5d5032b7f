// sync --delete (library API) against every real target: extraneous keys go and the rest is
// intact; nothing is deleted when any copy failed (one PUT refused with 403 at a fault proxy);
// --max-delete refuses; batches of 1,000 keys; local destinations delete files, then the
// directories the deletes emptied, and never follow a symlink out of the destination.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SyncOptions } from '../../src/engine/options.ts';
import { createS3Client } from '../../src/s3/client.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fixedConfig,
  keysOf,
  md5s,
  objectMd5s as contents,
  runSync as run,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-sync-delete-');

/** Profiles: a (gateway 0, user 0) and, when given, px (a proxy in front of gateway 0, user 0). */
function configFor(target: TestTarget, proxyUrl?: string): NonNullable<SyncOptions['config']> {
  const profiles: Record<string, ProfileSpec> = { a: targetSpec(target, { name: 'a' }) };
  if (proxyUrl !== undefined)
    profiles['px'] = targetSpec(target, { name: 'px', endpointUrl: proxyUrl });
  return fixedConfig(profiles, 'a');
}

/** Every path under `dir` (directories with a trailing /, symlinks as `name@`), sorted. */
function pathsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const rel = join(e.parentPath, e.name).slice(dir.length + 1);
      return e.isSymbolicLink() ? `${rel}@` : e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

for (const target of testTargets()) {
  describe(`sync --delete on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { name: 'a' }));
    const buckets: string[] = [];
    after(async () => {
      for (const bucket of buckets) await removeBucket(client, bucket);
    });
    async function makeBucket(): Promise<string> {
      const bucket = await createBucket(client, 'del');
      buckets.push(bucket);
      return bucket;
    }

    const source = {
      'a.txt': 'alpha',
      'dir/b.txt': 'bravo',
      'dir/sub/c.txt': 'charlie',
      'ünï 😀': 'unicode',
    };

    it('deletes the destination keys absent at the source, after the copies, in one DeleteObjects', async () => {
      const src = await makeBucket();
      const dst = await makeBucket();
      await seed(client, src, source);
      // Stale copies of two source keys, extraneous keys inside and outside the prefix.
      await seed(client, dst, {
        'copy/a.txt': 'old and longer',
        'copy/dir/b.txt': 'bravo',
        'copy/gone.txt': 'x',
        'copy/dir/gone/deep.txt': 'y',
        'copy/weird key+%?#': 'z',
        'outside/keep.txt': 'not under the destination prefix',
      });
      const { summary, events } = await run({
        src: `s3://${src}/`,
        dst: `s3://${dst}/copy/`,
        config: configFor(target),
        shouldDelete: true,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.deleteFailures));
      assert.equal(summary.objects.deleted, 3);
      assert.equal(summary.objects.deleteFailed, 0);
      assert.equal(summary.deletesSkippedReason, undefined);
      assert.equal(summary.requests['DeleteObjects'], 1);
      assert.deepEqual(await contents(client, dst, 'copy/'), md5s(source));
      assert.deepEqual(
        await contents(client, dst, 'outside/'),
        md5s({ 'keep.txt': 'not under the destination prefix' }),
      );
      const deletes = events.filter((e) => e.kind === 'object' && e.action === 'delete');
      assert.deepEqual(deletes.map((e) => (e.kind === 'object' ? e.key : '')).sort(), [
        'dir/gone/deep.txt',
        'gone.txt',
        'weird key+%?#',
      ]);
      // Deletes come after every copy.
      const lastCopy = events.findLastIndex((e) => e.kind === 'object' && e.action === 'copy');
      const firstDelete = events.findIndex((e) => e.kind === 'object' && e.action === 'delete');
      assert.ok(lastCopy < firstDelete, `a delete at ${firstDelete} before a copy at ${lastCopy}`);
    });

    it('without --delete keeps the extraneous keys', async () => {
      const src = await makeBucket();
      const dst = await makeBucket();
      await seed(client, src, source);
      await seed(client, dst, { extra: 'x' });
      const { summary } = await run({
        src: `s3://${src}/`,
        dst: `s3://${dst}/`,
        config: configFor(target),
      });
      assert.equal(summary.status, 'ok');
      assert.equal(summary.objects.extraneous, 1);
      assert.equal(summary.objects.deleted, 0);
      assert.deepEqual(await contents(client, dst), md5s({ ...source, extra: 'x' }));
    });

    it('deletes nothing when one copy failed (its PUT refused with 403 at a proxy)', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        const src = await makeBucket();
        const dst = await makeBucket();
        await seed(client, src, { ...source, 'fail-me.txt': 'never arrives' });
        await seed(client, dst, { 'extra-1': 'x', 'dir/extra-2': 'y' });
        const refused = proxy.failAlways(
          { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
          (r) => r.method === 'PUT' && r.path.endsWith('/fail-me.txt'),
        );
        // px is another endpoint URL: the copies stream GET (gateway) → PUT (proxy).
        const { summary, events } = await run({
          src: `s3+a://${src}/`,
          dst: `s3+px://${dst}/`,
          config: configFor(target, proxy.url),
          shouldDelete: true,
        });
        assert.ok(refused.hits >= 1);
        assert.equal(summary.status, 'partial');
        assert.equal(summary.objects.failed, 1);
        assert.equal(summary.failures[0]?.key, 'fail-me.txt');
        assert.equal(summary.failures[0].error.code, 'AccessDenied');
        assert.equal(summary.objects.copied, Object.keys(source).length);
        assert.equal(summary.deletesSkippedReason, 'copy-failures');
        assert.equal(summary.objects.deleted, 0);
        assert.equal(summary.requests['DeleteObjects'], undefined);
        assert.equal(proxy.count({ method: 'POST' }), 0, 'no DeleteObjects reached the server');
        assert.ok(!events.some((e) => e.kind === 'object' && e.action === 'delete'));
        assert.deepEqual(
          await contents(client, dst),
          md5s({ ...source, 'extra-1': 'x', 'dir/extra-2': 'y' }),
        );
      } finally {
        await proxy.close();
      }
    });

    it('--max-delete: more deletes than allowed → none, status partial', async () => {
      const src = await makeBucket();
      const dst = await makeBucket();
      await seed(client, src, source);
      await seed(client, dst, { x1: '1', x2: '2', x3: '3' });
      const config = configFor(target);
      const refused = await run({
        src: `s3://${src}/`,
        dst: `s3://${dst}/`,
        config,
        shouldDelete: true,
        maxDelete: 2,
      });
      assert.equal(refused.summary.status, 'partial');
      assert.equal(refused.summary.deletesSkippedReason, 'max-delete');
      assert.equal(refused.summary.maxDelete, 2);
      assert.equal(refused.summary.objects.deleted, 0);
      assert.equal(refused.summary.objects.copied, Object.keys(source).length);
      assert.equal(refused.summary.requests['DeleteObjects'], undefined);
      assert.deepEqual(await contents(client, dst), md5s({ ...source, x1: '1', x2: '2', x3: '3' }));
      // Exactly at the limit: allowed.
      const allowed = await run({
        src: `s3://${src}/`,
        dst: `s3://${dst}/`,
        config,
        shouldDelete: true,
        maxDelete: 3,
      });
      assert.equal(allowed.summary.status, 'ok');
      assert.equal(allowed.summary.objects.deleted, 3);
      assert.deepEqual(await contents(client, dst), md5s(source));
    });

    it('deletes 2,345 keys in DeleteObjects batches of at most 1,000 (spooled to a temp file)', async () => {
      const src = await makeBucket();
      const dst = await makeBucket();
      await seed(client, src, { keep: 'k' });
      const extra: Record<string, string> = {};
      for (let i = 0; i < 2345; i++) extra[`x/${String(i).padStart(5, '0')}`] = '';
      await seed(client, dst, { ...extra, keep: 'k' });
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        const { summary } = await run({
          src: `s3+px://${src}/`,
          dst: `s3+px://${dst}/`,
          config: configFor(target, proxy.url),
          shouldDelete: true,
        });
        assert.equal(summary.status, 'ok', JSON.stringify(summary.deleteFailures.slice(0, 3)));
        assert.equal(summary.objects.deleted, 2345);
        assert.equal(summary.requests['DeleteObjects'], 3);
        const deletes = proxy.requests.filter(
          (r) => r.method === 'POST' && /(^|&)delete(=|&|$)/.test(r.query),
        );
        assert.equal(deletes.length, 3);
        // Content-MD5 is sent (RGW and S3 require an integrity header on DeleteObjects).
        for (const r of deletes) assert.equal(r.headers['content-md5'], r.bodyMd5);
      } finally {
        await proxy.close();
      }
      assert.deepEqual(await keysOf(client, dst), ['keep']);
    });

    it('local destination: deletes files, then the directories that emptied; never through a symlink', async () => {
      const src = await makeBucket();
      await seed(client, src, source);
      const dst = freshDir('dst');
      const outside = freshDir('outside');
      writeTree(outside, { 'precious/1.txt': 'p1', 'precious/2.txt': 'p2', 'file.txt': 'f' });
      writeTree(dst, {
        'a.txt': 'stale, another size',
        'stale.txt': 's',
        'dir/gone/deep/1': '1',
        'dir/gone/2': '2',
        'dir/sub/extra': 'e',
        'only/extra': 'o',
      });
      mkdirSync(join(dst, 'was-empty'));
      symlinkSync(join(outside, 'precious'), join(dst, 'linked-dir'));
      symlinkSync(join(outside, 'file.txt'), join(dst, 'linked-file'));
      const { summary } = await run({
        src: `s3://${src}/`,
        dst,
        config: configFor(target),
        shouldDelete: true,
      });
      // a.txt differs in size, the rest is missing. The two files behind the directory link are
      // refused, so the run is partial.
      assert.equal(summary.objects.copied, 4);
      assert.deepEqual(
        summary.deleteFailures.map((f) => [f.key, f.error.code]),
        [
          ['linked-dir/1.txt', 'SymlinkInPath'],
          ['linked-dir/2.txt', 'SymlinkInPath'],
        ],
      );
      assert.equal(summary.objects.deleted, 6);
      assert.equal(summary.status, 'partial');
      // Outside the destination nothing changed.
      assert.deepEqual(pathsUnder(outside), [
        'file.txt',
        'precious/',
        'precious/1.txt',
        'precious/2.txt',
      ]);
      assert.deepEqual(pathsUnder(dst), [
        'a.txt',
        'dir/',
        'dir/b.txt',
        'dir/sub/',
        'dir/sub/c.txt',
        'linked-dir@',
        'was-empty/',
        'ünï 😀',
      ]);
      assert.ok(existsSync(dst));
      for (const [key, body] of Object.entries(source)) {
        assert.equal(readFileSync(join(dst, key), 'utf8'), body, key);
      }
    });
  });
}
