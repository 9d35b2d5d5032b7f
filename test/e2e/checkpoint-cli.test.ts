// `s3ferry sync --checkpoint` refusals through the built CLI, on local directories (no server
// needed): another job's checkpoint, a corrupt one, a file that is not a checkpoint, --fresh
// without --checkpoint and --checkpoint with --dry-run are each one line on stderr naming what is
// at fault, exit code 2, and nothing copied; --fresh starts the other job over.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { writeTree } from '../helpers/sync-fixtures.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-checkpoint-');
const env = cleanEnv({ HOME: freshDir('home') });
const DAY_MS = 24 * 3600 * 1000;

/** Exactly one line on stderr, nothing on stdout, exit 2. */
function assertRefused(result: Awaited<ReturnType<typeof runCli>>, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.ok(!result.stderr.includes('    at '), 'no stack trace');
}

describe('s3ferry sync --checkpoint refusals (built CLI)', () => {
  it('another job’s checkpoint names the difference; --fresh starts over', async () => {
    const a = freshDir('a');
    const b = freshDir('b');
    const dst = freshDir('dst');
    writeTree(a, { 'x.txt': 'x' });
    writeTree(b, { 'y.txt': 'y' });
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    const first = await runCli(env, ['sync', a, dst, '--checkpoint', checkpoint, '-q']);
    assert.equal(first.code, 0, first.stderr);
    const other = await runCli(env, ['sync', b, dst, '--checkpoint', checkpoint]);
    assertRefused(
      other,
      new RegExp(
        `^s3ferry: checkpoint ${checkpoint} belongs to another job: its source is ${a}, this run's is ${b}\\. Hint: .*--fresh`,
      ),
    );
    assert.deepEqual(readdirSync(dst), ['x.txt']);
    const fresh = await runCli(env, ['sync', b, dst, '--checkpoint', checkpoint, '--fresh', '-q']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(readdirSync(dst).sort(), ['x.txt', 'y.txt']);
  });

  it('the size and age filters are part of the job; a resumed pass counts ages from its own start', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    writeTree(src, { 'recent.txt': 'recent', 'old.txt': 'twelve days old' });
    const twelveDaysAgo = (Date.now() - 12 * DAY_MS) / 1000;
    utimesSync(join(src, 'old.txt'), twelveDaysAgo, twelveDaysAgo);
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    const first = await runCli(env, [
      'sync',
      src,
      dst,
      '--checkpoint',
      checkpoint,
      '--max-age',
      '7d',
      '-q',
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(readdirSync(dst), ['recent.txt']);
    assertRefused(
      await runCli(env, ['sync', src, dst, '--checkpoint', checkpoint, '--max-age', '30d']),
      /belongs to another job: its filter by size, age or --files-from is --max-age 7d, this run's is --max-age 30d\./,
    );
    // The same job, interrupted in a pass that started ten days ago: resumed, "7d" still means
    // seven days before that start, which takes in the twelve-day-old file.
    const tenDaysAgo = new Date(Date.now() - 10 * DAY_MS).toISOString();
    const [header = ''] = readFileSync(checkpoint, 'utf8').split('\n');
    writeFileSync(
      checkpoint,
      [
        header,
        JSON.stringify({ t: 'pass', n: 1, at: tenDaysAgo }),
        '{"t":"range","id":"r0"}',
        '',
      ].join('\n'),
    );
    const resumed = await runCli(env, [
      'sync',
      src,
      dst,
      '--checkpoint',
      checkpoint,
      '--max-age',
      '7d',
      '-q',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(readdirSync(dst).sort(), ['old.txt', 'recent.txt']);
  });

  it('a corrupt checkpoint names the file and the line; a foreign file is not a checkpoint', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    writeTree(src, { 'x.txt': 'x' });
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    assert.equal((await runCli(env, ['sync', src, dst, '--checkpoint', checkpoint, '-q'])).code, 0);
    const lines = readFileSync(checkpoint, 'utf8').split('\n');
    lines.splice(1, 0, '{"t":"range", oops');
    writeFileSync(checkpoint, lines.join('\n'));
    assertRefused(
      await runCli(env, ['sync', src, freshDir('dst2'), '--checkpoint', checkpoint]),
      new RegExp(
        `^s3ferry: checkpoint ${checkpoint} is corrupt at line 2 \\(byte \\d+\\): not JSON`,
      ),
    );
    writeFileSync(checkpoint, 'hello\n');
    assertRefused(
      await runCli(env, ['sync', src, freshDir('dst3'), '--checkpoint', checkpoint]),
      /is corrupt at line 1/,
    );
  });

  it('--fresh without --checkpoint, and --checkpoint with --dry-run, are usage errors', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    writeTree(src, { 'x.txt': 'x' });
    assertRefused(await runCli(env, ['sync', src, dst, '--fresh']), /--fresh .*--checkpoint/);
    assertRefused(
      await runCli(env, ['sync', src, dst, '--dry-run', '--checkpoint', join(dst, 'c')]),
      /--checkpoint records a real run/,
    );
    assert.deepEqual(readdirSync(dst), []);
  });
});
