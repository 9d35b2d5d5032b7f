// compareKeys against the oracle (Buffer.compare of the UTF-8 bytes) on random keys built from
// the characters where UTF-16 and UTF-8 orders disagree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys } from '../../src/plan/compare-keys.ts';

/** Deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  'a',
  'b',
  'A',
  '0',
  '/',
  '-',
  ' ',
  '.',
  '+',
  '%',
  '~',
  '\u007f',
  '\u0080',
  'é',
  '\u07ff',
  '\u0800',
  '\ud7ff',
  '\ue000',
  '\uff61',
  '\uffff',
  '\u{10000}',
  '\u{1f600}',
  '\u{10ffff}',
];

function randomKey(random: () => number, maxLength = 6): string {
  const length = Math.floor(random() * (maxLength + 1));
  let key = '';
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(random() * ALPHABET.length)] ?? '';
  return key;
}

const oracle = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('compareKeys', () => {
  it('orders U+FF61 before an astral character (JavaScript says the opposite)', () => {
    assert.equal(['\u{1f600}', '\uff61'].sort()[0], '\u{1f600}');
    assert.ok(compareKeys('\uff61', '\u{1f600}') < 0);
    assert.ok(compareKeys('\u{1f600}', '\uff61') > 0);
    assert.ok(compareKeys('\ue000', '\u{10000}') < 0);
    assert.ok(compareKeys('\ud7ff', '\u{10000}') < 0);
  });

  it('puts a prefix first and `-` before `/` (a-c < a/b, as S3 lists them)', () => {
    assert.ok(compareKeys('a', 'a/') < 0);
    assert.ok(compareKeys('a-c', 'a/b') < 0);
    assert.ok(compareKeys('a b', 'a-b') < 0);
    assert.equal(compareKeys('', ''), 0);
    assert.ok(compareKeys('', 'a') < 0);
  });

  it('agrees in sign with Buffer.compare on 200,000 random pairs', () => {
    const seed = 20240611;
    const random = prng(seed);
    for (let i = 0; i < 200_000; i++) {
      const a = randomKey(random);
      // Half the pairs share a prefix, so the first difference is deep inside.
      const b =
        random() < 0.5
          ? a.slice(0, Math.floor(random() * (a.length + 1))) + randomKey(random, 3)
          : randomKey(random);
      assert.equal(
        Math.sign(compareKeys(a, b)),
        oracle(a, b),
        `seed ${seed}, pair ${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
      );
    }
  });

  it('sorts like the UTF-8 bytes', () => {
    const random = prng(7);
    const keys = Array.from({ length: 5000 }, () => randomKey(random, 8));
    const byBytes = [...keys].sort(oracle);
    assert.deepEqual([...keys].sort(compareKeys), byBytes);
  });
});
