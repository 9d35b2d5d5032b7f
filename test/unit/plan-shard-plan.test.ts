// Static shards, the pure part: a thinned sample stays bounded and even; a plan cut from it has
// exact key counts near equal shares and tiles the key space (any key, planned or added later,
// lies in exactly one range); a plan file is refused with one line naming the file when it is not
// a plan or its ranges do not tile; --shard I/N is 0-based and checked against the plan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inRange } from '../../src/plan/key-range.ts';
import { KeySample } from '../../src/plan/key-sample.ts';
import {
  cutAtQuantiles,
  describeShard,
  formatPlan,
  parsePlan,
  parseShard,
  shardRange,
} from '../../src/plan/shard-plan.ts';
import type { ShardPlan } from '../../src/plan/shard-plan.ts';
import { random } from '../helpers/seeded-random.ts';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const keyOf = (i: number): string => `k/${String(i).padStart(9, '0')}`;

function sampleOf(keys: readonly string[], capacity?: number): KeySample {
  const sample = new KeySample(capacity);
  for (const key of keys) sample.add(key);
  return sample;
}

function planOf(ranges: ShardPlan['ranges']): ShardPlan {
  return {
    format: 's3ferry-plan',
    version: 1,
    src: 's3+a://src/data/',
    dst: 's3+b://dst/data/',
    createdAt: '2026-01-01T00:00:00.000Z',
    keysListed: 10,
    keysSampled: 10,
    ranges,
  };
}

describe('a thinned key sample', () => {
  it('keeps every stride-th key, never more than its capacity, at least half of it once full', () => {
    const keys = Array.from({ length: 100_003 }, (_, i) => keyOf(i));
    const sample = new KeySample(64);
    for (const [i, key] of keys.entries()) {
      sample.add(key);
      assert.ok(sample.keys.length <= 64);
      if (i >= 64) assert.ok(sample.keys.length >= 32, `${sample.keys.length} kept after ${i + 1}`);
    }
    assert.equal(sample.seen, keys.length);
    assert.equal(sample.stride, 2048);
    assert.deepEqual(
      sample.keys,
      keys.filter((_, i) => i % sample.stride === 0),
    );
  });

  it('refuses a capacity that cannot be halved', () => {
    assert.throws(() => new KeySample(3), /even whole number/);
  });
});

describe('cutting a listing at its quantiles', () => {
  it('gives exact counts within a stride of equal shares, and the ranges tile the listing', () => {
    for (const [total, count, capacity] of [
      [4, 4, 64],
      [10, 3, 64],
      [1000, 4, 1000],
      [100_003, 7, 64],
      [250_000, 16, 65_536],
      [5, 1, 64],
    ] as const) {
      const keys = Array.from({ length: total }, (_, i) => keyOf(i));
      const sample = sampleOf(keys, capacity);
      const ranges = cutAtQuantiles(sample, count);
      const label = `${total} keys in ${count} ranges`;
      assert.equal(ranges.length, count, label);
      assert.equal(ranges[0]?.after, undefined, `${label}: the first range starts open`);
      assert.equal(ranges.at(-1)?.until, undefined, `${label}: the last range ends open`);
      for (const [j, range] of ranges.entries()) {
        assert.equal(range.keys, keys.filter((k) => inRange(k, range)).length, `${label}, ${j}`);
        assert.ok(Math.abs(range.keys - total / count) <= sample.stride + 1, `${label}, ${j}`);
        if (j > 0) assert.equal(range.after, ranges[j - 1]?.until);
      }
    }
  });

  it('puts every key, also keys never listed, in exactly one range (Unicode, UTF-8 order)', () => {
    const next = random(7);
    const units = ['a', 'z', '/', '0', 'é', '\u{1F600}', '\uFF61', ' '];
    const randomKey = (): string =>
      Array.from({ length: 1 + Math.floor(next() * 5) }, () => units[Math.floor(next() * 8)]).join(
        '',
      );
    const listed = [...new Set(Array.from({ length: 3000 }, randomKey))].sort(byBytes);
    const ranges = cutAtQuantiles(sampleOf(listed, 256), 4);
    const cuts = ranges.flatMap((r) => (r.until === undefined ? [] : [r.until]));
    const later = [...Array.from({ length: 3000 }, randomKey), '', ...cuts];
    for (const key of [...listed, ...later]) {
      assert.equal(ranges.filter((r) => inRange(key, r)).length, 1, JSON.stringify(key));
    }
  });

  it('refuses more ranges than keys, naming both counts', () => {
    assert.throws(
      () => cutAtQuantiles(sampleOf(['a', 'b', 'c']), 4),
      /the source lists 3 keys, fewer than the 4 ranges asked for/,
    );
    assert.deepEqual(cutAtQuantiles(sampleOf([]), 1), [{ keys: 0 }]);
  });
});

describe('plan files', () => {
  const good = planOf([
    { until: 'c', keys: 3 },
    { after: 'c', until: 'm', keys: 4 },
    { after: 'm', keys: 3 },
  ]);

  it('read back what was written', () => {
    assert.deepEqual(parsePlan(formatPlan(good), 'plan.json'), good);
  });

  it('refuse, naming the file, text that is no plan or ranges that do not tile', () => {
    const cases: [string, RegExp][] = [
      ['{oops', /^plan p\.json is not JSON/],
      ['[]', /is not an s3ferry plan/],
      [JSON.stringify({ ...good, version: 2 }), /has version 2; this s3ferry reads version 1/],
      [JSON.stringify({ ...good, src: 3 }), /has no "src" text/],
      [JSON.stringify({ ...good, ranges: [] }), /has no "ranges"/],
      [JSON.stringify({ ...good, ranges: [{ after: 'a', keys: 1 }] }), /range 0 has an "after"/],
      [
        JSON.stringify({
          ...good,
          ranges: [
            { until: 'c', keys: 1 },
            { after: 'd', keys: 1 },
          ],
        }),
        /range 1 does not start where range 0 ends/,
      ],
      [
        JSON.stringify({ ...good, ranges: [{ until: 'c', keys: 1 }] }),
        /range 0 has an "until": the last range ends at the last key/,
      ],
      [
        JSON.stringify({
          ...good,
          ranges: [
            { until: 'm', keys: 1 },
            { after: 'm', until: 'c', keys: 1 },
            { after: 'c', keys: 1 },
          ],
        }),
        /range 1 ends before it starts/,
      ],
      [JSON.stringify({ ...good, ranges: [{ keys: -1 }] }), /range 0 has no "keys" count/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parsePlan(text, 'p.json'),
        (error: Error & { kind?: string; code?: string }) => {
          assert.match(error.message, pattern);
          assert.match(error.message, /^plan p\.json /);
          assert.equal(error.kind, 'config');
          assert.equal(error.code, 'CorruptPlan');
          return true;
        },
        text,
      );
    }
  });
});

describe('--shard I/N', () => {
  const plan = planOf([
    { until: 'c', keys: 3 },
    { after: 'c', until: 'm', keys: 4 },
    { after: 'm', keys: 3 },
  ]);
  const run = { src: plan.src, dst: plan.dst, file: 'plan.json' };

  it('is 0-based, as JOB_COMPLETION_INDEX', () => {
    assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
    assert.deepEqual(parseShard(' 2 / 3 '), { index: 2, count: 3 });
    for (const bad of ['3/3', '1/0', '-1/3', '1', 'a/b', '1/3/4', '']) {
      assert.throws(
        () => parseShard(bad),
        /^S3FerryError: --shard must be I\/N with 0 ≤ I < N/,
        bad,
      );
    }
  });

  it('picks its range of the plan; other paths or another N are refused', () => {
    assert.deepEqual(shardRange(plan, { index: 0, count: 3 }, run), { until: 'c' });
    assert.deepEqual(shardRange(plan, { index: 1, count: 3 }, run), { after: 'c', until: 'm' });
    assert.deepEqual(shardRange(plan, { index: 2, count: 3 }, run), { after: 'm' });
    assert.throws(
      () => shardRange(plan, { index: 1, count: 4 }, run),
      /^S3FerryError: --shard 1\/4 does not fit plan plan\.json: it has 3 ranges$/,
    );
    assert.throws(
      () => shardRange(plan, { index: 1, count: 3 }, { ...run, dst: 's3+b://dst/other/' }),
      /plan plan\.json was made for s3\+a:\/\/src\/data\/ -> s3\+b:\/\/dst\/data\/, this sync is s3\+a:\/\/src\/data\/ -> s3\+b:\/\/dst\/other\//,
    );
    assert.equal(
      describeShard({ index: 1, count: 3 }, { after: 'c', until: 'm' }),
      '1/3 ("c", "m"]',
    );
  });
});
