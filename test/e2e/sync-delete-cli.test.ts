// End to end: `s3ferry sync --delete / --max-delete / --dry-run` through the built CLI (no loader)
// against every test target, with profiles in a temp credentials file. Checks what a user checks:
// the destination's keys and bytes, the exit code, the lines on stdout/stderr, the --json plan.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

function repoRoot(): string {
  // Works from test/e2e (tsx) and from dist/test/e2e (compiled): the first package.json up.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const MAIN = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 's3ferry-e2e-delete-'));
after(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

const md5 = (data: Uint8Array | string): string => createHash('md5').update(data).digest('hex');

/** A temp HOME whose credentials file has profile `t` (gateway 0, user 0) and, optionally, `px`. */
function envFor(target: TestTarget, proxyUrl?: string): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(tmpRoot, 'home-'));
  const file = path.join(home, 'credentials');
  const user = target.users[0];
  const profile = (name: string, endpoint: string): string =>
    `[${name}]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n` +
    `s3 =\n    endpoint_url = ${endpoint}\n    addressing_style = path\n`;
  fs.writeFileSync(
    file,
    profile('t', target.endpoints[0]) + (proxyUrl === undefined ? '' : profile('px', proxyUrl)),
    { mode: 0o600 },
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing of the outer environment's S3 settings may reach the CLI.
    if (/^(AWS_|MEGFILE_|OSS_|S3FERRY_)/.test(key) || /__(AWS_|OSS_|MEGFILE_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home, AWS_SHARED_CREDENTIALS_FILE: file, MEGFILE_MAX_RETRY_TIMES: '1' };
}

type Result = { code: number; stdout: string; stderr: string };

function s3ferry(env: NodeJS.ProcessEnv, args: string[]): Promise<Result> {
  assert.ok(
    fs.existsSync(MAIN),
    `${MAIN} is missing: build first (npx tsc -p tsconfig.build.json)`,
  );
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function contents(client: S3Client, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const o of page.Contents ?? []) {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
    out[o.Key!] = md5(await got.Body!.transformToByteArray());
  }
  return out;
}

const md5s = (o: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, md5(v)]));

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
    async function bucketWith(objects: Record<string, string>): Promise<string> {
      const bucket = uniqueBucket('e2edel');
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.push(bucket);
      for (const [key, body] of Object.entries(objects)) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      }
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
