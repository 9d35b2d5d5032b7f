// mergeJoin against a naive oracle (sets of keys) on random sorted listings, its ordering checks
// and its streaming behaviour (lazy, both sides pulled at once, inputs closed on early exit).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mergeJoin } from '../../src/plan/merge-join.ts';
import type { JoinEntry } from '../../src/plan/merge-join.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

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

const ALPHABET = ['a', 'b', '/', '-', ' ', '.', 'é', '\ue000', '\uff61', '\u{1f600}', '\u{10000}'];

function randomKey(random: () => number): string {
  const length = 1 + Math.floor(random() * 5);
  let key = '';
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(random() * ALPHABET.length)] ?? '';
  return key;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function entry(key: string, sizeBytes = key.length): ListEntry {
  return { key, sizeBytes, mtimeMs: 0 };
}

async function* fromArray(entries: ListEntry[]): AsyncGenerator<ListEntry> {
  for (const e of entries) {
    await Promise.resolve();
    yield e;
  }
}

async function collect(iterable: AsyncIterable<JoinEntry>): Promise<JoinEntry[]> {
  const out: JoinEntry[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

/** The oracle: the sorted union of both key sets, each tagged by where it occurs. */
function expectedJoin(src: ListEntry[], dst: ListEntry[]): JoinEntry[] {
  const s = new Map(src.map((e) => [e.key, e]));
  const d = new Map(dst.map((e) => [e.key, e]));
  const keys = [...new Set([...s.keys(), ...d.keys()])].sort(byBytes);
  return keys.map((key): JoinEntry => {
    const a = s.get(key);
    const b = d.get(key);
    if (a !== undefined && b !== undefined) return { kind: 'match', src: a, dst: b };
    if (a !== undefined) return { kind: 'src-only', src: a };
    return { kind: 'dst-only', dst: b! };
  });
}

function sortedUnique(keys: string[]): string[] {
  return [...new Set(keys)].sort(byBytes);
}

describe('mergeJoin', () => {
  it('matches the oracle on 300 random listings with awkward keys', async () => {
    const seed = 424242;
    const random = prng(seed);
    for (let round = 0; round < 300; round++) {
      const universe = sortedUnique(Array.from({ length: 60 }, () => randomKey(random)));
      const src = universe.filter(() => random() < 0.6).map((k) => entry(k, 1));
      const dst = universe.filter(() => random() < 0.6).map((k) => entry(k, 2));
      const joined = await collect(mergeJoin(fromArray(src), fromArray(dst)));
      assert.deepEqual(joined, expectedJoin(src, dst), `seed ${seed}, round ${round}`);
    }
  });

  it('handles empty sides', async () => {
    const keys = [entry('a'), entry('b')];
    assert.deepEqual(await collect(mergeJoin(fromArray([]), fromArray([]))), []);
    assert.deepEqual(
      (await collect(mergeJoin(fromArray(keys), fromArray([])))).map((e) => e.kind),
      ['src-only', 'src-only'],
    );
    assert.deepEqual(
      (await collect(mergeJoin(fromArray([]), fromArray(keys)))).map((e) => e.kind),
      ['dst-only', 'dst-only'],
    );
  });

  it('joins astral keys after U+FF61 (where JavaScript order would mis-pair them)', async () => {
    const keys = ['\uff61', '\u{1f600}'];
    const joined = await collect(
      mergeJoin(fromArray(keys.map((k) => entry(k))), fromArray(keys.map((k) => entry(k)))),
    );
    assert.deepEqual(
      joined.map((e) => e.kind),
      ['match', 'match'],
    );
  });

  const outOfOrder: [string, 'src' | 'dst', string[], RegExp][] = [
    ['goes backwards', 'src', ['a', 'c', 'b'], /source listing .* goes backwards: "b" after "c"/],
    [
      'repeats a key',
      'dst',
      ['a', 'b', 'b'],
      /destination listing .* repeats the key "b" after "b"/,
    ],
    ['uses JavaScript order', 'src', ['\u{1f600}', '\uff61'], /source listing .* goes backwards/],
  ];
  for (const [what, side, keys, message] of outOfOrder) {
    it(`fails loudly when the ${side} listing ${what}`, async () => {
      const bad = fromArray(keys.map((k) => entry(k)));
      const good = fromArray(['a', 'b', 'c'].map((k) => entry(k)));
      await assert.rejects(
        collect(side === 'src' ? mergeJoin(bad, good) : mergeJoin(good, bad)),
        (e: unknown) =>
          e instanceof S3FerryError &&
          e.kind === 'internal' &&
          e.code === 'OutOfOrderListing' &&
          message.test(e.message),
      );
    });
  }

  it('uses the labels it is given in errors', async () => {
    await assert.rejects(
      collect(
        mergeJoin(fromArray([entry('b'), entry('a')]), fromArray([]), {
          srcLabel: 's3://bkt/dir/',
        }),
      ),
      /the s3:\/\/bkt\/dir\/ listing/,
    );
  });

  it('streams: pulls one entry ahead per side, and closes both inputs when stopped early', async () => {
    let srcPulled = 0;
    let dstPulled = 0;
    let srcClosed = false;
    let dstClosed = false;
    async function* endless(side: 'src' | 'dst'): AsyncGenerator<ListEntry> {
      await Promise.resolve();
      try {
        for (let i = 0; ; i++) {
          if (side === 'src') srcPulled++;
          else dstPulled++;
          yield entry(`k${String(i).padStart(9, '0')}${side === 'src' ? '' : 'x'}`);
        }
      } finally {
        if (side === 'src') srcClosed = true;
        else dstClosed = true;
      }
    }
    let seen = 0;
    for await (const joined of mergeJoin(endless('src'), endless('dst'))) {
      assert.ok(joined.kind !== 'match');
      if (++seen === 1000) break;
    }
    // 1000 entries alternate between sides: ~500 each, plus one read ahead.
    assert.ok(srcPulled <= 502 && dstPulled <= 502, `${srcPulled} / ${dstPulled}`);
    assert.equal(srcClosed, true);
    assert.equal(dstClosed, true);
  });

  it('pulls both sides at once when both must advance', async () => {
    // Each side's next() resolves only when released; both must be pending at the same time.
    const pending: string[] = [];
    const releases: (() => void)[] = [];
    function gated(side: string, keys: string[]): AsyncIterable<ListEntry> {
      let i = 0;
      return {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            new Promise<IteratorResult<ListEntry>>((resolve) => {
              pending.push(side);
              releases.push(() => {
                const key = keys[i++];
                resolve(
                  key === undefined
                    ? { done: true, value: undefined }
                    : { done: false, value: entry(key) },
                );
              });
            }),
        }),
      };
    }
    const iterator = mergeJoin(gated('src', ['a']), gated('dst', ['a']))[Symbol.asyncIterator]();
    const first = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(pending, ['src', 'dst'], 'both first pages requested before either arrived');
    for (const release of releases.splice(0)) release();
    assert.equal((await first).value?.kind, 'match');
    const second = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      pending,
      ['src', 'dst', 'src', 'dst'],
      'after a match both sides advance together',
    );
    for (const release of releases.splice(0)) release();
    assert.equal((await second).done, true);
  });

  it('joins 300,000 keys without holding them (live heap stays flat)', async () => {
    // Expose V8's gc() to measure live objects, not garbage awaiting collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    async function* keys(n: number, step: number): AsyncGenerator<ListEntry> {
      await Promise.resolve();
      for (let i = 0; i < n; i += step) yield entry(`dir/${String(i).padStart(8, '0')}`);
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let matches = 0;
    let grownMiB = 0;
    for await (const e of mergeJoin(keys(300_000, 1), keys(300_000, 2))) {
      count++;
      if (e.kind === 'match') matches++;
      if (count === 299_990) {
        gc(); // near the end, with the join still running
        grownMiB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
      }
    }
    assert.equal(count, 300_000);
    assert.equal(matches, 150_000);
    // Holding them would take > 40 MiB (two ListEntry objects and a JoinEntry per key).
    assert.ok(grownMiB < 5, `live heap grew by ${grownMiB.toFixed(1)} MiB`);
  });
});
