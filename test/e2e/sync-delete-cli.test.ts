// End to end: `s3ferry sync --delete / --max-delete / --dry-run` through the built CLI (no loader)
// against every test target, with profiles in a temp credentials file. Checks what a user checks:
// the destination's keys and bytes, the exit code, the lines on stdout/stderr, the --json plan.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli as s3ferry } from '../helpers/cli.ts';
import type { CliProfile } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s as contents, seed } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { root: tmpRoot, freshDir } = tempRoot('s3ferry-e2e-delete-');

/** A temp HOME whose credentials file has profile `t` (gateway 0, user 0) and, optionally, `px`. */
function envFor(target: TestTarget, proxyUrl?: string): NodeJS.ProcessEnv {
  const user = target.users[0];
  const profiles: Record<string, CliProfile> = { t: { endpoint: target.endpoints[0], user } };
  if (proxyUrl !== undefined) profiles['px'] = { endpoint: proxyUrl, user };
  return cliEnv(freshDir('home'), profiles, { MEGFILE_MAX_RETRY_TIMES: '1' });
}

describe('s3ferry sync --help', () => {
  it('lists --delete, --max-delete and --dry-run with their defaults', async () => {
    const { code, stdout } = await s3ferry(process.env, ['sync', '--help']);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /--delete\s+delete destination keys absent at the source.*\(default: off\)/s,
    );
    assert.match(stdout, /--max-delete <N>\s+with --delete: .*\(default: no\s+limit\)/s);
    assert.match(stdout, /--dry-run\s+print what would be copied and deleted.*\(default: off\)/s);
  });
});

for (const target of testTargets()) {
  describe(`s3ferry sync --delete / --dry-run on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const buckets: string[] = [];
    after(async () => {
      for (const bucket of buckets) await removeBucket(client, bucket);
    });
    async function bucketWith(objects: Objects): Promise<string> {
      const bucket = await createBucket(client, 'e2edel');
      buckets.push(bucket);
      await seed(client, bucket, objects);
      return bucket;
    }
    const source = { 'a.txt': 'alpha', 'dir/b.txt': 'bravo' };
    const extra = { 'old/1.txt': 'one', 'old 2.txt': 'two' };

    it('--delete: copies, then deletes the extra keys; exit 0 and a deletes line', async () => {
      const src = await bucketWith(source);
      const dst = await bucketWith(extra);
      const report = path.join(tmpRoot, `report-${target.name}.json`);
      const r = await s3ferry(envFor(target), [
        'sync',
        '--delete',
        '--report',
        report,
        `s3+t://${src}/`,
        `s3+t://${dst}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /deletes: 2 deleted, 0 failed/);
      assert.deepEqual(await contents(client, dst), md5s(source));
      const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as SyncSummary;
      assert.equal(summary.objects.deleted, 2);
      assert.equal(summary.requests['DeleteObjects'], 1);
    });

    it('--max-delete: refuses with one line, deletes nothing, exit 1', async () => {
      const src = await bucketWith(source);
      const dst = await bucketWith(extra);
      const r = await s3ferry(envFor(target), [
        'sync',
        '--delete',
        '--max-delete',
        '1',
        `s3+t://${src}/`,
        `s3+t://${dst}/`,
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^s3ferry: --max-delete 1: 2 deletes would happen, more than allowed: nothing was deleted$/m,
      );
      assert.deepEqual(await contents(client, dst), md5s({ ...source, ...extra }));
    });

    it('a failed copy: nothing deleted, the reason on one line, exit 1', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        proxy.failAlways(
          { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
          (req) => req.method === 'PUT' && req.path.endsWith('/dir/b.txt'),
        );
        const src = await bucketWith(source);
        const dst = await bucketWith(extra);
        const r = await s3ferry(envFor(target, proxy.url), [
          'sync',
          '--delete',
          `s3+t://${src}/`,
          `s3+px://${dst}/`,
        ]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /s3ferry: failed: .*dir\/b\.txt: AccessDenied/);
        assert.match(
          r.stderr,
          /^s3ferry: not deleting: 1 objects failed, so the 2 keys only at the destination were kept/m,
        );
        assert.deepEqual(await contents(client, dst), md5s({ 'a.txt': 'alpha', ...extra }));
      } finally {
        await proxy.close();
      }
    });

    it('--dry-run: the plan on stdout, nothing changed, exit 0', async () => {
      const src = await bucketWith(source);
      const dst = await bucketWith({ ...extra, 'a.txt': 'stale and longer' });
      const r = await s3ferry(envFor(target), [
        'sync',
        '--delete',
        '--dry-run',
        `s3+t://${src}/`,
        `s3+t://${dst}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), [
        'would copy a.txt (size-differs, 5 B)',
        'would copy dir/b.txt (missing, 5 B)',
        'would delete old 2.txt (extraneous)',
        'would delete old/1.txt (extraneous)',
      ]);
      assert.match(r.stderr, /dry run \(nothing changed\)/);
      assert.match(r.stderr, /plan: 2 to copy \(10 B\), 0 unchanged, 2 to delete/);
      assert.deepEqual(
        await contents(client, dst),
        md5s({ ...extra, 'a.txt': 'stale and longer' }),
      );
    });

    it('--dry-run --json: the plan as events, then the summary', async () => {
      const src = await bucketWith(source);
      const dst = await bucketWith(extra);
      const r = await s3ferry(envFor(target), [
        'sync',
        '--delete',
        '--dry-run',
        '--json',
        `s3+t://${src}/`,
        `s3+t://${dst}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SyncEvent);
      const planned = events.flatMap((e) =>
        e.kind === 'object' ? [`${e.action} ${e.key} ${e.reason}`] : [],
      );
      assert.deepEqual(planned.sort(), [
        'copy a.txt missing',
        'copy dir/b.txt missing',
        'delete old 2.txt extraneous',
        'delete old/1.txt extraneous',
      ]);
      const last = events.at(-1);
      assert.ok(last?.kind === 'summary', JSON.stringify(last));
      assert.equal(last.summary.isDryRun, true);
      assert.equal(last.summary.objects.wouldCopy, 2);
      assert.equal(last.summary.objects.wouldDelete, 2);
      assert.deepEqual(await contents(client, dst), md5s(extra));
    });

    it('an empty source: --delete deletes nothing and says why, exit 1; --allow-empty-source deletes', async () => {
      const src = await bucketWith({});
      const dst = await bucketWith(extra);
      const args = ['sync', '--delete', `s3+t://${src}/`, `s3+t://${dst}/`];
      const refused = await s3ferry(envFor(target), args);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `^s3ferry: not deleting: the source s3\\+t://${src}/ listed no objects, so the 2 keys only at the destination were kept .*--allow-empty-source`,
          'm',
        ),
      );
      assert.deepEqual(await contents(client, dst), md5s(extra));

      const check = await s3ferry(envFor(target), ['check', `s3+t://${src}/`, `s3+t://${dst}/`]);
      assert.equal(check.code, 1, check.stderr);
      assert.match(
        check.stderr,
        new RegExp(`^s3ferry: check: the source s3\\+t://${src}/ is empty: all 2 keys`, 'm'),
      );

      const allowed = await s3ferry(envFor(target), [...args, '--allow-empty-source']);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stderr, /deletes: 2 deleted, 0 failed/);
      assert.deepEqual(await contents(client, dst), {});
    });

    it('--allow-empty-source without --delete is a usage error (exit 2)', async () => {
      const r = await s3ferry(envFor(target), [
        'sync',
        '--allow-empty-source',
        `s3+t://a-bucket/`,
        `s3+t://b-bucket/`,
      ]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^s3ferry: --allow-empty-source relaxes --delete, which was not given/m,
      );
    });

    it('--max-delete without --delete is a usage error (exit 2)', async () => {
      const r = await s3ferry(envFor(target), [
        'sync',
        '--max-delete',
        '3',
        's3+t://a-b/',
        '/tmp/x',
      ]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /--max-delete limits --delete, which was not given\. Hint: add --delete/,
      );
    });
  });
}
