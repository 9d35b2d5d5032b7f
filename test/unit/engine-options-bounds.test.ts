// Every number a sync, cp or check takes is bounded, for the library exactly as for the CLI: out of
// range (0 included), fractional or not a number, it is one usage error (exit 2) naming the option,
// its flag and the range; an unclosed `[` or `{` in a filter pattern is refused the same way.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { wholeNumber } from '../../src/cli/run-support.ts';
import {
  BOUNDS,
  MAX_WORKERS,
  resolveCheckNumbers,
  resolveSyncOptions,
} from '../../src/engine/options.ts';
import type { SyncOptions } from '../../src/engine/options.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const base = { src: 's3://b/a/', dst: '/tmp/x' };

/** The one-line usage error `fn` throws. */
function usageLine(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isS3FerryError(error), String(error));
    assert.equal(error.exitCode, ExitCode.Usage);
    assert.ok(!error.message.includes('\n'));
    return error.hint === undefined ? error.message : `${error.message}. Hint: ${error.hint}`;
  }
  assert.fail('expected a usage error');
}

const refused: [string, Partial<SyncOptions>, string][] = [
  [
    'workers 0 (not "the default")',
    { workers: 0 },
    `workers (--workers) must be a whole number from 1 to ${MAX_WORKERS} (4 per core, at least 4), got 0`,
  ],
  [
    'workers 100000',
    { workers: 100_000 },
    `from 1 to ${MAX_WORKERS} (4 per core, at least 4), got 100000`,
  ],
  ['workers 1.5', { workers: 1.5 }, 'workers (--workers) must be a whole number from 1 to'],
  [
    'tasksPerWorker 0',
    { tasksPerWorker: 0 },
    'tasks per worker (--tasks-per-worker) must be a whole number from 1 to 256, got 0',
  ],
  [
    'tasksPerWorker 257',
    { tasksPerWorker: 257 },
    'tasks per worker (--tasks-per-worker) must be a whole number from 1 to 256, got 257',
  ],
  [
    'partConcurrency 99999999999',
    { partConcurrency: 99_999_999_999 },
    'part concurrency (--part-concurrency) must be a whole number from 1 to 64, got 99999999999',
  ],
  [
    'partConcurrency 0',
    { partConcurrency: 0 },
    'part concurrency (--part-concurrency) must be a whole number from 1 to 64, got 0',
  ],
  [
    'listConcurrency 65',
    { listConcurrency: 65 },
    'list concurrency (--list-concurrency) must be a whole number from 1 to 64, got 65',
  ],
  [
    'listConcurrency 0',
    { listConcurrency: 0 },
    'list concurrency (--list-concurrency) must be a whole number from 1 to 64, got 0',
  ],
  [
    'partSizeBytes above 5 GiB',
    { partSizeBytes: 5 * GiB + 1 },
    "the part size (--part-size) must be at most 5 GiB (S3's maximum), got 5368709121 bytes",
  ],
  [
    'partSizeBytes below 5 MiB',
    { partSizeBytes: 5 * MiB - 1 },
    "the part size (--part-size) must be at least 5 MiB (S3's minimum), got 5242879 bytes",
  ],
  [
    'partSizeBytes 0',
    { partSizeBytes: 0 },
    "the part size (--part-size) must be at least 5 MiB (S3's minimum), got 0 bytes",
  ],
  [
    'multipartThresholdBytes 0',
    { multipartThresholdBytes: 0 },
    'the multipart threshold (--multipart-threshold) must be at least 1 byte, got 0 bytes',
  ],
  [
    'multipartThresholdBytes above 5 GiB',
    { multipartThresholdBytes: 6 * GiB },
    "the multipart threshold (--multipart-threshold) must be at most 5 GiB (S3's largest single PUT or copy), got 6442450944 bytes",
  ],
  [
    'maxDelete -1',
    { shouldDelete: true, maxDelete: -1 },
    'max delete (--max-delete) must be a whole number from 0 to 9007199254740991, got -1',
  ],
  [
    'maxDelete 1e30',
    { shouldDelete: true, maxDelete: 1e30 },
    'max delete (--max-delete) must be a whole number from 0 to 9007199254740991, got 1e+30',
  ],
  [
    'maxFailureDetails above a million',
    { maxFailureDetails: 1_000_001 },
    'max failure details must be a whole number from 0 to 1000000, got 1000001',
  ],
  [
    'progressIntervalMs 0',
    { progressIntervalMs: 0 },
    "progress interval must be a whole number from 1 to 2147483647 (Node's longest timer), got 0",
  ],
  [
    'progressIntervalMs above the longest timer',
    { progressIntervalMs: 2 ** 31 },
    "progress interval must be a whole number from 1 to 2147483647 (Node's longest timer), got 2147483648",
  ],
  [
    "include '[abc' (unclosed)",
    { include: ['[abc'] },
    "filter pattern '[abc': the '[' is never closed. Hint: close it with ']', or write a literal '[' as '\\['",
  ],
  [
    "exclude 'logs/{a,b' (unclosed)",
    { exclude: ['logs/{a,b'] },
    "filter pattern 'logs/{a,b': the '{' is never closed. Hint: close it with '}', or write a literal '{' as '\\{'",
  ],
];

describe('library sync options: every number bounded, one line naming the option and flag', () => {
  for (const [name, options, line] of refused) {
    it(`${name} is refused`, () => {
      const text = usageLine(() => resolveSyncOptions({ ...base, ...options }));
      assert.ok(text.includes(line), `${text}\n  expected: ${line}`);
    });
  }

  it('the limits themselves are accepted, and the defaults are inside the bounds', () => {
    const resolved = resolveSyncOptions({
      ...base,
      workers: MAX_WORKERS,
      tasksPerWorker: 256,
      partConcurrency: 64,
      listConcurrency: 64,
      partSizeBytes: 5 * GiB,
      multipartThresholdBytes: 5 * GiB,
      shouldDelete: true,
      maxDelete: 0,
      include: ['[[]x', '\\[abc', '[]]', '{a,b}/[!x]'],
    });
    assert.deepEqual(
      [resolved.workers, resolved.tasksPerWorker, resolved.partConcurrency, resolved.maxDelete],
      [MAX_WORKERS, 256, 64, 0],
    );
    const defaults = resolveSyncOptions(base);
    assert.equal(defaults.workers, availableParallelism());
    assert.equal(MAX_WORKERS, Math.max(4, 4 * availableParallelism()));
  });
});

describe('library check options: the same bounds', () => {
  const cases: [string, Parameters<typeof resolveCheckNumbers>[0], string][] = [
    ['workers 0', { workers: 0 }, 'workers (--workers) must be a whole number from 1 to'],
    [
      'tasksPerWorker 1000',
      { tasksPerWorker: 1000 },
      'tasks per worker (--tasks-per-worker) must be a whole number from 1 to 256, got 1000',
    ],
    [
      'maxDifferenceDetails -1',
      { maxDifferenceDetails: -1 },
      'max difference details must be a whole number from 0 to 1000000, got -1',
    ],
  ];
  for (const [name, options, line] of cases) {
    it(`${name} is refused`, () => {
      assert.ok(usageLine(() => resolveCheckNumbers(options)).startsWith(line));
    });
  }
});

describe('CLI flags: text that is no whole number, or out of range, names the flag and the range', () => {
  const cases: [keyof typeof BOUNDS, string, string][] = [
    [
      'workers',
      'many',
      `workers (--workers) must be a whole number from 1 to ${MAX_WORKERS} (4 per core, at least 4), got 'many'`,
    ],
    [
      'tasksPerWorker',
      '-5',
      "tasks per worker (--tasks-per-worker) must be a whole number from 1 to 256, got '-5'",
    ],
    [
      'partConcurrency',
      '2.5',
      "part concurrency (--part-concurrency) must be a whole number from 1 to 64, got '2.5'",
    ],
    [
      'listConcurrency',
      '',
      "list concurrency (--list-concurrency) must be a whole number from 1 to 64, got ''",
    ],
    [
      'maxDelete',
      '1e3',
      "max delete (--max-delete) must be a whole number from 0 to 9007199254740991, got '1e3'",
    ],
  ];
  for (const [bound, text, line] of cases) {
    it(`${BOUNDS[bound].name} '${text}'`, () => {
      assert.equal(
        usageLine(() => wholeNumber(BOUNDS[bound], text)),
        line,
      );
    });
  }

  it("a whole number in range passes; out of range it is the engine's line, before the engine loads", () => {
    assert.equal(wholeNumber(BOUNDS.workers, ' 8 '), 8);
    assert.equal(wholeNumber(BOUNDS.workers, undefined), undefined);
    assert.equal(wholeNumber(BOUNDS.maxDelete, '0'), 0);
    for (const [bound, text] of [
      ['workers', '0'],
      ['tasksPerWorker', '257'],
      ['maxDelete', '99999999999999999999'],
    ] as const) {
      const value = Number(text);
      assert.equal(
        usageLine(() => wholeNumber(BOUNDS[bound], text)),
        usageLine(() =>
          resolveSyncOptions({ src: 'a', dst: 'b', [bound]: value, shouldDelete: true }),
        ),
      );
    }
  });
});
