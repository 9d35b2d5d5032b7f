// Splitting the rest of a range being listed: over generated key sets (random ASCII, multi-byte
// UTF-8 with astral characters, numbered, hex, date-partitioned, one long common prefix) the parts
// tile (position, until] exactly, every cut lies strictly inside, ascends and is well-formed UTF-8
// of at most 1024 bytes; the parts of regular key sets hold about the keys asked for; no cut when
// the sample gives no density or the rest is small.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys } from '../../src/plan/compare-keys.ts';
import { inRange } from '../../src/plan/key-range.ts';
import type { KeyRange } from '../../src/plan/key-range.ts';
import { MAX_SPLIT_PARTS, cutsAhead, splitRest } from '../../src/plan/range-split.ts';
import { random } from '../helpers/seeded-random.ts';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function word(next: () => number, alphabet: readonly string[], length: number): string {
  return Array.from({ length }, () => pick(next, alphabet)).join('');
}

const ASCII = Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./ ');
const MULTI_BYTE = [
  ...Array.from('aZ09/é日本'),
  '\u{1F600}',
  '\u{1F63A}',
  '\u{10FFFF}',
  '\uFF61',
  '\uE000',
];

/** Key sets of the shapes buckets hold, sorted in S3's order, without duplicates. */
const KEY_SETS: Record<string, (next: () => number) => string[]> = {
  'random ASCII': (next) => Array.from({ length: 4000 }, () => word(next, ASCII, 12)),
  'multi-byte UTF-8': (next) => Array.from({ length: 4000 }, () => word(next, MULTI_BYTE, 6)),
  numbered: (next) => {
    const start = Math.floor(next() * 100_000);
    return Array.from({ length: 4000 }, (_, i) => `img/${pad(start + i, 6)}.jpg`);
  },
  hex: (next) => Array.from({ length: 4000 }, () => word(next, Array.from('0123456789abcdef'), 16)),
  'date-partitioned': (next) => {
    const keys: string[] = [];
    const hosts = 5 + Math.floor(next() * 20);
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 28; day++) {
        for (let host = 0; host < hosts; host++) {
          keys.push(`logs/2026/${pad(month, 2)}/${pad(day, 2)}/host-${pad(host, 3)}.log.gz`);
        }
      }
    }
    return keys;
  },
  'one long common prefix': (next) => {
    const prefix = `${'deep/'.repeat(100)}${word(next, ASCII, 10)}/`;
    return Array.from({ length: 1000 }, () => prefix + word(next, ASCII, 8));
  },
  // Keys near S3's 1024-byte limit, with a 3-byte unit somewhere among 1-byte ones.
  'near 1024 bytes': (next) => {
    const prefix = 'é'.repeat(505);
    return Array.from({ length: 1000 }, () => {
      const suffix = Array.from(word(next, ASCII, 6));
      suffix[Math.floor(next() * 6)] = '日';
      return prefix + suffix.join('');
    });
  },
};

function sorted(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort(compareKeys);
}

/** Asserts that `parts` tile `rest` exactly, with cuts strictly inside, ascending, usable. */
function assertTiles(parts: readonly KeyRange[], rest: KeyRange, what: string): void {
  assert.ok(parts.length >= 1, `${what}: at least one part`);
  assert.equal(parts[0]?.after, rest.after, `${what}: starts at the position`);
  assert.equal(parts.at(-1)?.until, rest.until, `${what}: ends at the range's end`);
  for (let i = 1; i < parts.length; i++) {
    const cut = parts[i]?.after;
    assert.equal(cut, parts[i - 1]?.until, `${what}: part ${i} starts where ${i - 1} ends`);
    assert.ok(cut !== undefined, `${what}: an inner cut is a key`);
    assert.ok(byBytes(cut, rest.after ?? '') > 0, `${what}: ${cut} after the position`);
    if (rest.until !== undefined) {
      assert.ok(byBytes(cut, rest.until) < 0, `${what}: ${cut} before the end`);
    }
    const previous = parts[i - 1]?.after;
    if (previous !== undefined) assert.ok(byBytes(previous, cut) < 0, `${what}: ascending`);
    assert.equal(Buffer.from(cut).toString(), cut, `${what}: ${JSON.stringify(cut)} is UTF-8`);
    assert.ok(!/\p{Cs}/u.test(cut), `${what}: no lone surrogate in ${JSON.stringify(cut)}`);
    assert.ok(Buffer.byteLength(cut) <= 1024, `${what}: at most 1024 bytes`);
  }
}

/**
 * How many of `keys` each part holds, asserting each key of `rest` is in exactly one part (the
 * first part holding it; parts ascend and are adjacent, so a later one holds it only if the
 * next one does).
 */
function keysPerPart(
  keys: readonly string[],
  parts: readonly KeyRange[],
  rest: KeyRange,
): number[] {
  const counts = parts.map(() => 0);
  for (const key of keys) {
    const i = parts.findIndex((part) => inRange(key, part));
    // Messages built only on failure: keys are up to 1 KiB, and there are many.
    if ((i !== -1) !== inRange(key, rest)) assert.fail(`${key} in a part: ${i !== -1}`);
    if (i === -1) continue;
    counts[i] = (counts[i] ?? 0) + 1;
    const next = parts[i + 1];
    if (next !== undefined && inRange(key, next)) assert.fail(`${key} in two parts`);
  }
  return counts;
}

describe('splitting the rest of a range', () => {
  for (const [shape, generate] of Object.entries(KEY_SETS)) {
    it(`tiles the rest exactly with cuts strictly inside: ${shape}`, () => {
      let split = 0;
      let runs = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const next = random(seed);
        const keys = sorted(generate(next));
        // A range (after, until] of the set, or open at either end, listed up to `position`.
        const lo = Math.floor(next() * keys.length * 0.3);
        const hi = lo + Math.floor((0.5 + next() * 0.5) * (keys.length - lo));
        const range: KeyRange = {
          ...(next() < 0.3 ? {} : { after: keys[lo] }),
          ...(next() < 0.4 || hi >= keys.length ? {} : { until: keys[hi] }),
        };
        const inside = keys.filter((key) => inRange(key, range));
        const listed = Math.max(1, Math.floor(inside.length * (0.1 + next() * 0.3)));
        const seen = inside.slice(0, listed);
        const position = seen.at(-1) ?? '';
        for (const parts of [1, 3, 8]) {
          for (const wanted of [20, 300]) {
            const what = `${shape}, seed ${seed}, ${parts} parts of ${wanted}`;
            const result = splitRest(range, position, seen, parts, { keysPerPart: wanted });
            const rest = { after: position, until: range.until };
            assertTiles(result, rest, what);
            assert.ok(result.length <= parts, `${what}: at most ${parts} parts`);
            keysPerPart(keys, result, rest);
            runs++;
            if (result.length > 1) split++;
          }
        }
      }
      // Not vacuous: most asks for several parts of a large rest were met with cuts.
      assert.ok(split >= runs / 3, `${shape}: split ${split} of ${runs} times`);
    });
  }

  // Not date-partitioned keys: the model reads days 29–99 of every month as key space, so cuts
  // closer than a month apart may fall in that gap and leave parts empty (they still tile).
  it('cuts regular key sets into parts of about the keys asked for', () => {
    const cases: { shape: string; keys: string[]; seen: number; wanted: number }[] = [
      {
        shape: 'numbered',
        keys: sorted(Array.from({ length: 20_000 }, (_, i) => `img/${pad(i, 6)}.jpg`)),
        seen: 1000,
        wanted: 1000,
      },
      {
        shape: 'random ASCII',
        keys: sorted(KEY_SETS['random ASCII']!(random(7))),
        seen: 500,
        wanted: 400,
      },
      { shape: 'hex', keys: sorted(KEY_SETS['hex']!(random(8))), seen: 500, wanted: 400 },
    ];
    for (const { shape, keys, seen, wanted } of cases) {
      const sample = keys.slice(0, seen);
      const position = sample.at(-1) ?? '';
      const parts = splitRest({}, position, sample, 4, { keysPerPart: wanted });
      assert.equal(parts.length, 4, `${shape}: 4 parts`);
      assert.equal(parts.at(-1)?.until, undefined, `${shape}: the last part stays open`);
      const counts = keysPerPart(keys, parts, { after: position });
      // Each bounded part holds keys, within a factor of about two of what was asked for.
      for (const count of counts.slice(0, -1)) {
        assert.ok(count >= wanted / 2.5 && count <= wanted * 2.5, `${shape}: ${counts.join(', ')}`);
      }
    }
  });

  it('cuts a bounded rest evenly into the parts it is expected to fill', () => {
    const keys = sorted(Array.from({ length: 20_000 }, (_, i) => `img/${pad(i, 6)}.jpg`));
    const sample = keys.slice(0, 1000);
    const position = sample.at(-1) ?? '';
    const range: KeyRange = { until: 'img/015000.jpg' };
    const parts = splitRest(range, position, sample, 5, { keysPerPart: 1000 });
    assert.equal(parts.length, 5);
    const counts = keysPerPart(keys, parts, { after: position, until: range.until });
    const average = (15_000 - 1000) / 5;
    for (const count of counts) assert.ok(count >= average / 3, counts.join(', '));
    // About 3000 keys left: three parts of 1000, six of 500, whatever the parts asked.
    const more = keys.slice(0, 3000);
    const end = { until: 'img/005999.jpg' };
    const threes = splitRest(end, 'img/002999.jpg', more, 8, { keysPerPart: 1000 });
    assert.deepEqual(
      keysPerPart(keys, threes, { after: 'img/002999.jpg', ...end }),
      [1000, 1000, 1000],
    );
    const sixes = splitRest(end, 'img/002999.jpg', more, 8, { keysPerPart: 500 });
    assert.equal(sixes.length, 6);
  });

  it('gives the whole rest as one range for parts = 1', () => {
    const keys = sorted(Array.from({ length: 100 }, (_, i) => `img/${pad(i, 6)}.jpg`));
    const position = keys[49] ?? '';
    const range = { after: 'img/', until: 'img/999999.jpg' };
    assert.deepEqual(splitRest(range, position, keys.slice(0, 50), 1, { keysPerPart: 1 }), [
      { after: position, until: 'img/999999.jpg' },
    ]);
    assert.deepEqual(splitRest({}, position, keys.slice(0, 50), 1), [
      { after: position, until: undefined },
    ]);
  });

  it('gives no cut when the end is close to the position', () => {
    const keys = sorted(Array.from({ length: 2000 }, (_, i) => `img/${pad(i, 6)}.jpg`));
    const sample = keys.slice(0, 990);
    const position = sample.at(-1) ?? '';
    const range = { until: 'img/000995.jpg' };
    assert.deepEqual(splitRest(range, position, sample, 8, { keysPerPart: 10 }), [
      { after: position, until: 'img/000995.jpg' },
    ]);
    // The next key after the position leaves nothing to cut between.
    const next = { until: `${position}\u0000` };
    assert.deepEqual(splitRest(next, position, sample, 8, { keysPerPart: 1 }), [
      { after: position, until: next.until },
    ]);
  });

  it('gives no cut when the keys seen give no density', () => {
    const prefix = 'a/long/prefix/shared/by/every/key/seen/';
    assert.deepEqual(splitRest({}, `${prefix}x`, [`${prefix}x`], 8, { keysPerPart: 1 }), [
      { after: `${prefix}x`, until: undefined },
    ]);
    assert.deepEqual(cutsAhead({ after: `${prefix}x` }, [], 8), []);
    // Two keys the model cannot tell apart (they differ only in a control character).
    const same = [`${prefix}\u0001`, `${prefix}\u0002`];
    assert.deepEqual(cutsAhead({ after: same[1] }, same, 8, { keysPerPart: 1 }), []);
  });

  it('gives nothing for an empty rest (the position at or past the end)', () => {
    const seen = ['a/1', 'a/2', 'a/3'];
    assert.deepEqual(splitRest({ until: 'a/3' }, 'a/3', seen, 4), []);
    assert.deepEqual(splitRest({ until: 'a/2' }, 'a/3', seen, 4), []);
  });

  it('ignores keys past the position, and keeps the range start when the position is before it', () => {
    const keys = sorted(Array.from({ length: 3000 }, (_, i) => `k/${pad(i, 5)}`));
    const withFuture = splitRest({}, 'k/00999', keys, 4, { keysPerPart: 500 });
    const without = splitRest({}, 'k/00999', keys.slice(0, 1000), 4, { keysPerPart: 500 });
    assert.deepEqual(withFuture, without);
    const before = splitRest({ after: 'k/01000' }, 'k/00999', keys.slice(0, 1000), 4, {
      keysPerPart: 500,
    });
    assertTiles(before, { after: 'k/01000' }, 'position before the range');
  });

  it('keeps cuts within 1024 bytes where the model mixes in wider units than the keys had', () => {
    // Keys of 1016 and 1018 bytes; the model may write 3-byte units at every position after the
    // stem, up to an end of 1030 bytes.
    const prefix = 'é'.repeat(505);
    const seen = [`${prefix}aaaaaa`, `${prefix}b日aaaa`];
    const position = seen[1] ?? '';
    const rest = { after: position, until: `${'é'.repeat(503)}${'日'.repeat(8)}` };
    const parts = splitRest(rest, position, seen, 1000, { keysPerPart: 1 });
    assertTiles(parts, rest, 'near 1024 bytes');
    const longer = parts.filter((part) => Buffer.byteLength(part.after ?? '') > 1018);
    assert.ok(longer.length >= 5, `${longer.length} cuts longer than every key, none over 1024`);
  });

  it(`asks for at most ${MAX_SPLIT_PARTS} parts (one journal record)`, () => {
    const keys = sorted(Array.from({ length: 3000 }, (_, i) => `k/${pad(i, 7)}`));
    const parts = splitRest({}, 'k/0002999', keys, Infinity, { keysPerPart: 1 });
    assert.ok(parts.length > 100 && parts.length <= MAX_SPLIT_PARTS, `${parts.length} parts`);
    assertTiles(parts, { after: 'k/0002999' }, 'many parts');
  });
});
