// End to end: the built CLI (`node dist/src/cli/main.js sync`, no loader) against every test
// target, in a controlled environment (temp HOME, no outer AWS_*/MEGFILE_* variables, profiles in
// a temp credentials file). Checks what a user checks: destination bytes, exit codes, what is
// printed on stdout/stderr, and the --report file's request counts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import type { SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { CLI_MAIN, cliEnv, runCli, startCli } from '../helpers/cli.ts';
import type { CliProfile, CliResult, RunningCli } from '../helpers/cli.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket as makeBucket,
  fileMd5s,
  md5,
  md5s as md5sOf,
  objectMd5s,
  seed,
} from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const MiB = 1024 * 1024;
const ESC = '\u001b[';
const { freshDir } = tempRoot('s3ferry-e2e-sync-');

/** Keys that must arrive byte for byte. */
const AWKWARD = [
  'sp ace.txt',
  'plus+sign',
  'pct%20x',
  'q?mark',
  'hash#tag',
  'ünï/cødé',
  'double//slash',
  'trail ',
  'emoji😀',
];

// ---------------------------------------------------------------------------------------------
// The CLI in a child process.

/** A temp HOME holding a megfile-format credentials file with the given profiles. */
function homeWith(profiles: Record<string, CliProfile>): { home: string; env: NodeJS.ProcessEnv } {
  const home = freshDir('home');
  return { home, env: cliEnv(home, profiles) };
}

/** Secret keys of every target: none may appear in any output. */
const secrets = new Set<string>();

function start(env: NodeJS.ProcessEnv, args: string[], command?: string[]): RunningCli {
  return startCli(env, args, { secrets, ...(command === undefined ? {} : { command }) });
}

/** Runs the CLI to its end; stderr is never a terminal here, so no escape codes may appear. */
async function s3ferry(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  const result = await runCli(env, args, { secrets });
  assert.ok(!result.stderr.includes(ESC), `escape codes on a non-TTY stderr:\n${result.stderr}`);
  return result;
}

function readReport(file: string): SyncSummary {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SyncSummary;
}

function ndjson(stdout: string): SyncEvent[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((line) => JSON.parse(line) as SyncEvent);
}

// ---------------------------------------------------------------------------------------------
// Seeding and checking with the SDK.

function objects(n: number, prefix = 'dir/obj-'): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++)
    out[`${prefix}${String(i).padStart(3, '0')}`] = randomBytes(50 + i * 41);
  return out;
}

/** True when the server refuses a request signed with a wrong secret (moto accepts anything). */
async function checksSignatures(target: TestTarget): Promise<boolean> {
  const user = target.users[0];
  const bad = createS3Client(
    targetSpec(target, {
      credentials: { ...user, secretAccessKey: `${user.secretAccessKey}-wrong` },
    }),
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

// ---------------------------------------------------------------------------------------------

for (const target of testTargets()) {
  for (const user of target.users) secrets.add(user.secretAccessKey);
  const [u0, u1] = target.users;
  const [e0, e1] = target.endpoints;

  describe(`s3ferry sync (built CLI) on ${target.name}`, () => {
    const c0 = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const c1 = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    // a and same: one endpoint, one account, two names (still server-side); b: the other
    // gateway and user; bad: a's access key with a wrong secret.
    const { env } = homeWith({
      a: { endpoint: e0, user: u0 },
      same: { endpoint: e0, user: u0 },
      b: { endpoint: e1, user: u1 },
      bad: { endpoint: e0, user: { ...u0, secretAccessKey: `${u0.secretAccessKey}-wrong` } },
    });
    after(() => {
      c0.destroy();
      c1.destroy();
    });

    it('S3→S3 on one endpoint and account: N CopyObject + listing pages, exact bytes, -q silent; a re-sync only LISTs', async () => {
      const src = await makeBucket(c0, 'e2e-src');
      const dst = await makeBucket(c0, 'e2e-dst');
      const data = {
        ...objects(30),
        ...Object.fromEntries(AWKWARD.map((k) => [k, randomBytes(77)])),
        empty: new Uint8Array(0),
      };
      await seed(c0, src, data);
      const n = Object.keys(data).length;
      const dir = freshDir('report');

      const spawnedAt = performance.now();
      const first = await s3ferry(env, [
        'sync',
        `s3+a://${src}/`,
        `s3+same://${dst}/`,
        '-q',
        '--report',
        path.join(dir, '1.json'),
      ]);
      const processMs = performance.now() - spawnedAt;
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, '', '-q: nothing on stdout');
      assert.equal(first.stderr, '', '-q: nothing on stderr on success');
      const report = readReport(path.join(dir, '1.json'));
      assert.equal(report.status, 'ok');
      assert.equal(report.objects.copied, n);
      assert.deepEqual(report.objects.byMethod, { 'server-side': n });
      // One listing page per side, one CopyObject per object: no HEAD or GET per object.
      assert.deepEqual(report.requests, { ListObjectsV2: 2, CopyObject: n });
      // Start-up until the first request: within the process's life, and before the run's end.
      assert.ok(
        report.firstRequestMs !== undefined &&
          report.firstRequestMs > 0 &&
          report.firstRequestMs < processMs,
        `firstRequestMs ${String(report.firstRequestMs)} of a ${processMs.toFixed(0)} ms process`,
      );
      assert.deepEqual(await objectMd5s(c0, dst), md5sOf(data));

      const again = await s3ferry(env, [
        'sync',
        `s3+a://${src}/`,
        `s3+same://${dst}/`,
        '--report',
        path.join(dir, '2.json'),
      ]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, '');
      assert.match(
        again.stderr,
        new RegExp(`${n} listed, 0 copied \\(0 B\\), ${n} skipped, 0 failed`),
      );
      assert.match(again.stderr, /requests: 2 \(ListObjectsV2 2\)/);
      const second = readReport(path.join(dir, '2.json'));
      assert.deepEqual(Object.keys(second.requests), ['ListObjectsV2']);
      assert.equal(second.objects.skipped, n);
    });

    it('S3→S3 across gateways and users streams the bytes; the summary names both profiles', async () => {
      const src = await makeBucket(c0, 'e2e-src');
      const dst = await makeBucket(c1, 'e2e-dst');
      const data = objects(12);
      await seed(c0, src, data);
      const result = await s3ferry(env, ['sync', `s3+a://${src}/`, `s3+b://${dst}/in/`]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^s3ferry: synced: s3\+a:\/\/\S+ -> s3\+b:\/\/\S+ in [\d.]+ s$/m);
      assert.match(result.stderr, /objects: 12 listed, 12 copied .*, 0 skipped, 0 failed/);
      assert.match(result.stderr, /clients: .*\ba \d+.*\bb \d+|clients: .*\bb \d+.*\ba \d+/);
      const got = await objectMd5s(c1, dst);
      assert.deepEqual(
        got,
        Object.fromEntries(Object.entries(md5sOf(data)).map(([k, v]) => [`in/${k}`, v])),
      );
    });

    // Keys that cannot become files under the destination directory; they sort before 'ok/'.
    const UNSAFE = ['../escape', 'sub/../../x'];

    it('a key that would escape the destination directory fails alone: exit 1, key and code on stderr, the rest copied', async () => {
      const src = await makeBucket(c0, 'e2e-bad');
      const good = objects(5, 'ok/');
      await seed(c0, src, {
        ...good,
        ...Object.fromEntries(UNSAFE.map((k) => [k, randomBytes(10)])),
      });
      const parent = freshDir('dl');
      const dst = path.join(parent, 'dst');

      const result = await s3ferry(env, ['sync', `s3+a://${src}/`, dst]);
      assert.equal(result.code, 1, result.stderr);
      for (const key of UNSAFE) {
        const line = result.stderr.split('\n').find((l) => l.includes(`/${key}: `));
        assert.ok(line !== undefined, `no failure line for ${key}:\n${result.stderr}`);
        assert.match(line, /^s3ferry: failed: s3\+a:\/\/.*: UnsafeKey: .*\. Hint: .+/);
      }
      assert.match(
        result.stderr,
        /synced with failures: .*\n {2}objects: 7 listed, 5 copied .*, 0 skipped, 2 failed/,
      );
      assert.deepEqual(fileMd5s(dst), md5sOf(good));
      // Nothing landed outside the destination directory.
      assert.deepEqual(fs.readdirSync(parent), ['dst']);
    });

    it('--fail-fast stops at the first failure: one failure reported, nothing after it copied', async () => {
      const src = await makeBucket(c0, 'e2e-ff');
      await seed(c0, src, {
        ...objects(10, 'ok/'),
        '../e1': randomBytes(5),
        '../e2': randomBytes(5),
      });
      const dst = path.join(freshDir('ff'), 'dst');
      const report = path.join(freshDir('ff-report'), 'r.json');

      const result = await s3ferry(env, [
        'sync',
        `s3+a://${src}/`,
        dst,
        '--fail-fast',
        '--report',
        report,
      ]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.match(/^s3ferry: failed: /gm)?.length, 1, result.stderr);
      assert.match(result.stderr, /failed: s3\+a:\/\/[^\n]*\/\.\.\/e1: UnsafeKey/);
      const summary = readReport(report);
      assert.equal(summary.status, 'partial');
      assert.equal(summary.objects.failed, 1);
      assert.equal(summary.objects.copied, 0);
      assert.deepEqual(fileMd5s(dst), {});
    });

    it('--json prints NDJSON events on stdout: start, progress, each failure, summary last', async () => {
      const src = await makeBucket(c0, 'e2e-json');
      const good = objects(4, 'ok/');
      await seed(c0, src, { ...good, '../escape': randomBytes(5) });
      const dst = path.join(freshDir('json'), 'dst');

      const result = await s3ferry(env, ['sync', `s3+a://${src}/`, dst, '--json']);
      assert.equal(result.code, 1, result.stderr);
      const events = ndjson(result.stdout);
      const kinds = events.map((e) => e.kind);
      assert.equal(kinds[0], 'start');
      assert.ok(kinds.includes('progress'), kinds.join());
      const failures = events.filter((e) => e.kind === 'failure');
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.key, '../escape');
      assert.equal(failures[0]!.error.code, 'UnsafeKey');
      assert.ok(failures[0]!.error.hint !== undefined);
      const last = events.at(-1)!;
      assert.equal(last.kind, 'summary');
      assert.equal(last.summary.status, 'partial');
      assert.equal(last.summary.objects.copied, 4);
      // Without -v, no per-object events; and nothing for people on stderr to parse around.
      assert.ok(!kinds.includes('object'));
      assert.equal(result.stderr, '');
      assert.deepEqual(fileMd5s(dst), md5sOf(good));
    });

    it('-v prints one line per object with the action and the reason (copy, then skip on a re-sync)', async () => {
      const src = await makeBucket(c0, 'e2e-v');
      const data = {
        'a.txt': randomBytes(10),
        'sub/b c.bin': randomBytes(20),
        'sub/ü+': randomBytes(30),
      };
      await seed(c0, src, data);
      const dst = path.join(freshDir('v'), 'dst');

      const first = await s3ferry(env, ['sync', `s3+a://${src}/`, dst, '-v']);
      assert.equal(first.code, 0, first.stderr);
      const copies = first.stderr
        .split('\n')
        .filter((l) => /^(copy|skip) /.test(l))
        .sort();
      assert.deepEqual(copies, [
        'copy a.txt (missing, download)',
        'copy sub/b c.bin (missing, download)',
        'copy sub/ü+ (missing, download)',
      ]);
      assert.deepEqual(fileMd5s(dst), md5sOf(data));

      const second = await s3ferry(env, ['sync', `s3+a://${src}/`, dst, '-v']);
      assert.equal(second.code, 0, second.stderr);
      const skips = second.stderr
        .split('\n')
        .filter((l) => /^(copy|skip) /.test(l))
        .sort();
      assert.deepEqual(skips, [
        'skip a.txt (same)',
        'skip sub/b c.bin (same)',
        'skip sub/ü+ (same)',
      ]);
    });

    it('--checksum (local→S3) copies a file whose content changed with the same size and mtime; the default skips it', async () => {
      const dir = freshDir('up');
      const bucket = await makeBucket(c0, 'e2e-ck');
      // Whole seconds, an hour ago: the files look older than their uploads, and the mtime can
      // be restored exactly after the edit.
      const mtime = Math.floor(Date.now() / 1000) - 3600;
      const file = path.join(dir, 'changed.txt');
      fs.writeFileSync(path.join(dir, 'same.txt'), 'unchanged');
      fs.writeFileSync(file, 'version-1');
      for (const name of ['same.txt', 'changed.txt'])
        fs.utimesSync(path.join(dir, name), mtime, mtime);
      const first = await s3ferry(env, ['sync', dir, `s3+a://${bucket}/`, '-q']);
      assert.equal(first.code, 0, first.stderr);

      // Same size, same mtime, different bytes.
      fs.writeFileSync(file, 'version-2');
      fs.utimesSync(file, mtime, mtime);
      assert.equal(fs.statSync(file).mtimeMs, mtime * 1000);

      const plain = await s3ferry(env, ['sync', dir, `s3+a://${bucket}/`, '-v']);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stderr, /^skip changed\.txt \(same\)$/m);
      assert.deepEqual(await objectMd5s(c0, bucket), {
        'changed.txt': md5('version-1'),
        'same.txt': md5('unchanged'),
      });

      const checked = await s3ferry(env, ['sync', dir, `s3+a://${bucket}/`, '-v', '--checksum']);
      assert.equal(checked.code, 0, checked.stderr);
      assert.match(checked.stderr, /^copy changed\.txt \(checksum-differs, upload\)$/m);
      assert.match(checked.stderr, /^skip same\.txt \(checksum-same\)$/m);
      assert.deepEqual(await objectMd5s(c0, bucket), {
        'changed.txt': md5('version-2'),
        'same.txt': md5('unchanged'),
      });
    });

    it('bad credentials: exit 3 and one line with the hint, before anything is copied', async (t) => {
      if (!(await checksSignatures(target))) {
        t.skip(`${target.name} accepts any signature, so a wrong secret is not an error there`);
        return;
      }
      const dst = path.join(freshDir('badcred'), 'dst');
      const result = await s3ferry(env, ['sync', 's3+bad://any-bucket-name/', dst]);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.stdout, '');
      // The hint names the setting to check: the profile's secret key.
      assert.match(
        result.stderr,
        /^s3ferry: cannot list s3\+bad:\/\/any-bucket-name\/: [^\n]+\. Hint: [^\n]*BAD__AWS_SECRET_ACCESS_KEY[^\n]*\n$/,
      );
      assert.equal(fs.existsSync(dst), false);
    });

    it('a missing source bucket: exit 3 and one line naming it', async () => {
      const missing = uniqueBucket('e2e-missing');
      const dst = path.join(freshDir('missing'), 'dst');
      const result = await s3ferry(env, ['sync', `s3+a://${missing}/data/`, dst]);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^s3ferry: cannot list s3\+a:\/\/[^\n]+\. Hint: bucket '[^']+' does not exist[^\n]*\n$/,
      );
      assert.ok(result.stderr.includes(missing), result.stderr);
      assert.equal(fs.existsSync(dst), false);
    });

    it('on a TTY (a pty from script(1)) the progress bars are drawn on stderr', async (t) => {
      if (!fs.existsSync('/usr/bin/script')) {
        t.skip('script(1) from util-linux is not installed: no way to give the CLI a pty');
        return;
      }
      const src = await makeBucket(c0, 'e2e-tty');
      const data = objects(8);
      await seed(c0, src, data);
      const dst = path.join(freshDir('tty'), 'dst');
      const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
      // stdout goes to a file, so what script(1) relays is the CLI's stderr only.
      const outFile = path.join(freshDir('tty-out'), 'stdout');
      const cmd = [process.execPath, CLI_MAIN, 'sync', `s3+a://${src}/`, dst].map(quote).join(' ');
      const running = start(
        env,
        [],
        ['script', '-qfec', `${cmd} > ${quote(outFile)}`, '/dev/null'],
      );
      const result = await running.done;
      assert.equal(result.code, 0, result.stdout);
      const tty = result.stdout;
      assert.ok(tty.includes(ESC), 'cursor/erase escape codes from cli-progress');
      assert.match(
        tty,
        /copies +[\u2588\u2591]+ 8\/8 +failed 0 +skipped 0 +listed 8 keys \(done\)/,
      );
      assert.match(tty, /bytes +[\u2588\u2591]+ /);
      assert.match(tty, /s3ferry: synced: /);
      assert.equal(fs.readFileSync(outFile, 'utf8'), '');
      assert.deepEqual(fileMd5s(dst), md5sOf(data));
    });
  });

  describe(`s3ferry sync (built CLI) interrupted on ${target.name}`, () => {
    const c0 = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const c1 = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    let proxy: FaultProxy;
    let proxy2: FaultProxy;
    let env: NodeJS.ProcessEnv;
    const big: Record<string, Uint8Array> = {
      'big/one': randomBytes(21 * MiB),
      'big/two': randomBytes(18 * MiB),
      'big/three': randomBytes(16 * MiB),
    };
    let src: string;
    const multipart = [
      '--multipart-threshold',
      '5MiB',
      '--part-size',
      '5MiB',
      '--part-concurrency',
      '1',
      '-w',
      '1',
    ];
    before(async () => {
      // A slow destination gateway (b-slow) and a slow source gateway (a-slow): every part
      // (UploadPart, ranged GET) waits at the proxy, so copies are in flight when Ctrl-C comes.
      proxy = await FaultProxy.start(e1);
      proxy.failAlways(
        faults.delay(1500),
        (r) => r.method === 'PUT' && r.query.includes('partNumber='),
      );
      const slowSrc = await FaultProxy.start(e0);
      proxy2 = slowSrc;
      slowSrc.failAlways(
        faults.delay(1500),
        (r) => r.method === 'GET' && r.headers.range !== undefined,
      );
      ({ env } = homeWith({
        a: { endpoint: e0, user: u0 },
        'a-slow': { endpoint: slowSrc.url, user: u0 },
        'b-slow': { endpoint: proxy.url, user: u1 },
      }));
      src = await makeBucket(c0, 'e2e-int');
      await seed(c0, src, big);
    });
    after(async () => {
      await proxy.close();
      await proxy2.close();
      c0.destroy();
      c1.destroy();
    });

    async function uploadsLeft(bucket: string): Promise<string[]> {
      const got = await c1.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (got.Uploads ?? []).map((u) => u.Key!);
    }

    it('Ctrl-C once during multipart copies: exit 130, interrupted summary, no multipart uploads left, no partial objects', async () => {
      const dst = await makeBucket(c1, 'e2e-int-dst');
      const report = path.join(freshDir('int'), 'r.json');
      const running = start(env, [
        'sync',
        `s3+a://${src}/`,
        `s3+b-slow://${dst}/`,
        '--json',
        '--report',
        report,
        ...multipart,
      ]);
      // The first progress event with bytes moving: multipart uploads are open and parts in flight.
      await running.waitFor('stdout', /"kind":"progress"[^\n]*"bytesCopied":[1-9]/);
      running.child.kill('SIGINT');
      const result = await running.done;
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /interrupted: stopping the copies in flight/);
      const last = ndjson(result.stdout).at(-1)!;
      assert.equal(last.kind, 'summary');
      assert.equal(last.summary.status, 'interrupted');
      const summary = readReport(report);
      assert.equal(summary.status, 'interrupted');
      const created = summary.requests['CreateMultipartUpload'] ?? 0;
      const completed = summary.requests['CompleteMultipartUpload'] ?? 0;
      assert.ok(
        created > completed,
        `some uploads were in flight: ${JSON.stringify(summary.requests)}`,
      );
      assert.equal(
        summary.requests['AbortMultipartUpload'],
        created - completed,
        JSON.stringify(summary.requests),
      );
      assert.deepEqual(await uploadsLeft(dst), []);
      // Whatever exists at the destination is complete.
      const got = await objectMd5s(c1, dst);
      assert.ok(Object.keys(got).length < Object.keys(big).length, 'the run was cut short');
      for (const [key, sum] of Object.entries(got)) assert.equal(sum, md5(big[key]!), key);
    });

    it('Ctrl-C once in a log (not a TTY): status lines, then the interrupted summary; no partial files left', async () => {
      const dst = path.join(freshDir('int-dl'), 'dst');
      const running = start(env, ['sync', `s3+a-slow://${src}/`, dst, ...multipart]);
      // The first status line (every 5 s when stderr is not a terminal).
      await running.waitFor(
        'stderr',
        /^s3ferry: list(?:ed|ing)[^;]* keys[^;]*; copies \d+\/[\d,]+\+? \(\d+ copied, \d+ failed\), \d+ skipped; .*ETA/m,
      );
      running.child.kill('SIGINT');
      const result = await running.done;
      assert.equal(result.code, 130, result.stderr);
      assert.ok(!result.stderr.includes(ESC), 'no cli-progress escape codes in a log');
      assert.match(result.stderr, /^s3ferry: interrupted: s3\+a-slow:\/\/\S+ -> \S+ in [\d.]+ s$/m);
      assert.match(result.stderr, /objects: 3 listed, \d copied .*cancelled/);
      // No temp files, and every file present is whole.
      const files = fileMd5s(dst);
      assert.ok(Object.keys(files).length < 3, 'the run was cut short');
      for (const [key, sum] of Object.entries(files)) assert.equal(sum, md5(big[key]!), key);
    });

    it('Ctrl-C twice: exits 130 at once, without waiting for the copies in flight', async () => {
      const dst = await makeBucket(c1, 'e2e-int2-dst');
      const running = start(env, [
        'sync',
        `s3+a://${src}/`,
        `s3+b-slow://${dst}/`,
        '--json',
        ...multipart,
      ]);
      await running.waitFor('stdout', /"kind":"progress"[^\n]*"bytesCopied":[1-9]/);
      running.child.kill('SIGINT');
      await running.waitFor('stderr', /interrupted: stopping the copies in flight/);
      const at = Date.now();
      running.child.kill('SIGINT');
      const result = await running.done;
      const ms = Date.now() - at;
      assert.equal(result.code, 130, result.stderr);
      // A part waits 1.5 s at the proxy: a graceful stop could not be this quick.
      assert.ok(ms < 1000, `exited ${ms} ms after the second Ctrl-C`);
      assert.ok(
        !ndjson(result.stdout).some((e) => e.kind === 'summary'),
        'no summary: it quit at once',
      );
      // Quitting at once may leave uploads behind (that is the point of the second Ctrl-C).
      const left = await c1.send(new ListMultipartUploadsCommand({ Bucket: dst }));
      for (const u of left.Uploads ?? []) {
        await c1.send(
          new AbortMultipartUploadCommand({ Bucket: dst, Key: u.Key, UploadId: u.UploadId }),
        );
      }
    });
  });
}
