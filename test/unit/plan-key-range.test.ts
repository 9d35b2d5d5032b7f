// Key ranges partition the key space exactly: every key lies in exactly one range of a split,
// directory prefixes are judged wholly before / past a range only when none of their keys is in it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeRange,
  inRange,
  isPrefixBefore,
  isPrefixPast,
  remainderAfter,
  splitRange,
} from '../../src/plan/key-range.ts';
import type { KeyRange } from '../../src/plan/key-range.ts';
import { random } from '../helpers/seeded-random.ts';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const UNITS = ['a', 'b', '/', '-', '0', '9', 'é', '\u{1F600}', '\uFF61', ' '];
function randomKey(next: () => number): string {
  const length = 1 + Math.floor(next() * 6);
  let key = '';
  for (let i = 0; i < length; i += 1) key += UNITS[Math.floor(next() * UNITS.length)] ?? 'a';
  return key;
}

describe('key ranges', () => {
  it('a split covers exactly the keys of the range, each key in one part, parts in order', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = random(seed);
      const keys = [...new Set(Array.from({ length: 60 }, () => randomKey(next)))].sort(byBytes);
      const [lo, hi] = [randomKey(next), randomKey(next)].sort(byBytes);
      const range: KeyRange = {
        ...(next() < 0.3 ? {} : { after: lo }),
        ...(next() < 0.3 ? {} : { until: hi }),
      };
      const cuts = [...new Set(Array.from({ length: 4 }, () => randomKey(next)))].sort(byBytes);
      const parts = splitRange(range, cuts);
      for (const key of keys) {
        const holders = parts.filter((p) => inRange(key, p)).length;
        assert.equal(holders, inRange(key, range) ? 1 : 0, `seed ${seed}: ${key}`);
      }
      // Contiguous: each part starts where the previous ended.
      for (let i = 1; i < parts.length; i += 1) {
        assert.equal(parts[i]?.after, parts[i - 1]?.until, `seed ${seed}`);
      }
      assert.equal(parts[0]?.after, range.after);
      assert.equal(parts.at(-1)?.until, range.until);
    }
  });

  it('judges a directory prefix before / past a range only when none of its keys is in it', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = random(seed);
      const [lo, hi] = [randomKey(next), randomKey(next)].sort(byBytes);
      const range: KeyRange = { after: lo, until: hi };
      const prefix = `${randomKey(next).slice(0, 2)}/`;
      const under = Array.from({ length: 40 }, () => prefix + randomKey(next));
      if (isPrefixBefore(prefix, range)) {
        assert.ok(
          under.every((k) => byBytes(k, lo ?? '') <= 0),
          `seed ${seed}: ${prefix} before ${describeRange(range)}`,
        );
      }
      if (isPrefixPast(prefix, range)) {
        assert.ok(
          under.every((k) => byBytes(k, hi ?? '') > 0),
          `seed ${seed}: ${prefix} past ${describeRange(range)}`,
        );
      }
    }
    assert.equal(isPrefixBefore('a/', { after: 'a/z' }), false);
    assert.equal(isPrefixBefore('a/', { after: 'a0' }), true);
    assert.equal(isPrefixPast('b/', { until: 'a/z' }), true);
    assert.equal(isPrefixPast('a/', { until: 'a/' }), false);
  });

  it('the remainder after a watermark keeps the end and never moves the start back', () => {
    assert.deepEqual(remainderAfter({ after: 'b', until: 'k' }, 'd'), { after: 'd', until: 'k' });
    assert.deepEqual(remainderAfter({ after: 'b', until: 'k' }, 'a'), { after: 'b', until: 'k' });
    assert.deepEqual(remainderAfter({ until: 'k' }, undefined), { until: 'k' });
    assert.equal(describeRange({ after: 'a"b' }), '("a\\"b", end]');
  });
});
