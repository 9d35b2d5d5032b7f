// End to end: `s3ferry uploads` (built CLI, no loader) against every test target. Uploads made
// with the SDK are listed one line each (time, age, id, full path) with a summary on stderr, or
// as NDJSON; --abort --older-than 0 leaves none under the path and the one beside it alone,
// --older-than 1h and --dry-run abort nothing, a key with terminal escapes is printed escaped,
// and bad input ends with one line and exit code 2 (3 for a missing bucket or a wrong secret).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateMultipartUploadCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { CliResult } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket } from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-uploads-');

/** `2024-05-01T12:00:00Z   3h12m  ID  s3+a://bucket/key` */
const LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) {2}( {0,5}\d+[dhms](?:\d+[hms])?) {2}(\S+) {2}(\S.*)$/;

/** Runs the built CLI to its end; never a stack trace. */
async function s3ferry(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  const result = await runCli(env, args);
  assert.ok(!result.stderr.includes('    at '), `a stack trace on stderr:\n${result.stderr}`);
  return result;
}

/** Starts an upload of `key` with `parts` small parts stored; returns its id. */
async function startUpload(
  client: S3Client,
  bucket: string,
  key: string,
  parts = 0,
): Promise<string> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId!;
  for (let n = 1; n <= parts; n++) {
    await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: n,
        Body: Buffer.from(`part ${n}`),
      }),
    );
  }
  return uploadId;
}

/** `key uploadId` of every upload under `prefix`, sorted (one page: tests make a few). */
async function uploadsUnder(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  );
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`).sort();
}

/** The lines of stdout parsed: [time, age, id, path]; fails on a line of another shape. */
function parsedLines(stdout: string): [string, string, string, string][] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = LINE.exec(line);
      assert.ok(match !== null, `not an uploads line: ${JSON.stringify(line)}`);
      return [match[1]!, match[2]!.trim(), match[3]!, match[4]!];
    });
}

/** No raw control character (newlines aside) anywhere in what was printed. */
function assertNoControl(r: CliResult): void {
  // eslint-disable-next-line no-control-regex -- looking for them is the point
  const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  assert.doesNotMatch(r.stdout, control, `stdout: ${JSON.stringify(r.stdout)}`);
  assert.doesNotMatch(r.stderr, control, `stderr: ${JSON.stringify(r.stderr)}`);
}

/** True when the server refuses a request signed with a wrong secret (moto accepts anything). */
async function checksSignatures(target: TestTarget): Promise<boolean> {
  const user = target.users[0];
  const bad = createS3Client(
    targetSpec(target, { credentials: { ...user, secretAccessKey: `${user.secretAccessKey}-x` } }),
  );
  try {
    await bad.send(new ListBucketsCommand({}));
    return false;
  } catch {
    return true;
  } finally {
    bad.destroy();
  }
}

for (const target of testTargets()) {
  describe(`uploads (built CLI) on ${target.name}`, () => {
    const user = target.users[0];
    const env = cliEnv(
      freshDir('home'),
      {
        a: { endpoint: target.endpoints[0], user },
        bad: { endpoint: target.endpoints[0], user: { ...user, secretAccessKey: 'wrong-secret' } },
      },
      { TZ: 'UTC' },
    );
    const client = createS3Client(targetSpec(target));
    let bucket = '';
    before(async () => {
      bucket = await createBucket(client, 'e2e-uploads');
    });
    after(async () => {
      await removeBucket(client, bucket).catch(() => undefined);
      client.destroy();
    });

    it('lists one line per upload (time, age, id, full path) and a summary on stderr', async () => {
      const started = Date.now();
      const a = await startUpload(client, bucket, 'list/a.bin', 2);
      const b = await startUpload(client, bucket, 'list/sub/b.bin');
      await startUpload(client, bucket, 'list2/beside.bin');
      const result = await s3ferry(env, ['uploads', `s3+a://${bucket}/list/`]);
      assert.equal(result.code, 0, result.stderr);
      const lines = parsedLines(result.stdout);
      assert.deepEqual(
        lines.map(([, , id, path]) => `${path} ${id}`),
        [`s3+a://${bucket}/list/a.bin ${a}`, `s3+a://${bucket}/list/sub/b.bin ${b}`],
      );
      if (target.name !== 'moto') {
        // moto 5.2 answers every upload with Initiated 2010-11-10T20:48:33Z.
        for (const [time, age] of lines) {
          assert.ok(Math.abs(Date.parse(time) - started) < 10 * 60_000, time);
          assert.match(age, /^\d+s$|^[1-9]m/, 'a few seconds old');
        }
      }
      assert.equal(
        result.stderr,
        `s3ferry: 2 multipart uploads in progress at s3+a://${bucket}/list/\n`,
      );

      const json = await s3ferry(env, ['uploads', '--json', `s3+a://${bucket}/list`]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(json.stderr, '');
      const objects = json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        objects.map((o) => [o['kind'], o['action'], o['key'], o['uploadId']]),
        [
          ['upload', 'listed', 'list/a.bin', a],
          ['upload', 'listed', 'list/sub/b.bin', b],
          ['summary', undefined, undefined, undefined],
        ],
      );
      assert.equal(objects[0]!['url'], `s3+a://${bucket}/list/a.bin`);
      assert.ok(!Number.isNaN(Date.parse(String(objects[0]!['initiated']))));
      assert.deepEqual(objects[2]!['summary'], {
        path: `s3+a://${bucket}/list`,
        listed: 2,
        shown: 2,
        olderThanMs: null,
      });

      const none = await s3ferry(env, ['uploads', `s3+a://${bucket}/nothing-here/`]);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, '');
      assert.equal(
        none.stderr,
        `s3ferry: no multipart uploads in progress at s3+a://${bucket}/nothing-here/\n`,
      );
    });

    it('--abort --older-than 1h and --abort alone (24h) abort nothing fresh', async (t) => {
      if (target.name === 'moto') {
        t.skip('moto 5.2 dates every upload 2010-11-10: every upload is older than any threshold');
        return;
      }
      const made = [
        `fresh/a ${await startUpload(client, bucket, 'fresh/a', 1)}`,
        `fresh/b ${await startUpload(client, bucket, 'fresh/b')}`,
      ];
      for (const args of [['--older-than', '1h'], []]) {
        const result = await s3ferry(env, [
          'uploads',
          '--abort',
          ...args,
          `s3+a://${bucket}/fresh/`,
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, '');
        assert.equal(
          result.stderr,
          `s3ferry: aborted 0 multipart uploads older than ${args.length === 0 ? '1d' : '1h'} ` +
            `at s3+a://${bucket}/fresh/; 2 newer left alone\n`,
        );
      }
      const listed = await s3ferry(env, [
        'uploads',
        '--older-than',
        '1h',
        `s3+a://${bucket}/fresh/`,
      ]);
      assert.equal(listed.stdout, '');
      assert.equal(
        listed.stderr,
        `s3ferry: 0 of 2 multipart uploads in progress at s3+a://${bucket}/fresh/ are older than 1h\n`,
      );
      assert.deepEqual(await uploadsUnder(client, bucket, 'fresh/'), made.sort());
    });

    it('--abort --dry-run prints what would be aborted and aborts nothing', async () => {
      const made = [
        `dry/a ${await startUpload(client, bucket, 'dry/a', 1)}`,
        `dry/b ${await startUpload(client, bucket, 'dry/b')}`,
      ];
      const result = await s3ferry(env, [
        'uploads',
        '--abort',
        '--dry-run',
        '--older-than',
        '0',
        `s3+a://${bucket}/dry/`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        parsedLines(result.stdout).map(([, , id, path]) => `${path} ${id}`),
        made.map((m) => `s3+a://${bucket}/${m}`),
      );
      assert.equal(
        result.stderr,
        `s3ferry: dry run: would abort 2 multipart uploads at s3+a://${bucket}/dry/; nothing was aborted\n`,
      );
      assert.deepEqual(await uploadsUnder(client, bucket, 'dry/'), made.sort());
    });

    it('--abort --older-than 0 aborts every upload under the path and none beside it', async () => {
      const inside = [
        `gone/a ${await startUpload(client, bucket, 'gone/a', 2)}`,
        `gone/a ${await startUpload(client, bucket, 'gone/a')}`,
        `gone/deep/b ${await startUpload(client, bucket, 'gone/deep/b', 1)}`,
      ];
      const beside = `gone2/c ${await startUpload(client, bucket, 'gone2/c')}`;
      const result = await s3ferry(env, [
        'uploads',
        '--abort',
        '--older-than',
        '0',
        `s3+a://${bucket}/gone`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        parsedLines(result.stdout)
          .map(([, , id, path]) => `${path} ${id}`)
          .sort(),
        inside.map((m) => `s3+a://${bucket}/${m}`).sort(),
      );
      assert.equal(
        result.stderr,
        `s3ferry: aborted 3 multipart uploads at s3+a://${bucket}/gone\n`,
      );
      assert.deepEqual(await uploadsUnder(client, bucket, 'gone/'), []);
      assert.deepEqual(await uploadsUnder(client, bucket, 'gone'), [beside]);

      const json = await s3ferry(env, [
        'uploads',
        '--abort',
        '--older-than',
        '0',
        '--json',
        `s3+a://${bucket}/gone2/`,
      ]);
      assert.equal(json.code, 0, json.stderr);
      const [upload, summary] = json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(upload!['action'], 'aborted');
      assert.equal(`${String(upload!['key'])} ${String(upload!['uploadId'])}`, beside);
      const counts = summary!['summary'] as Record<string, unknown>;
      assert.equal(counts['aborted'], 1);
      assert.deepEqual(counts['requests'], { ListMultipartUploads: 1, AbortMultipartUpload: 1 });
      assert.deepEqual(await uploadsUnder(client, bucket, 'gone'), []);
    });

    it('a key with terminal escapes is printed escaped, and aborted', async () => {
      const key = 'esc/\u001b]0;pwned\u0007\u001b[2Jx.bin';
      const id = await startUpload(client, bucket, key, 1);
      const listed = await s3ferry(env, ['uploads', `s3+a://${bucket}/esc/`]);
      assert.equal(listed.code, 0, listed.stderr);
      assertNoControl(listed);
      assert.ok(
        listed.stdout.endsWith(
          `  ${id}  s3+a://${bucket}/esc/\\u001b]0;pwned\\u0007\\u001b[2Jx.bin\n`,
        ),
        listed.stdout,
      );
      const aborted = await s3ferry(env, [
        'uploads',
        '--abort',
        '--older-than',
        '0',
        `s3+a://${bucket}/esc/`,
      ]);
      assert.equal(aborted.code, 0, aborted.stderr);
      assertNoControl(aborted);
      assert.deepEqual(await uploadsUnder(client, bucket, 'esc/'), []);
    });

    it('an abort the server refuses: one failed line and exit 1; a refused listing: exit 3', async () => {
      const refused = await startUpload(client, bucket, 'deny/b', 1);
      await startUpload(client, bucket, 'deny/a');
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        const proxied = cliEnv(freshDir('home'), { p: { endpoint: proxy.url, user } });
        const denied = {
          kind: 'error',
          status: 403,
          code: 'AccessDenied',
          message: 'Access Denied',
        } as const;
        proxy.failAlways(denied, (req) => req.method === 'DELETE' && req.path.endsWith('/deny/b'));
        const args = ['uploads', '--abort', '--older-than', '0', `s3+p://${bucket}/deny/`];
        const result = await s3ferry(proxied, args);
        assert.equal(result.code, 1, result.stderr);
        assert.deepEqual(
          parsedLines(result.stdout).map(([, , , path]) => path),
          [`s3+p://${bucket}/deny/a`],
        );
        assert.equal(
          result.stderr,
          `s3ferry: failed: s3+p://${bucket}/deny/b (upload ${refused}): AccessDenied: Access Denied\n` +
            `s3ferry: aborted 1 multipart upload at s3+p://${bucket}/deny/; 1 could not be aborted\n`,
        );
        assert.deepEqual(await uploadsUnder(client, bucket, 'deny/'), [`deny/b ${refused}`]);

        proxy.failAlways(denied, (req) => req.method === 'GET' && /(^|&)uploads\b/.test(req.query));
        for (const listArgs of [args, ['uploads', `s3+p://${bucket}/deny/`]]) {
          const listing = await s3ferry(proxied, listArgs);
          assert.equal(listing.code, 3, listing.stderr);
          assert.equal(listing.stdout, '');
          assert.match(
            listing.stderr,
            new RegExp(
              `^s3ferry: cannot list the multipart uploads at s3\\+p://${bucket}/deny/: [^\\n]+\\n$`,
            ),
          );
        }
      } finally {
        await proxy.close();
      }
    });

    it('bad input: one line and exit 2; a missing bucket or a wrong secret: one line and exit 3', async (t) => {
      const usage: [string[], RegExp][] = [
        [
          ['--abort', '--older-than', '5', `s3+a://${bucket}/`],
          /^s3ferry: --older-than: invalid duration '5'\. Hint: [^\n]+\n$/,
        ],
        [
          ['--older-than', '1 week', `s3+a://${bucket}/`],
          /^s3ferry: --older-than: invalid duration '1 week'\. Hint: [^\n]+\n$/,
        ],
        [
          ['--dry-run', `s3+a://${bucket}/`],
          /^s3ferry: --dry-run goes with --abort\. Hint: [^\n]+\n$/,
        ],
        [['--abort', freshDir('local')], /^s3ferry: uploads lists S3 multipart uploads: [^\n]+\n$/],
        [['s3+a://'], /^s3ferry: uploads needs a bucket: [^\n]+\n$/],
        [['s3+a://x/k'], /^s3ferry: [^\n]*invalid bucket name 'x'[^\n]*\n$/],
      ];
      for (const [args, stderr] of usage) {
        const result = await s3ferry(env, ['uploads', ...args]);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, stderr);
      }
      const missing = uniqueBucket('e2e-gone');
      for (const args of [[], ['--abort', '--older-than', '0']]) {
        const result = await s3ferry(env, ['uploads', ...args, `s3+a://${missing}/p/`]);
        assert.equal(result.code, 3, result.stderr);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /^s3ferry: [^\n]*(NoSuchBucket|does not exist)[^\n]*\n$/);
      }
      if (!(await checksSignatures(target))) {
        t.diagnostic(`${target.name} accepts any signature: no wrong-secret case`);
        return;
      }
      const bad = await s3ferry(env, ['uploads', '--abort', `s3+bad://${bucket}/`]);
      assert.equal(bad.code, 3, bad.stderr);
      assert.equal(bad.stdout, '');
      assert.match(
        bad.stderr,
        /^s3ferry: [^\n]+\. Hint: [^\n]*BAD__AWS_SECRET_ACCESS_KEY[^\n]*\n$/,
      );
    });
  });
}
