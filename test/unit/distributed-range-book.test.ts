// A distributed range's book, over a recording fake of the job store: writes reach the store in
// the order made (a split before the marks past it, extras and failures before done), a split
// keeps the first part here and hands the rest off, and a failed write surfaces at settle().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RangeState } from '../../src/job/checkpoint.ts';
import { zeroCounts } from '../../src/job/watermark.ts';
import type { JobStore } from '../../src/distributed/job-store.ts';
import { RangeBook } from '../../src/distributed/range-book.ts';

function fakeStore(failOn?: string) {
  const calls: string[] = [];
  const record =
    (name: string, describe: (...args: never[]) => string) =>
    async (...args: never[]): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (name === failOn) throw new Error(`${name} refused`);
      calls.push(`${name} ${describe(...args)}`);
    };
  const store = {
    split: record(
      'split',
      (s: RangeState, added: RangeState[]) =>
        `${s.range.until ?? ''} +${added.map((a) => a.id).join(',')}`,
    ),
    finishRange: record('finish', (s: RangeState) => `${s.id} ${s.counts.keys}`),
    putRange: record('mark', (s: RangeState) => s.mark ?? ''),
    pushExtras: record('extras', (keys: string[]) => keys.join(',')),
    pushFailure: record('failure', (f: { key: string }) => f.key),
    putUpload: record(
      'upload',
      (u: { uploadId: string; parts: Map<number, unknown> }) => `${u.uploadId} ${u.parts.size}`,
    ),
    dropUpload: record('upload-end', (id: string) => id),
  };
  return { store: store as unknown as JobStore, calls };
}

function state(): RangeState {
  return { id: 'after:', range: {}, mark: undefined, counts: zeroCounts(), isDone: false };
}

describe('RangeBook', () => {
  it('splits: the range ends at the first cut, the rest is stored then handed off, none marched here', async () => {
    const { store, calls } = fakeStore();
    const handed: string[][] = [];
    const s = state();
    const book = new RangeBook({
      store,
      state: s,
      uploads: [],
      resumed: undefined,
      onSplit: (added) => {
        handed.push(added.map((a) => a.id));
        return Promise.resolve();
      },
    });
    const local = book.split(s, [{ after: 'k', until: 'p' }, { after: 'p' }]);
    assert.deepEqual(local, []);
    assert.equal(s.range.after, undefined);
    assert.equal(s.range.until, 'k');
    book.mark(s, 'c', { ...zeroCounts(), keys: 3 });
    book.extra(['x']);
    book.failed({ key: 'd', code: 'AccessDenied', message: 'no' });
    book.done(s, { ...zeroCounts(), keys: 5 });
    await book.settle();
    assert.deepEqual(calls, [
      'split k +after:k,after:p',
      'extras x',
      'failure d',
      'finish after: 5',
    ]);
    assert.deepEqual(handed, [['after:k', 'after:p']]);
    assert.equal(book.splits, 2);
  });

  it('writes a moved mark once per flush, and records uploads with their parts', async () => {
    const { store, calls } = fakeStore();
    const s = state();
    const book = new RangeBook({
      store,
      state: s,
      uploads: [],
      resumed: undefined,
      onSplit: () => Promise.resolve(),
    });
    book.flushMark();
    book.mark(s, 'a', zeroCounts());
    book.mark(s, 'b', zeroCounts());
    book.flushMark();
    book.flushMark();
    book.uploadStarted({
      key: 'big',
      uploadId: 'u1',
      partSizeBytes: 5,
      sizeBytes: 10,
      srcEtag: 'e',
    });
    book.partStored('u1', 1, 'p1', 5);
    book.uploadEnded('u1');
    await book.settle();
    assert.deepEqual(calls, ['mark b', 'upload u1 0', 'upload u1 1', 'upload-end u1']);
    assert.deepEqual(book.uploads(), []);
  });

  it('a write Redis refused fails settle() and stops the writes after it', async () => {
    const { store, calls } = fakeStore('extras');
    const s = state();
    const book = new RangeBook({
      store,
      state: s,
      uploads: [],
      resumed: undefined,
      onSplit: () => Promise.resolve(),
    });
    book.extra(['x']);
    book.done(s, zeroCounts());
    await assert.rejects(book.settle(), /extras refused/);
    assert.deepEqual(calls, []);
  });
});
