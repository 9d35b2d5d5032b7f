// End to end: what the built CLI loads before it answers. `--version`, `--help`, a command's
// `--help` and a usage error must not load the engine's run code, the AWS SDK, BullMQ, ioredis,
// piscina or p-queue (issue 13 §3: start-up is CPU taken from every short run). A module-load
// hook, registered with --import before the CLI starts, lists every module Node loads.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { assertBuilt, CLI_MAIN, cleanEnv, REPO_ROOT } from '../helpers/cli.ts';

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
