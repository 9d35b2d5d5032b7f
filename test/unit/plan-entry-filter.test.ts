// Size and age bounds (--min-size/--max-size/--min-age/--max-age): which objects they select,
// and how an age argument (duration or ISO date) becomes one cutoff instant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgeCutoff } from '../../src/shared/age.ts';
import { createEntryFilter } from '../../src/plan/entry-filter.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';

const NOW = Date.parse('2026-01-08T00:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

describe('createEntryFilter', () => {
  it('selects everything (no predicate) without bounds', () => {
    assert.equal(createEntryFilter({}), undefined);
  });

  it('keeps sizes within --min-size and --max-size, both inclusive', () => {
    const selects = createEntryFilter({ minSizeBytes: 10, maxSizeBytes: 20 });
    const kept = [9, 10, 20, 21].filter((sizeBytes) => selects?.({ sizeBytes, mtimeMs: 0 }));
    assert.deepEqual(kept, [10, 20]);
  });

  it('keeps modification times between the two cutoffs, both inclusive', () => {
    const selects = createEntryFilter({
      modifiedAtOrAfterMs: NOW - 7 * DAY,
      modifiedAtOrBeforeMs: NOW - DAY,
    });
    const ages = [0, 1, 3, 7, 8].filter((days) =>
      selects?.({ sizeBytes: 1, mtimeMs: NOW - days * DAY }),
    );
    assert.deepEqual(ages, [1, 3, 7]);
  });
});

describe('parseAgeCutoff', () => {
  it('reads a duration back from now, and ISO dates with or without a time', () => {
    assert.equal(parseAgeCutoff('7d', '--max-age', NOW), NOW - 7 * DAY);
    assert.equal(parseAgeCutoff('36h', '--min-age', NOW), NOW - 1.5 * DAY);
    assert.equal(parseAgeCutoff('2026-01-01', '--max-age', NOW), Date.parse('2026-01-01'));
    assert.equal(
      parseAgeCutoff('2026-01-01T12:30:00+02:00', '--max-age', NOW),
      Date.parse('2026-01-01T10:30:00Z'),
    );
  });

  it('refuses anything else with a usage error naming the flag', () => {
    for (const text of ['yesterday-ish', '7', '', '2026-13-45', '7 days']) {
      assert.throws(
        () => parseAgeCutoff(text, '--min-age', NOW),
        (error: unknown) =>
          isS3FerryError(error) &&
          error.kind === 'usage' &&
          error.message.startsWith(`--min-age: invalid age '${text}'`),
        text,
      );
    }
  });
});
