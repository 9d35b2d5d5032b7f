// End to end: every number and pattern a run takes is checked before anything is listed: out of
// range (0 included) or unterminated, it is one line naming the flag and what is allowed, exit 2.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { fileMd5s, writeTree } from '../helpers/sync-fixtures.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-bounds-');
const maxWorkers = Math.max(4, 4 * availableParallelism());

const refused: [string[], RegExp][] = [
  [
    ['--workers', '0'],
    /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+ \(4 per core, at least 4\), got 0$/,
  ],
  [
    ['--workers', '100000'],
    /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+ .*, got 100000$/,
  ],
  [
    ['--workers', String(maxWorkers + 1)],
    new RegExp(`from 1 to ${maxWorkers} .*got ${maxWorkers + 1}$`),
  ],
  [
    ['--tasks-per-worker', '0'],
    /^s3ferry: tasks per worker \(--tasks-per-worker\) must be a whole number from 1 to 256, got 0$/,
  ],
  [
    ['--tasks-per-worker', '257'],
    /\(--tasks-per-worker\) must be a whole number from 1 to 256, got 257$/,
  ],
  [
    ['--part-concurrency', '99999999999'],
    /^s3ferry: part concurrency \(--part-concurrency\) must be a whole number from 1 to 64, got 99999999999$/,
  ],
  [
    ['--part-concurrency', '0'],
    /\(--part-concurrency\) must be a whole number from 1 to 64, got 0$/,
  ],
  [
    ['--list-concurrency', '65'],
    /^s3ferry: list concurrency \(--list-concurrency\) must be a whole number from 1 to 64, got 65$/,
  ],
  [
    ['--list-concurrency', '0'],
    /\(--list-concurrency\) must be a whole number from 1 to 64, got 0$/,
  ],
  [
    ['--checkers', '257'],
    /^s3ferry: checkers \(--checkers\) must be a whole number from 1 to 256, got 257$/,
  ],
  [['--checkers', '0'], /\(--checkers\) must be a whole number from 1 to 256, got 0$/],
  [
    ['--part-size', '6GiB'],
    /^s3ferry: the part size \(--part-size\) must be at most 5 GiB \(S3's maximum\), got 6442450944 bytes$/,
  ],
  [['--part-size', '1MiB'], /^s3ferry: the part size \(--part-size\) must be at least 5 MiB/],
  [
    ['--include', '[abc'],
    /^s3ferry: filter pattern '\[abc': the '\[' is never closed\. Hint: close it with '\]', or write a literal '\[' as '\\\['$/,
  ],
  [
    ['--exclude', 'logs/{a,b'],
    /^s3ferry: filter pattern 'logs\/\{a,b': the '\{' is never closed\. Hint: /,
  ],
  [
    ['--workers', 'many'],
    /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+ \(4 per core, at least 4\), got 'many'$/,
  ],
  [
    ['--part-concurrency', '-3'],
    /^s3ferry: part concurrency \(--part-concurrency\) must be a whole number from 1 to 64, got '-3'$/,
  ],
  [
    ['--multipart-threshold', '0'],
    /^s3ferry: the multipart threshold \(--multipart-threshold\) must be at least 1 byte, got 0 bytes$/,
  ],
  [
    ['--multipart-threshold', '6GiB'],
    /^s3ferry: the multipart threshold \(--multipart-threshold\) must be at most 5 GiB \(S3's largest single PUT or copy\), got 6442450944 bytes$/,
  ],
  [
    ['--delete', '--max-delete', 'ten'],
    /^s3ferry: max delete \(--max-delete\) must be a whole number from 0 to 9007199254740991, got 'ten'$/,
  ],
];

describe('bounds on the numbers and patterns of sync', () => {
  for (const [flags, line] of refused) {
    it(`${flags.join(' ')}: exit 2, one line, nothing written`, async () => {
      const src = freshDir('src');
      writeTree(src, { 'a.txt': 'alpha' });
      const dst = freshDir('dst');
      const r = await runCli(cleanEnv(), ['sync', ...flags, src, dst]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), line);
      assert.deepEqual(fileMd5s(dst), {});
    });
  }

  it('the largest allowed values run (and megfile’s --workers -1 means the default)', async () => {
    const src = freshDir('src');
    writeTree(src, { 'a.txt': 'alpha' });
    const dst = freshDir('dst');
    const r = await runCli(cleanEnv(), [
      'sync',
      '-q',
      '--tasks-per-worker',
      '256',
      '--part-concurrency',
      '64',
      '--list-concurrency',
      '64',
      '--part-size',
      '5GiB',
      '--workers=-1',
      src,
      dst,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(fileMd5s(dst)), ['a.txt']);
  });

  it('--max-retry-times above 1000 (read when a profile is resolved): exit 2, one line', async () => {
    for (const args of [
      ['--max-retry-times', '99999999999', 'ls', 's3://bucket/'],
      ['sync', '--max-retry-times', '1001', 's3://bucket/', freshDir('dst')],
    ]) {
      const r = await runCli(cleanEnv(), args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^s3ferry: Invalid --max-retry-times: expected a whole number from 0 to 1000, got "\d+"\n$/,
      );
    }
  });

  it('--help names each range (sync, cp and check)', async () => {
    for (const command of ['sync', 'cp', 'check']) {
      const r = await runCli(cleanEnv(), [command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      const text = r.stdout.replace(/\s+/g, ' ');
      assert.ok(text.includes(`1 to ${maxWorkers} (4 per core)`), text);
      assert.ok(text.includes('runs at once, 1 to 256 (default: 16)'), text);
      if (command !== 'check') {
        assert.ok(text.includes('parts in flight per object, 1 to 64 (default: 4)'), text);
        assert.ok(text.includes('preferred part size, 5MiB to 5GiB (default: 16MiB)'), text);
      }
    }
  });

  it('check takes the same bounds', async () => {
    const dir = freshDir('src');
    for (const [flags, line] of [
      [['--workers', '0'], /^s3ferry: workers \(--workers\) must be a whole number from 1 to \d+/],
      [
        ['--tasks-per-worker', '257'],
        /^s3ferry: tasks per worker \(--tasks-per-worker\) must be a whole number from 1 to 256, got 257$/,
      ],
    ] as const) {
      const r = await runCli(cleanEnv(), ['check', ...flags, dir, dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), line);
    }
  });
});
