// End to end: start-up loads only what a command needs (issue 13 §3: start-up is CPU taken from
// every short run). `--version` alone loads no package at all; `--help`, every command's `--help`
// and usage errors (unknown flags, missing arguments, numbers out of range) load neither the
// engine's run code nor the AWS SDK, BullMQ, ioredis, Piscina, p-queue, cli-progress or prom-client: the child
// runs with a module-load hook (ESM) and writes require.cache at exit (CommonJS: the SDK is loaded
// with require(), which an ESM hook does not see in Node 20). A local sync and a sync of small
// objects between buckets (the lean path), also one that creates its destination bucket, load
// no AWS SDK client; an `ls` of a bucket (a
// delimited listing, sent by the SDK) does, which shows that the record sees CommonJS loads of
// the main thread (and a sync's p-queue, ESM ones). A sync's --report says when the run started and when
// its first request left the process (runStartMs, firstRequestMs): present and inside the run,
// never a timing target here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SyncSummary } from '../../src/engine/events.ts';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { assertBuilt, CLI_MAIN, cleanEnv, cliEnv, REPO_ROOT, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-startup-');

/** ESM loads, as the module hooks see them (they run on their own thread in Node 20). */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  appendFileSync(file, url + '\\n');
  return next(url, context);
}`;

/** The --import of the child: the hooks above, and the CommonJS modules it required, at exit. */
function preload(file: string): string {
  const hooks = `data:text/javascript,${encodeURIComponent(HOOKS)}`;
  const code = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const file = ${JSON.stringify(file)};
register(${JSON.stringify(hooks)}, import.meta.url, { data: { file } });
const cache = createRequire(process.argv[1]).cache;
process.on('exit', () => appendFileSync(file, Object.keys(cache).join('\\n') + '\\n'));`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

type TracedRun = { code: number | null; stdout: string; stderr: string; loaded: string[] };

/**
 * The CLI is bundled (scripts/bundle.ts): a loaded output file stands for the source modules it
 * holds, named as tsc's tree names them (`…/dist/src/engine/run.js`), and the packages bundled
 * with them as installed (`…/node_modules/p-queue/…`), so the checks below read the same with or
 * without the bundle.
 */
function unbundled(loaded: string[]): string[] {
  const metaFile = join(REPO_ROOT, 'dist', 'bundle-meta.json');
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, string[]>;
  return loaded.flatMap((module) => {
    const path = module.replace(/^file:\/\//, '');
    const relative = path.startsWith(`${REPO_ROOT}/`) ? path.slice(REPO_ROOT.length + 1) : '';
    const inputs = meta[relative];
    if (inputs === undefined) return [module];
    // A bundled package's modules stand for the package as installed (node_modules/…).
    return inputs.map((input) =>
      input.startsWith('node_modules/')
        ? `file://${REPO_ROOT}/${input}`
        : `file://${REPO_ROOT}/dist/${input.replace(/\.ts$/, '.js')}`,
    );
  });
}

/** Runs the built CLI with the module record on; `loaded` holds every module URL or path. */
function traced(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<TracedRun> {
  assertBuilt();
  const file = join(freshDir('trace'), 'loaded.txt');
  writeFileSync(file, '');
  const child = spawn(process.execPath, ['--import', preload(file), CLI_MAIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        loaded: unbundled(
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line !== ''),
        ),
      });
    });
  });
}

/** What only a run needs: none of it may load for help, the version or a usage error. */
const RUN_ONLY: [string, RegExp][] = [
  ['the AWS SDK', /\/node_modules\/@(aws-sdk|smithy)\//],
  ['BullMQ', /\/node_modules\/bullmq\//],
  ['ioredis', /\/node_modules\/ioredis\//],
  ['Piscina', /\/node_modules\/piscina\//],
  ['p-queue', /\/node_modules\/p-queue\//],
  ['cli-progress', /\/node_modules\/cli-progress\//],
  ['prom-client', /\/node_modules\/prom-client\//],
  ['src/metrics (but the flags)', /\/dist\/src\/metrics\/(?!options\.js)/],
  ['src/s3, src/local, src/job or the workers', /\/dist\/(src\/(s3|local|job)|workers)\//],
  ['src/distributed (but the queue URL parser)', /\/dist\/src\/distributed\/(?!queue-url\.js)/],
  // The CLI reads the bounds for its help (options, which checks --bwlimit/--tpslimit with
  // rate-limits), sync-output the summary's rates, uploads the default age (upload-age), plan its
  // file format (plan-file).
  [
    'the engine (but options, rate-limits, summary, upload-age and plan-file)',
    /\/dist\/src\/engine\/(?!(options|rate-limits|summary|upload-age|plan-file)\.js)/,
  ],
];

function assertNothingOfARun(run: TracedRun, what: string): void {
  // The record works: the CLI's own modules and commander are in it.
  assert.ok(
    run.loaded.some((m) => m.endsWith('/dist/src/cli/program.js')),
    `${what}: no record of program.js`,
  );
  assert.ok(
    run.loaded.some((m) => m.includes('/node_modules/commander/')),
    `${what}: no record of commander`,
  );
  for (const [name, pattern] of RUN_ONLY) {
    const hits = run.loaded.filter((m) => pattern.test(m));
    assert.deepEqual(hits, [], `${what} loaded ${name}`);
  }
}

const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

describe('start-up: what --version, --help and usage errors load', () => {
  it('--version alone loads main.ts and the version, no package at all', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await traced([flag]);
      assert.deepEqual(
        { code: run.code, stdout: run.stdout, stderr: run.stderr },
        { code: 0, stdout: `${PKG.version}\n`, stderr: '' },
      );
      const ours = run.loaded
        .filter((m) => !m.startsWith('node:') && !m.startsWith('data:'))
        .map((m) => m.replace(/^.*\/dist\//, 'dist/'))
        .sort();
      assert.deepEqual(ours, [
        'dist/src/cli/main.js',
        'dist/src/cli/version.js',
        'dist/src/config/sdk-environment.js',
      ]);
    }
  });

  it('--version with another flag goes through commander, and loads nothing of a run', async () => {
    const run = await traced(['--debug', '--version']);
    assert.deepEqual(
      { code: run.code, stdout: run.stdout, stderr: run.stderr },
      { code: 0, stdout: `${PKG.version}\n`, stderr: '' },
    );
    assertNothingOfARun(run, '--debug --version');
  });

  it('--help and every command help load nothing of a run', async () => {
    const commands = [
      [],
      ['sync'],
      ['cp'],
      ['check'],
      ['plan'],
      ['ls'],
      ['rm'],
      ['stat'],
      ['cat'],
      ['uploads'],
      ['worker'],
      ['config'],
      ['config', 's3'],
      ['config', 'show'],
    ];
    for (const command of commands) {
      const args = [...command, '--help'];
      const run = await traced(args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stdout, /^Usage: s3ferry/, args.join(' '));
      assertNothingOfARun(run, args.join(' '));
    }
  });

  it('usage errors found by the CLI load nothing of a run', async () => {
    const cases: [string[], RegExp][] = [
      [['sync', '--bogus', 'a', 'b'], /unknown option '--bogus'/],
      [['sync', 'a'], /missing required argument 'DST'/],
      [['sync', '-w', '0', 'a', 'b'], /workers \(--workers\) must be a whole number/],
      [['plan', 'a', 'b', '--ranges', '0'], /ranges \(--ranges\) must be a whole number/],
      [['uploads', '--dry-run', 's3://b/'], /--dry-run goes with --abort/],
      [['worker', '--queue', 'http://x'], /redis/i],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, line] of cases) {
      const run = await traced(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, line, args.join(' '));
      assertNothingOfARun(run, args.join(' '));
    }
  });

  it('a local sync loads the engine and p-queue (ESM), and no AWS SDK package', async () => {
    const dir = freshDir('local');
    writeFileSync(join(dir, 'a.txt'), 'a');
    const run = await traced(['sync', '-q', dir, join(dir, '..', 'local-copy')]);
    assert.equal(run.code, 0, run.stderr);
    for (const pattern of [/\/dist\/src\/engine\/run\.js$/, /\/node_modules\/p-queue\//]) {
      assert.ok(
        run.loaded.some((m) => pattern.test(m)),
        `the sync did not record ${String(pattern)}`,
      );
    }
    assert.deepEqual(
      run.loaded.filter((m) => SDK_PACKAGE.test(m)),
      [],
    );
  });
});

/** An object above a 5 MiB threshold: two parts of 5 MiB. */
const BIG = Buffer.alloc(6 * 1024 * 1024 + 17, 'multipart ');

/** A module of the AWS SDK or its smithy packages. */
const SDK_PACKAGE = /\/node_modules\/@(aws-sdk|smithy)\//;

const target = testTargets().find((t) => t.name === 'rgw') ?? testTargets()[0]!;

describe(`s3ferry start-up: runStartMs and firstRequestMs in a sync's report, on ${target.name}`, () => {
  const client = createS3Client(targetSpec(target));
  const env = cliEnv(freshDir('home'), {
    a: { endpoint: target.endpoints[0], user: target.users[0] },
  });
  let bucket = '';
  const made = uniqueBucket('e2e-startup-made');
  before(async () => {
    bucket = await createBucket(client, 'e2e-startup');
    await seed(client, bucket, { 'in/a.txt': 'a', 'in/b.txt': 'b' });
    await seed(client, bucket, { 'big/a.bin': BIG });
  });
  after(async () => {
    await removeBucket(client, bucket);
    await removeBucket(client, made).catch(() => undefined);
    client.destroy();
  });

  it('--create-bucket makes the bucket on the lean path too: no @aws-sdk/client-s3 loaded', async () => {
    const run = await traced(
      ['sync', `s3+a://${bucket}/in/`, `s3+a://${made}/in/`, '--create-bucket'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`created bucket s3\\+a://${made} `));
    assert.deepEqual(
      run.loaded.filter((m) => /\/node_modules\/@aws-sdk\/client-s3\//.test(m)),
      [],
    );
    const copied = await client.send(new ListObjectsV2Command({ Bucket: made }));
    assert.deepEqual(
      copied.Contents?.map((o) => o.Key),
      ['in/a.txt', 'in/b.txt'],
    );
  });

  it('small objects between buckets take the lean path only: no @aws-sdk/client-s3 loaded', async () => {
    const run = await traced(['sync', '-q', `s3+a://${bucket}/in/`, `s3+a://${bucket}/lean/`], env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.loaded.filter((m) => /\/node_modules\/@aws-sdk\/client-s3\//.test(m)),
      [],
    );
    const copied = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'lean/' }));
    assert.deepEqual(
      copied.Contents?.map((o) => o.Key),
      ['lean/a.txt', 'lean/b.txt'],
    );
  });

  it('a server-side multipart copy takes the lean path only: HEAD, tags, Create, parts, Complete', async () => {
    const run = await traced(
      [
        'sync',
        '-q',
        '--multipart-threshold',
        '5MiB',
        '--part-size',
        '5MiB',
        `s3+a://${bucket}/big/`,
        `s3+a://${bucket}/big-copy/`,
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.loaded.filter((m) => /\/node_modules\/@aws-sdk\/client-s3\//.test(m)),
      [],
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big-copy/a.bin' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(BIG), 'the bytes copied');
    assert.match(got.ETag ?? '', /-2"$/, 'copied in two parts');
  });

  it('ls of a bucket lists with a delimiter, through the SDK: the record sees it, a CommonJS load', async () => {
    const run = await traced(['ls', `s3+a://${bucket}/`], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\bin\//);
    assert.ok(
      run.loaded.some((m) => /\/node_modules\/@aws-sdk\/client-s3\//.test(m)),
      'ls did not record @aws-sdk/client-s3',
    );
  });

  // A prefix and one object are both looked up with a lean ListObjectsV2: the first request.
  const cases: [string, () => string[]][] = [
    ['a prefix', () => [`s3+a://${bucket}/in/`, `s3+a://${bucket}/out/`]],
    ['one object', () => [`s3+a://${bucket}/in/a.txt`, `s3+a://${bucket}/one.txt`]],
  ];
  for (const [name, paths] of cases) {
    it(`${name}: after the run started, within the run and the process's life`, async () => {
      const report = join(freshDir('report'), 'report.json');
      const startedAt = performance.now();
      const run = await runCli(env, ['sync', '-q', ...paths(), '--report', report]);
      const processMs = performance.now() - startedAt;
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      const { runStartMs, firstRequestMs, durationMs } = summary;
      assert.ok(runStartMs !== undefined && runStartMs > 0, `runStartMs ${String(runStartMs)}`);
      assert.ok(firstRequestMs !== undefined, 'the report has no firstRequestMs');
      assert.ok(firstRequestMs >= runStartMs, `firstRequestMs ${firstRequestMs} < ${runStartMs}`);
      assert.ok(
        firstRequestMs <= runStartMs + durationMs + 1,
        `firstRequestMs ${firstRequestMs} after the run's end (${runStartMs} + ${durationMs})`,
      );
      assert.ok(firstRequestMs < processMs, `firstRequestMs ${firstRequestMs} ≥ ${processMs} ms`);
    });
  }
});
