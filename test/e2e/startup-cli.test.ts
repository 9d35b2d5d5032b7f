// End to end: what the built CLI loads before it answers. `--version`, `--help`, a command's
// `--help` and a usage error must not load the engine's run code, the AWS SDK, BullMQ, ioredis,
// piscina or p-queue (issue 13 §3: start-up is CPU taken from every short run). A module-load
// hook, registered with --import before the CLI starts, lists every module Node loads. A sync's
// --report says when the run started and when its first request left the process (runStartMs,
// firstRequestMs): present and inside the run, never a timing target here.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { assertBuilt, CLI_MAIN, cleanEnv, cliEnv, REPO_ROOT, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-startup-');

/** Writes `LOADED <url>` to stderr for every module loaded (ESM and CommonJS through ESM). */
const HOOKS = `export async function load(url, context, next) {
  process.stderr.write('LOADED ' + url + '\\n');
  return next(url, context);
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`,
)}`;

/** Modules a command must not need before it runs. */
const HEAVY =
  /node_modules\/(@aws-sdk|@smithy|bullmq|ioredis|piscina|p-queue|cli-progress)\/|dist\/src\/(engine\/(run|check|session|march|lanes|executor)|s3\/|distributed\/(coordinator|worker))/;

function loadedBy(args: string[]): { status: number | null; stdout: string; loaded: string[] } {
  const result = spawnSync(process.execPath, ['--import', REGISTER, CLI_MAIN, ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    encoding: 'utf8',
  });
  const loaded = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
  return { status: result.status, stdout: result.stdout, loaded };
}

describe('s3ferry start-up', () => {
  assertBuilt();
  const version = execFileSync(process.execPath, [CLI_MAIN, '--version'], {
    env: cleanEnv(),
    encoding: 'utf8',
  }).trim();

  const cases: [string, string[], (r: ReturnType<typeof loadedBy>) => void][] = [
    [
      '--version',
      ['--version'],
      (r) => {
        assert.equal(r.stdout.trim(), version);
      },
    ],
    [
      '--help',
      ['--help'],
      (r) => {
        assert.match(r.stdout, /^Usage: s3ferry /);
      },
    ],
    [
      'sync --help',
      ['sync', '--help'],
      (r) => {
        assert.match(r.stdout, /^Usage: s3ferry sync /);
      },
    ],
    [
      'a usage error',
      ['sync', 's3://a/', 's3://b/', '--no-such-flag'],
      (r) => {
        assert.equal(r.status, 2);
      },
    ],
  ];
  for (const [name, args, check] of cases) {
    it(`${name} answers without loading the engine, the SDK or the queue`, () => {
      const result = loadedBy(args);
      check(result);
      // The hook saw the CLI itself: the list is real, not empty because the hook failed.
      assert.ok(
        result.loaded.some((url) => url.endsWith('/dist/src/cli/program.js')),
        result.loaded.join('\n'),
      );
      assert.deepEqual(
        result.loaded.filter((url) => HEAVY.test(url)),
        [],
      );
    });
  }

  it('a sync loads the engine and the SDK (the hook does see them)', () => {
    const result = loadedBy(['sync', 's3+nosuch://a/', 's3+nosuch://b/']);
    assert.equal(result.status, 2);
    // Resolving the profile fails before the run: the engine module is loaded by then.
    assert.ok(
      result.loaded.some((url) => url.includes('/dist/src/engine/run.js')),
      result.loaded.join('\n'),
    );
  });
});

const target = testTargets().find((t) => t.name === 'rgw') ?? testTargets()[0]!;

describe(`s3ferry start-up: runStartMs and firstRequestMs in a sync's report, on ${target.name}`, () => {
  const client = createS3Client(targetSpec(target));
  const env = cliEnv(freshDir('home'), {
    a: { endpoint: target.endpoints[0], user: target.users[0] },
  });
  let bucket = '';
  before(async () => {
    bucket = await createBucket(client, 'e2e-startup');
    await seed(client, bucket, { 'in/a.txt': 'a', 'in/b.txt': 'b' });
  });
  after(async () => {
    await removeBucket(client, bucket);
    client.destroy();
  });

  // A prefix is listed on the lean path (counted); one object is looked up with the SDK's
  // ListObjectsV2 MaxKeys=1, which no RequestCounter sees: both are the run's first request.
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
