// End to end: the built CLI (`node dist/src/cli/main.js check`, no loader) against every test
// target, with profiles in a temp credentials file and no outer AWS_*/MEGFILE_* variables. Checks
// what a user checks after a migration: the exit code, the difference lines on stdout, the
// summary on stderr, the --json events and the --report file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckEvent, CheckSummary } from '../../src/engine/check.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli as s3ferry } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { root: tmpRoot } = tempRoot('s3ferry-e2e-check-');

/** A controlled environment: temp HOME, profiles a (gateway 0, user 0) and b (gateway 1, user 1). */
function envFor(target: TestTarget): NodeJS.ProcessEnv {
  const [u0, u1] = target.users;
  const [e0, e1] = target.endpoints;
  return cliEnv(fs.mkdtempSync(path.join(tmpRoot, 'home-')), {
    a: { endpoint: e0, user: u0 },
    b: { endpoint: e1, user: u1 },
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function flipped(body: Uint8Array): Buffer {
  const copy = Buffer.from(body);
  copy[0] = (copy[0] ?? 0) ^ 0xff;
  return copy;
}

for (const target of testTargets()) {
  describe(`s3ferry check (built CLI) on ${target.name}`, () => {
    const c0 = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const c1 = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    const env = envFor(target);
    const buckets: [S3Client, string][] = [];
    const bucketWith = async (
      client: S3Client,
      objects: Record<string, Uint8Array>,
    ): Promise<string> => {
      const bucket = await createBucket(client, 'e2e-chk');
      buckets.push([client, bucket]);
      await seed(client, bucket, objects);
      return bucket;
    };
    after(async () => {
      for (const [client, bucket] of buckets) await removeBucket(client, bucket);
      c0.destroy();
      c1.destroy();
    });

    const data: Record<string, Uint8Array> = {
      'a.txt': randomBytes(10),
      'dir/b.bin': randomBytes(1000),
      'dir/c.bin': randomBytes(500),
      'sp ace/d': randomBytes(64),
      empty: new Uint8Array(0),
    };

    it('a faithful copy across gateways and users: exit 0, nothing on stdout, the summary says it matches', async () => {
      const src = await bucketWith(c0, data);
      const dst = await bucketWith(c1, data);
      const report = path.join(tmpRoot, `match-${target.name}.json`);
      const result = await s3ferry(env, [
        'check',
        `s3+a://${src}/`,
        `s3+b://${dst}/`,
        '--report',
        report,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^s3ferry: check: the destination matches the source: s3\+a:\/\/\S+ -> s3\+b:\/\/\S+ in [\d.]+ s$/m,
      );
      assert.match(
        result.stderr,
        /keys: 5 at the source, 5 at the destination: 5 same, 0 missing, 0 extra, 0 differ, 0 not compared/,
      );
      assert.match(result.stderr, /content: 5 of the same keys verified \(5 by ETag\)/);
      const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as CheckSummary;
      assert.equal(summary.status, 'match');
      assert.deepEqual(Object.keys(summary.requests), ['ListObjectsV2']);
      assert.deepEqual(summary.responses, { 200: summary.requestsTotal });
      assert.equal(summary.retries, 0);
    });

    it('differences: exit 1, one line each on stdout (missing, extra, size, md5), the summary counts them', async () => {
      const src = await bucketWith(c0, data);
      const dir = fs.mkdtempSync(path.join(tmpRoot, 'tree-'));
      const copy: Record<string, Uint8Array> = {
        ...data,
        'dir/b.bin': randomBytes(12),
        'dir/c.bin': flipped(data['dir/c.bin']!),
        'zz extra': randomBytes(3),
      };
      delete copy['a.txt'];
      for (const [rel, body] of Object.entries(copy)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), body);
      }

      const result = await s3ferry(env, ['check', `s3+a://${src}`, dir, '-w', '2']);
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(lines(result.stdout).sort(), [
        'differs (md5): dir/c.bin',
        'differs (size 1000 ≠ 12): dir/b.bin',
        'extra: zz extra',
        'missing: a.txt',
      ]);
      assert.match(result.stderr, /the destination differs from the source \(4 differences\)/);
      assert.match(result.stderr, /2 same, 1 missing, 1 extra, 2 differ \(1 size, 1 md5\)/);

      const quiet = await s3ferry(env, ['check', `s3+a://${src}`, dir, '-q']);
      assert.equal(quiet.code, 1);
      assert.equal(quiet.stderr, '', '-q: no summary');
      assert.equal(lines(quiet.stdout).length, 4, '-q: the differences are still printed');
    });

    it('--download --json: NDJSON events (start, each difference, summary last) and nothing else on stdout', async () => {
      const src = await bucketWith(c0, data);
      const dst = await bucketWith(c1, { ...data, 'dir/b.bin': flipped(data['dir/b.bin']!) });
      const result = await s3ferry(env, [
        'check',
        `s3+a://${src}/`,
        `s3+b://${dst}/`,
        '--download',
        '--json',
      ]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, '');
      const events = lines(result.stdout).map((line) => JSON.parse(line) as CheckEvent);
      assert.equal(events[0]?.kind, 'start');
      const last = events.at(-1);
      assert.ok(last?.kind === 'summary');
      assert.equal(last.summary.status, 'differ');
      assert.equal(last.summary.isDownload, true);
      assert.equal(last.summary.comparedBy.download, 4);
      const differences = events.filter((e) => e.kind === 'difference');
      assert.equal(differences.length, 1);
      assert.deepEqual(
        { key: differences[0]?.key, difference: differences[0]?.difference },
        { key: 'dir/b.bin', difference: 'md5-differs' },
      );
      assert.equal(
        events.some((e) => e.kind === 'same'),
        false,
        'same-key events only with -v',
      );
      // Reads only: listing pages and one GET per object per side.
      assert.deepEqual(Object.keys(last.summary.requests).sort(), ['GetObject', 'ListObjectsV2']);
      assert.equal(last.summary.requests['GetObject'], 10);
    });

    it('-v prints one line per key found the same, with how it was compared', async () => {
      const src = await bucketWith(c0, { k1: randomBytes(5), k2: randomBytes(6) });
      const result = await s3ferry(env, ['check', `s3+a://${src}`, `s3+a://${src}`, '-v']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(lines(result.stdout), ['same (etag): k1', 'same (etag): k2']);
    });

    it('a missing bucket: exit 3 and one line naming it; a bad option: exit 2', async () => {
      const src = await bucketWith(c0, { k: randomBytes(1) });
      const missing = uniqueBucket('e2e-none');
      const result = await s3ferry(env, ['check', `s3+a://${src}`, `s3+a://${missing}/x/`]);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^s3ferry: cannot list s3\+a:\/\/[^\n]+\. Hint: bucket '[^']+' does not exist[^\n]*\n$/,
      );
      assert.ok(result.stderr.includes(missing), result.stderr);
      assert.equal(lines(result.stderr).length, 1, result.stderr);

      const usage = await s3ferry(env, ['check', `s3+a://${src}`, '/tmp', '-w', 'many']);
      assert.equal(usage.code, 2);
      assert.match(
        usage.stderr,
        /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+ \(4 per core, at least 4\), got 'many'\n$/,
      );
    });

    it('--help lists every option with its default', async () => {
      const result = await s3ferry(env, ['check', '--help']);
      assert.equal(result.code, 0);
      for (const option of [
        '--download',
        '-w, --workers',
        '--tasks-per-worker',
        '-q, --quiet',
        '-v, --verbose',
        '--json',
        '--report',
      ]) {
        assert.ok(result.stdout.includes(option), `${option} missing from:\n${result.stdout}`);
      }
      assert.match(result.stdout, /default: available cores/);
      assert.match(result.stdout, /default: 16/);
      assert.match(result.stdout, /Exit codes:/);
    });
  });
}
