// mergeJoin against a naive oracle (sets of keys) on random sorted listings cut into random pages,
// its ordering checks and its streaming behaviour (lazy, a batch per pair of pages, both sides
// pulled at once, inputs closed on early exit).
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

/** `entries` as a paged listing: pages of `pageSize` entries, or of random sizes (0 included). */
async function* fromArray(
  entries: ListEntry[],
  pageSize: number | (() => number) = 1,
): AsyncGenerator<ListEntry[]> {
  let at = 0;
  while (at < entries.length) {
    const size = typeof pageSize === 'number' ? pageSize : pageSize();
    await Promise.resolve();
    yield entries.slice(at, at + size);
    at += size;
  }
}

async function collect(iterable: AsyncIterable<JoinEntry[]>): Promise<JoinEntry[]> {
  const out: JoinEntry[] = [];
  for await (const batch of iterable) out.push(...batch);
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
  it('matches the oracle on 300 random listings with awkward keys, cut into random pages', async () => {
    const seed = 424242;
    const random = prng(seed);
    // Pages of 0 to 7 entries: empty pages and boundaries at every place of the join.
    const pageSize = (): number => Math.floor(random() * 8);
    for (let round = 0; round < 300; round++) {
      const universe = sortedUnique(Array.from({ length: 60 }, () => randomKey(random)));
      const src = universe.filter(() => random() < 0.6).map((k) => entry(k, 1));
      const dst = universe.filter(() => random() < 0.6).map((k) => entry(k, 2));
      const joined = await collect(mergeJoin(fromArray(src, pageSize), fromArray(dst, pageSize)));
      assert.deepEqual(joined, expectedJoin(src, dst), `seed ${seed}, round ${round}`);
    }
  });

  it('joins a pair of pages into one batch, without waiting for more', async () => {
    const keys = ['a', 'b', 'c', 'd'].map((k) => entry(k));
    const batches: JoinEntry[][] = [];
    for await (const batch of mergeJoin(fromArray(keys, 4), fromArray(keys, 2))) {
      batches.push(batch);
    }
    // The destination's first page ends at "b": the batch ends there, as the next page may
    // hold keys between "b" and "c".
    assert.deepEqual(
      batches.map((batch) =>
        batch.map((e) => `${e.kind}:${e.kind === 'dst-only' ? e.dst.key : e.src.key}`),
      ),
      [
        ['match:a', 'match:b'],
        ['match:c', 'match:d'],
      ],
    );
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
    for (const pageSize of [1, 3]) {
      it(`fails loudly when the ${side} listing ${what} (pages of ${pageSize})`, async () => {
        const bad = fromArray(
          keys.map((k) => entry(k)),
          pageSize,
        );
        const good = fromArray(
          ['a', 'b', 'c'].map((k) => entry(k)),
          pageSize,
        );
        const joined: JoinEntry[] = [];
        await assert.rejects(
          (async () => {
            for await (const batch of side === 'src' ? mergeJoin(bad, good) : mergeJoin(good, bad))
              joined.push(...batch);
          })(),
          (e: unknown) =>
            e instanceof S3FerryError &&
            e.kind === 'internal' &&
            e.code === 'OutOfOrderListing' &&
            message.test(e.message),
        );
        // The bad listing's keys before the fault are handed out (its batch is not lost); the
        // key that breaks the order never is.
        const fault = keys.findIndex((k, i) => i > 0 && byBytes(keys[i - 1] ?? '', k) >= 0);
        const fromBad = joined
          .filter(
            (e) => e.kind === 'match' || e.kind === (side === 'src' ? 'src-only' : 'dst-only'),
          )
          .map((e) => (e.kind === 'dst-only' ? e.dst.key : e.src.key));
        assert.deepEqual(fromBad, keys.slice(0, fault));
      });
    }
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

  it('streams: pulls one page ahead per side, and closes both inputs when stopped early', async () => {
    let srcPulled = 0;
    let dstPulled = 0;
    let srcClosed = false;
    let dstClosed = false;
    async function* endless(side: 'src' | 'dst'): AsyncGenerator<ListEntry[]> {
      await Promise.resolve();
      try {
        for (let i = 0; ; i += 10) {
          if (side === 'src') srcPulled++;
          else dstPulled++;
          yield Array.from({ length: 10 }, (_, j) =>
            entry(`k${String(i + j).padStart(9, '0')}${side === 'src' ? '' : 'x'}`),
          );
        }
      } finally {
        if (side === 'src') srcClosed = true;
        else dstClosed = true;
      }
    }
    let seen = 0;
    for await (const batch of mergeJoin(endless('src'), endless('dst'))) {
      assert.ok(batch.every((joined) => joined.kind !== 'match'));
      seen += batch.length;
      if (seen >= 1000) break;
    }
    // 1000 entries alternate between sides: ~500 each, 50 pages of 10, plus one read ahead.
    assert.ok(srcPulled <= 52 && dstPulled <= 52, `${srcPulled} / ${dstPulled}`);
    assert.equal(srcClosed, true);
    assert.equal(dstClosed, true);
  });

  it('pulls both sides at once when both must advance', async () => {
    // Each side's next() resolves only when released; both must be pending at the same time.
    const pending: string[] = [];
    const releases: (() => void)[] = [];
    function gated(side: string, keys: string[]): AsyncIterable<ListEntry[]> {
      let i = 0;
      return {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            new Promise<IteratorResult<ListEntry[]>>((resolve) => {
              pending.push(side);
              releases.push(() => {
                const key = keys[i++];
                resolve(
                  key === undefined
                    ? { done: true, value: undefined }
                    : { done: false, value: [entry(key)] },
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
    assert.deepEqual(
      (await first).value?.map((e) => e.kind),
      ['match'],
    );
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
    async function* keys(n: number, step: number): AsyncGenerator<ListEntry[]> {
      let page: ListEntry[] = [];
      for (let i = 0; i < n; i += step) {
        page.push(entry(`dir/${String(i).padStart(8, '0')}`));
        if (page.length === 1000) {
          await Promise.resolve();
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let matches = 0;
    let grownMiB = 0;
    for await (const batch of mergeJoin(keys(300_000, 1), keys(300_000, 2))) {
      for (const e of batch) {
        count++;
        if (e.kind === 'match') matches++;
      }
      if (count >= 299_000 && grownMiB === 0) {
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
