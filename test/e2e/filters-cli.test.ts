// The filters migrations use (issue 14 §2), through the built CLI on every test target: size and
// age bounds, --files-from (looked up key by key, not listed), --include-from/--exclude-from, with
// the same meaning in sync, check, cp -r and ls -r; --delete never deletes what they leave out.
// Read back at the destination with the test's own client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { CLI_MAIN, cliEnv, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed, writeTree } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-filters-');
const KiB = 1024;

const sizes = {
  'small.bin': randomBytes(1 * KiB),
  'mid.bin': randomBytes(10 * KiB),
  'big.bin': randomBytes(100 * KiB),
  'logs/a.log': randomBytes(2 * KiB),
  'logs/b.tmp': randomBytes(2 * KiB),
};

function report(path: string): SyncSummary {
  return JSON.parse(readFileSync(path, 'utf8')) as SyncSummary;
}

function stdoutLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

for (const target of testTargets()) {
  describe(`filters, built CLI, on ${target.name}`, () => {
    const a: S3Client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const b: S3Client = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    let source = '';
    let dest = '';
    let env: NodeJS.ProcessEnv = {};
    /** An instant between the old and the new objects of `aged/` (ISO). */
    let between = '';

    before(async () => {
      source = await createBucket(a, 'filters-src');
      dest = await createBucket(b, 'filters-dst');
      await seed(a, source, sizes);
      // Two generations of objects, a little more than a second apart (LastModified has seconds).
      await seed(a, source, { 'aged/old-1.txt': 'old one', 'aged/old-2.txt': 'old two' });
      await sleep(1500);
      between = new Date(Date.now()).toISOString();
      await sleep(1500);
      await seed(a, source, { 'aged/new-1.txt': 'new one' });
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
    });

    after(async () => {
      await removeBucket(a, source);
      await removeBucket(b, dest);
      a.destroy();
      b.destroy();
    });

    it('--max-size with --delete: copies what it selects and deletes only what it selects', async () => {
      // At the destination beforehand: an older, smaller big.bin (its source is too big to be
      // selected: it stays as it is), and two keys the source lacks, one of each size.
      await seed(b, dest, {
        'size/big.bin': 'old',
        'size/gone-big.bin': randomBytes(100 * KiB),
        'size/gone-small.bin': 'x',
      });
      const run = await runCli(env, [
        'sync',
        `s3+a://${source}/`,
        `s3+b://${dest}/size/`,
        '--exclude',
        'aged/',
        '--max-size',
        '50KiB',
        '--delete',
        '-q',
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      const { 'big.bin': big, ...selected } = sizes;
      assert.ok(big.length > 50 * KiB);
      assert.deepEqual(await objectMd5s(b, dest, 'size/'), {
        ...md5s(selected),
        'big.bin': md5s({ x: 'old' })['x'],
        'gone-big.bin': (await objectMd5s(b, dest, 'size/gone-big.bin'))[''],
      });
    });

    it('check with the same filters matches; without them it reports the differences', async () => {
      const filtered = await runCli(env, [
        'check',
        `s3+a://${source}/`,
        `s3+b://${dest}/size/`,
        '--exclude',
        'aged/',
        '--max-size',
        '50KiB',
        '-q',
      ]);
      assert.equal(filtered.code, ExitCode.Ok, filtered.stdout + filtered.stderr);
      assert.equal(filtered.stdout, '');
      const unfiltered = await runCli(env, [
        'check',
        `s3+a://${source}/`,
        `s3+b://${dest}/size/`,
        '--exclude',
        'aged/',
        '-q',
      ]);
      assert.equal(unfiltered.code, ExitCode.Partial);
      assert.deepEqual(stdoutLines(unfiltered.stdout).sort(), [
        'differs (size 102400 ≠ 3): big.bin',
        'extra: gone-big.bin',
      ]);
    });

    it('--min-age and --max-age with an ISO date split old from new objects; durations count from now', async () => {
      const old = await runCli(env, [
        'sync',
        `s3+a://${source}/aged/`,
        `s3+b://${dest}/old/`,
        '--min-age',
        between,
        '-q',
      ]);
      assert.equal(old.code, ExitCode.Ok, old.stderr);
      assert.deepEqual(Object.keys(await objectMd5s(b, dest, 'old/')).sort(), [
        'old-1.txt',
        'old-2.txt',
      ]);
      const recent = await runCli(env, [
        'ls',
        '-r',
        '--max-age',
        between,
        `s3+a://${source}/aged/`,
      ]);
      assert.equal(recent.code, ExitCode.Ok, recent.stderr);
      assert.deepEqual(stdoutLines(recent.stdout), ['new-1.txt']);
      const hourOld = await runCli(env, ['ls', '-r', '--min-age', '1h', `s3+a://${source}/aged/`]);
      assert.equal(hourOld.code, ExitCode.Ok, hourOld.stderr);
      assert.deepEqual(stdoutLines(hourOld.stdout), []);
    });

    it('--files-from looks up only the keys it names (one LIST each side), whatever else is there', async () => {
      const home = freshDir('files-from');
      const list = join(home, 'keys.txt');
      writeFileSync(list, '# what the export job left\nmid.bin\n/logs/a.log\nno-such-key\n');
      await seed(b, dest, { 'named/keep-me.txt': 'not in the list' });
      const reportFile = join(home, 'report.json');
      const run = await runCli(env, [
        'sync',
        `s3+a://${source}/`,
        `s3+b://${dest}/named/`,
        '--files-from',
        list,
        '--delete',
        '--report',
        reportFile,
        '-q',
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await objectMd5s(b, dest, 'named/'), {
        'mid.bin': md5s(sizes)['mid.bin'],
        'logs/a.log': md5s(sizes)['logs/a.log'],
        'keep-me.txt': md5s({ x: 'not in the list' })['x'],
      });
      const summary = report(reportFile);
      assert.equal(summary.objects.copied, 2);
      // Three named keys, looked up at the source and at the destination: nothing listed.
      assert.equal(summary.requests['ListObjectsV2'], 6, JSON.stringify(summary.requests));
    });

    it('--files-from - reads the keys from standard input (cp -r, and ls -r)', async () => {
      const home = freshDir('stdin');
      const keysFile = join(home, 'keys.txt');
      writeFileSync(keysFile, 'small.bin\nbig.bin\n');
      const cp = await runCli(env, [], {
        command: [
          'sh',
          '-c',
          `"${process.execPath}" "${CLI_MAIN}" cp -r -q --files-from - s3+a://${source}/ s3+b://${dest}/stdin < "${keysFile}"`,
        ],
      });
      assert.equal(cp.code, ExitCode.Ok, cp.stderr);
      assert.deepEqual(Object.keys(await objectMd5s(b, dest, 'stdin/')).sort(), [
        'big.bin',
        'small.bin',
      ]);
      const ls = await runCli(env, ['ls', '-r', '--files-from', keysFile, `s3+a://${source}/`]);
      assert.deepEqual(stdoutLines(ls.stdout), ['big.bin', 'small.bin']);
    });

    it('--include-from and --exclude-from read patterns from files; excluded keys are never deleted', async () => {
      const home = freshDir('pattern-files');
      const includes = join(home, 'include.txt');
      const excludes = join(home, 'exclude.txt');
      writeFileSync(includes, '# logs only\nlogs/**\n');
      writeFileSync(excludes, '*.tmp\n');
      await seed(b, dest, { 'patterns/logs/c.tmp': 'kept: excluded' });
      const run = await runCli(env, [
        'sync',
        `s3+a://${source}/`,
        `s3+b://${dest}/patterns/`,
        '--include-from',
        includes,
        '--exclude-from',
        excludes,
        '--delete',
        '-q',
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await objectMd5s(b, dest, 'patterns/'), {
        'logs/a.log': md5s(sizes)['logs/a.log'],
        'logs/c.tmp': md5s({ x: 'kept: excluded' })['x'],
      });
    });

    it('a local source: --max-age on file times, --min-size on file sizes (cp -r to S3)', async () => {
      const dir = freshDir('local-src');
      writeTree(dir, { 'fresh.txt': 'fresh', 'stale.txt': 'stale', 'tiny.txt': 't' });
      const tenDaysAgo = (Date.now() - 10 * 24 * 3600 * 1000) / 1000;
      utimesSync(join(dir, 'stale.txt'), tenDaysAgo, tenDaysAgo);
      const run = await runCli(env, [
        'cp',
        '-r',
        '-q',
        '--max-age',
        '7d',
        '--min-size',
        '2',
        dir,
        `s3+b://${dest}/local`,
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(Object.keys(await objectMd5s(b, dest, 'local/')), ['fresh.txt']);
    });
  });
}
