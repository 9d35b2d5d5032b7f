// The size and age filters on the march: what the wrapped policy sees, and what is left alone,
// so that --delete never deletes what the filters leave out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectingPolicy, sizeAgePredicate } from '../../src/engine/entry-selection.ts';
import type { MarchPolicy } from '../../src/engine/march.ts';
import { checkSizeAge } from '../../src/plan/entry-filter.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

/** A policy that copies every source key and deletes every destination-only key, and says so. */
function recordingPolicy(calls: string[]): MarchPolicy<string> {
  return {
    srcOnly: (src) => {
      calls.push(`copy ${src.key}`);
      return 'copied';
    },
    match: (src) => {
      calls.push(`compare ${src.key}`);
      return 'skipped';
    },
    dstOnly: (dst) => {
      calls.push(`delete ${dst.key}`);
      return 'extraneous';
    },
    check: () => Promise.resolve('skipped'),
    transfer: () => Promise.resolve('copied'),
    unlisted: () => undefined,
  };
}

const entry = (key: string, sizeBytes: number): ListEntry => ({ key, sizeBytes, mtimeMs: 0 });
const small = (entry: Pick<ListEntry, 'sizeBytes'>) => entry.sizeBytes <= 10;

describe('selectingPolicy', () => {
  it('hands on only the keys whose source the filters select; the rest settle as filtered', () => {
    const calls: string[] = [];
    const policy = selectingPolicy(recordingPolicy(calls), small, false);
    const outcomes = [
      policy.srcOnly(entry('new-small', 5)),
      policy.srcOnly(entry('new-big', 50)),
      policy.match(entry('both-small', 5), entry('both-small', 500)),
      policy.match(entry('both-big', 50), entry('both-big', 5)),
    ];
    assert.deepEqual(calls, ['copy new-small', 'compare both-small']);
    assert.deepEqual(outcomes, ['copied', 'filtered', 'skipped', 'filtered']);
  });

  it('never deletes a destination key the filters leave out, nor one whose source they leave out', () => {
    const calls: string[] = [];
    const policy = selectingPolicy(recordingPolicy(calls), small, false);
    policy.dstOnly(entry('gone-small', 5));
    policy.dstOnly(entry('gone-big', 50));
    policy.match(entry('src-big', 50), entry('src-big', 5));
    assert.deepEqual(calls, ['delete gone-small']);
  });

  it('with --delete-excluded, counts what the filters leave out at the destination as extraneous', () => {
    const calls: string[] = [];
    const policy = selectingPolicy(recordingPolicy(calls), small, true);
    policy.dstOnly(entry('gone-big', 50));
    policy.match(entry('src-big', 50), entry('src-big', 5));
    policy.srcOnly(entry('new-big', 50));
    assert.deepEqual(calls, ['delete gone-big', 'delete src-big']);
  });

  it('is the policy itself without filters', () => {
    const policy = recordingPolicy([]);
    assert.equal(selectingPolicy(policy, undefined, false), policy);
  });
});

describe('sizeAgePredicate', () => {
  const DAY = 24 * 3600 * 1000;
  it('counts durations back from the start of the pass, so a resumed pass keeps its cutoff', () => {
    const started = '2026-01-10T00:00:00.000Z';
    const selects = sizeAgePredicate({ maxAge: '7d' }, started);
    const at = (iso: string) => selects?.({ sizeBytes: 1, mtimeMs: Date.parse(iso) });
    assert.equal(at('2026-01-03T00:00:00.000Z'), true);
    assert.equal(at('2026-01-02T23:59:59.000Z'), false);
    // Without a pass start: from now.
    const fromNow = sizeAgePredicate({ maxAge: '7d' });
    assert.ok(fromNow);
    assert.equal(fromNow({ sizeBytes: 1, mtimeMs: Date.now() - 6 * DAY }), true);
    assert.equal(fromNow({ sizeBytes: 1, mtimeMs: Date.now() - 8 * DAY }), false);
  });
});

describe('checkSizeAge', () => {
  const refuses = (options: Parameters<typeof checkSizeAge>[0], message: RegExp): void => {
    assert.throws(
      () => checkSizeAge(options),
      (error: unknown) =>
        isS3FerryError(error) && error.kind === 'usage' && message.test(error.message),
    );
  };

  it('refuses bounds that select nothing, naming the flags', () => {
    refuses({ minSizeBytes: 10, maxSizeBytes: 9 }, /^--min-size is larger than --max-size/);
    refuses({ minAge: '7d', maxAge: '1d' }, /^--min-age is older than --max-age/);
  });

  it('refuses a size that is not a whole number of bytes and an age it cannot read', () => {
    refuses({ minSizeBytes: -1 }, /^--min-size: -1 is not a size/);
    refuses({ maxSizeBytes: 1.5 }, /^--max-size: 1.5 is not a size/);
    refuses({ maxAge: 'yesterday-ish' }, /^--max-age: invalid age 'yesterday-ish'/);
  });

  it('accepts bounds that leave a window', () => {
    assert.doesNotThrow(() =>
      checkSizeAge({ minSizeBytes: 1, maxSizeBytes: 1, minAge: '1d', maxAge: '7d' }),
    );
  });
});
