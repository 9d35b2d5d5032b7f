// Splitting a checkpoint's range: the new layout is journaled as one record and read back the
// same, in key order; a journal torn anywhere inside that record gives the layout before the
// split, whole it gives the one after; compactions (on open, and one started by the split record
// itself) keep the split; refused splits change and write nothing; invalid split records are
// refused as corruption.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMPACT_AFTER_RECORDS, openCheckpoint } from '../../src/job/checkpoint.ts';
import type { Checkpoint, JobIdentity, RangeState } from '../../src/job/checkpoint.ts';
import { readJournal } from '../../src/job/journal.ts';
import { zeroCounts } from '../../src/job/watermark.ts';
import { WHOLE_RANGE } from '../../src/plan/key-range.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const tmp = tempRoot('s3ferry-checkpoint-split-');

const IDENTITY: JobIdentity = {
  src: 's3://a/photos/',
  dst: 's3://b/photos/',
  srcWhere: 'https://s3.example a/photos/',
  dstWhere: 'https://s3.example b/photos/',
  mode: 'size-mtime',
  include: [],
  exclude: [],
  deleteExcluded: false,
  delete: false,
};

function freshPath(): string {
  return join(tmp.freshDir('c'), 'job.ckpt');
}

/** A checkpoint's ranges as plain data: id, bounds, mark, keys settled, done. */
function layout(checkpoint: Checkpoint): string[] {
  return checkpoint.ranges().map(shown);
}

function shown(r: RangeState): string {
  const done = r.isDone ? ' done' : '';
  return `${r.id} (${r.range.after ?? 'start'}, ${r.range.until ?? 'end'}] mark ${r.mark ?? '-'} keys ${r.counts.keys}${done}`;
}

/** The layout a reopened checkpoint at `path` gives (it is closed again). */
async function reopened(path: string, onWarning?: (message: string) => void): Promise<string[]> {
  const checkpoint = await openCheckpoint(path, IDENTITY, onWarning ? { onWarning } : {});
  try {
    return layout(checkpoint);
  } finally {
    await checkpoint.close();
  }
}

function counts(keys: number): ReturnType<typeof zeroCounts> {
  return { ...zeroCounts(), keys };
}

/** Asserts that `call` throws the internal RangeSplitRefused error, naming `why`. */
function assertRefused(call: () => unknown, why: RegExp): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof S3FerryError, String(error));
    assert.equal(error.code, 'RangeSplitRefused');
    assert.equal(error.kind, 'internal');
    assert.match(error.message, why);
    return true;
  });
}

describe('checkpoint range splits', () => {
  it('journals the new layout, read back the same and in key order, with fresh ids', async () => {
    const path = freshPath();
    const checkpoint = await openCheckpoint(path, IDENTITY, { fresh: true });
    const whole = checkpoint.addRange(WHOLE_RANGE);
    checkpoint.mark(whole, 'b/1', counts(3));
    const added = checkpoint.split(whole, [{ after: 'm', until: 't' }, { after: 't' }]);
    assert.deepEqual(added.map(shown), ['r1 (m, t] mark - keys 0', 'r2 (t, end] mark - keys 0']);
    // A range split off is split again: its new part sorts before r2, though added after it.
    const [middle] = added;
    assert.ok(middle !== undefined);
    checkpoint.mark(middle, 'n', counts(2));
    const [again] = checkpoint.split(middle, [{ after: 'p', until: 't' }]);
    assert.ok(again !== undefined);
    checkpoint.mark(again, 'q', counts(1));
    const expected = [
      'r0 (start, m] mark b/1 keys 3',
      'r1 (m, p] mark n keys 2',
      'r3 (p, t] mark q keys 1',
      'r2 (t, end] mark - keys 0',
    ];
    assert.deepEqual(layout(checkpoint), expected);
    await checkpoint.close();

    assert.deepEqual(await reopened(path), expected);
    // Ranges added after a resume do not reuse an id.
    const resumed = await openCheckpoint(path, IDENTITY);
    const last = resumed.ranges().at(-1);
    assert.ok(last !== undefined);
    const [next] = resumed.split(last, [{ after: 'w' }]);
    assert.equal(next?.id, 'r4');
    await resumed.close();
    assert.deepEqual(await reopened(path), [
      ...expected.slice(0, -1),
      'r2 (t, w] mark - keys 0',
      'r4 (w, end] mark - keys 0',
    ]);
  });

  it('a journal torn inside the split record gives the layout before it, whole the one after', async () => {
    const path = freshPath();
    const checkpoint = await openCheckpoint(path, IDENTITY, { fresh: true });
    const whole = checkpoint.addRange({ after: 'a', until: 'z' });
    checkpoint.mark(whole, 'c', counts(5));
    await checkpoint.flush();
    const before = (await stat(path)).size;
    checkpoint.split(whole, [
      { after: 'f\u{1F600}', until: 'k' },
      { after: 'k', until: 'r' },
      { after: 'r', until: 'z' },
    ]);
    await checkpoint.close();
    const after = (await stat(path)).size;
    const original = await readFile(path);
    assert.ok(after > before + 20, 'the split record was written after the flush');

    const preSplit = ['r0 (a, z] mark c keys 5'];
    const postSplit = [
      'r0 (a, f\u{1F600}] mark c keys 5',
      'r1 (f\u{1F600}, k] mark - keys 0',
      'r2 (k, r] mark - keys 0',
      'r3 (r, z] mark - keys 0',
    ];
    const copy = join(tmp.freshDir('torn'), 'job.ckpt');
    for (let end = before; end <= after; end++) {
      await writeFile(copy, original.subarray(0, end));
      const warnings: string[] = [];
      const got = await reopened(copy, (message) => warnings.push(message));
      assert.deepEqual(got, end === after ? postSplit : preSplit, `cut at byte ${end}`);
      assert.equal(warnings.length, end === before || end === after ? 0 : 1, `cut at ${end}`);
    }
  });

  it('compaction on open writes the post-split layout as range records in key order', async () => {
    const path = freshPath();
    const checkpoint = await openCheckpoint(path, IDENTITY, { fresh: true });
    const whole = checkpoint.addRange(WHOLE_RANGE);
    checkpoint.mark(whole, 'c', counts(2));
    checkpoint.split(whole, [{ after: 'h', until: 'p' }, { after: 'p' }]);
    checkpoint.split(whole, [{ after: 'e', until: 'h' }]);
    await checkpoint.close();
    const expected = [
      'r0 (start, e] mark c keys 2',
      'r3 (e, h] mark - keys 0',
      'r1 (h, p] mark - keys 0',
      'r2 (p, end] mark - keys 0',
    ];
    assert.deepEqual(await reopened(path), expected);
    // The reopen compacted the journal: no split record is left, the ranges are in key order.
    const journal = await readJournal(path);
    assert.ok(journal !== undefined);
    const none = zeroCounts();
    assert.deepEqual(
      journal.records.filter((r) => r['t'] === 'range' || r['t'] === 'split'),
      [
        { t: 'range', id: 'r0', until: 'e', mark: 'c', counts: counts(2), done: false },
        { t: 'range', id: 'r3', after: 'e', until: 'h', counts: none, done: false },
        { t: 'range', id: 'r1', after: 'h', until: 'p', counts: none, done: false },
        { t: 'range', id: 'r2', after: 'p', counts: none, done: false },
      ],
    );
    assert.deepEqual(await reopened(path), expected);
  });

  it('a compaction started by the split record itself snapshots the split', async () => {
    const path = freshPath();
    const checkpoint = await openCheckpoint(path, IDENTITY, { fresh: true });
    const whole = checkpoint.addRange(WHOLE_RANGE);
    // The split is the record that reaches COMPACT_AFTER_RECORDS.
    for (let i = 0; i < COMPACT_AFTER_RECORDS - 2; i++) checkpoint.extra(['gone']);
    checkpoint.split(whole, [{ after: 'q' }]);
    await checkpoint.close();
    assert.equal(checkpoint.stats.compactions, 1);
    const journal = await readJournal(path);
    assert.ok(journal !== undefined);
    assert.equal(journal.records.filter((r) => r['t'] === 'split').length, 0);
    assert.deepEqual(await reopened(path), [
      'r0 (start, q] mark - keys 0',
      'r1 (q, end] mark - keys 0',
    ]);
  });

  it('refuses a split that does not tile the rest, is past the mark, or of a done range', async () => {
    const path = freshPath();
    const checkpoint = await openCheckpoint(path, IDENTITY, { fresh: true });
    const range = checkpoint.addRange({ after: 'b', until: 'y' });
    checkpoint.mark(range, 'f', counts(4));
    const refusals: [Parameters<Checkpoint['split']>[1], RegExp][] = [
      [[{ after: 'e', until: 'y' }], /mark "f" is past the first cut "e"/],
      [[{ after: 'a', until: 'y' }], /mark "f" is past the first cut "a"/],
      [
        [
          { after: 'm', until: 'p' },
          { after: 'q', until: 'y' },
        ],
        /do not tile/,
      ],
      [
        [
          { after: 'm', until: 'q' },
          { after: 'p', until: 'y' },
        ],
        /do not tile/,
      ],
      [[{ after: 'm' }], /do not tile/],
      [[{ after: 'm', until: 'z' }], /do not tile/],
      [[{ until: 'y' }], /do not tile/],
      [[{ after: 'y', until: 'y' }], /not before the range's end "y"/],
      [
        [
          { after: 'm', until: 'm' },
          { after: 'm', until: 'y' },
        ],
        /"m" is not after "m"/,
      ],
    ];
    for (const [added, why] of refusals) assertRefused(() => checkpoint.split(range, added), why);
    assertRefused(
      () => checkpoint.split({ ...range }, [{ after: 'm', until: 'y' }]),
      /not a range of this job/,
    );
    // A mark at the cut is fine: the keys it settled stay in the range that settled them.
    const [rest] = checkpoint.split(range, [{ after: 'f', until: 'y' }]);
    assert.ok(rest !== undefined);
    checkpoint.done(rest, counts(7));
    assertRefused(() => checkpoint.split(rest, [{ after: 's', until: 'y' }]), /range is done/);
    assert.deepEqual(checkpoint.split(rest, []), []);
    const expected = ['r0 (b, f] mark f keys 4', 'r1 (f, y] mark - keys 7 done'];
    assert.deepEqual(layout(checkpoint), expected);
    await checkpoint.close();
    assert.deepEqual(await reopened(path), expected);
  });

  it('gives new ranges ids after the highest in the journal, however it numbered them', async () => {
    const path = freshPath();
    const header = { s3ferry: 's3ferry-checkpoint', version: 1, job: IDENTITY };
    const records = [
      header,
      { t: 'pass', n: 1, at: '2026-01-01T00:00:00.000Z' },
      { t: 'range', id: 'r0', until: 'k' },
      { t: 'split', id: 'r0', cuts: ['f'], ids: ['r7'] },
    ];
    await writeFile(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const checkpoint = await openCheckpoint(path, IDENTITY);
    const [first] = checkpoint.ranges();
    assert.ok(first !== undefined);
    assert.equal(checkpoint.split(first, [{ after: 'c', until: 'f' }])[0]?.id, 'r8');
    assert.equal(checkpoint.addRange({ after: 'k' }).id, 'r9');
    assert.deepEqual(layout(checkpoint), [
      'r0 (start, c] mark - keys 0',
      'r8 (c, f] mark - keys 0',
      'r7 (f, k] mark - keys 0',
      'r9 (k, end] mark - keys 0',
    ]);
    await checkpoint.close();
  });

  it('refuses a journal whose split record is invalid, naming the line', async () => {
    const header = { s3ferry: 's3ferry-checkpoint', version: 1, job: IDENTITY };
    const start = [
      { t: 'pass', n: 1, at: '2026-01-01T00:00:00.000Z' },
      { t: 'range', id: 'r0', after: 'b', until: 'y' },
      { t: 'mark', id: 'r0', key: 'f', counts: counts(1) },
    ];
    const cases: [object, string][] = [
      [{ t: 'split', id: 'r9', cuts: ['m'], ids: ['r1'] }, 'a split record for an unknown range'],
      [{ t: 'split', id: 'r0', cuts: ['m', 'p'], ids: ['r1'] }, 'without as many ids as cuts'],
      [{ t: 'split', id: 'r0', cuts: ['m'], ids: ['r0'] }, 'reusing a range id'],
      [{ t: 'split', id: 'r0', cuts: ['m', 'p'], ids: ['r1', 'r1'] }, 'reusing a range id'],
      [{ t: 'split', id: 'r0', cuts: ['e'], ids: ['r1'] }, 'its mark "f" is past the first cut'],
      [{ t: 'split', id: 'r0', cuts: ['p', 'm'], ids: ['r1', 'r2'] }, '"m" is not after "p"'],
      [{ t: 'split', id: 'r0', cuts: ['z'], ids: ['r1'] }, 'not before the range\'s end "y"'],
    ];
    for (const [record, reason] of cases) {
      const path = freshPath();
      const lines = [header, ...start, record].map((r) => `${JSON.stringify(r)}\n`);
      await writeFile(path, lines.join(''));
      await assert.rejects(openCheckpoint(path, IDENTITY), (error: unknown) => {
        assert.ok(error instanceof S3FerryError, String(error));
        assert.equal(error.code, 'CorruptCheckpoint');
        assert.ok(error.message.includes('at line 5'), error.message);
        assert.ok(error.message.includes(reason), `${error.message} names ${reason}`);
        return true;
      });
    }
  });
});
