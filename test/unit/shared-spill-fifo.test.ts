// The spilling FIFO returns exactly what was pushed, in order, across the memory/disk boundary;
// keeps the oldest items in memory; refills memory ahead of the consumer; reports its length at
// every step; deletes its temp file when drained, cleared or disposed; and surfaces a broken file.
import assert from 'node:assert/strict';
import { existsSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SpillFifo } from '../../src/shared/spill-fifo.ts';
import type { JsonValue } from '../../src/shared/spill-fifo.ts';
import type { Decision } from '../../src/plan/decide.ts';
import type { ListEntry, Location } from '../../src/shared/protocol.ts';

type WorkItem = {
  range: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  etag?: string;
  decision: { action: 'copy'; reason: 'missing' | 'newer' };
};

function workItem(i: number): WorkItem {
  return {
    range: `r${i % 4}`,
    key: `data/${String(i).padStart(8, '0')}/object-${i}.bin`,
    sizeBytes: i * 17,
    mtimeMs: 1_767_225_600_000 + i,
    ...(i % 3 === 0 ? {} : { etag: (i * 2_654_435_761).toString(16).padStart(32, '0') }),
    decision: { action: 'copy', reason: i % 2 === 0 ? 'missing' : 'newer' },
  };
}

/** Takes everything left, through the waiting path. */
async function drain<T extends JsonValue>(fifo: SpillFifo<T>): Promise<T[]> {
  const out: T[] = [];
  for (let item = await fifo.shift(); item !== undefined; item = await fifo.shift()) out.push(item);
  return out;
}

/** Waits (up to 5 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) assert.fail('timed out');
    await sleep(5);
  }
}

describe('SpillFifo', () => {
  it('keeps the order and the length right with pushes and shifts interleaved across the boundary', async () => {
    const fifo = new SpillFifo<number>({ memoryItems: 10 });
    const expected: number[] = [];
    let next = 0;
    let sawSpool = false;
    try {
      for (let round = 0; round < 60; round += 1) {
        const pushes = round % 5 === 4 ? 3 : 37;
        for (let i = 0; i < pushes; i += 1) {
          fifo.push(next);
          expected.push(next);
          next += 1;
          assert.equal(fifo.length, expected.length);
        }
        sawSpool ||= fifo.spoolPath !== undefined;
        const shifts = round % 3 === 2 ? 45 : 23;
        for (let i = 0; i < shifts; i += 1) {
          // Alternate the synchronous fast path and the waiting path.
          const item = i % 2 === 0 ? fifo.shiftSync() : await fifo.shift();
          if (item === undefined && fifo.length > 0) {
            assert.equal(fifo.inMemory, 0);
            assert.equal(await fifo.shift(), expected.shift());
          } else {
            assert.equal(item, expected.shift());
          }
          assert.equal(fifo.length, expected.length);
        }
      }
      assert.ok(sawSpool, 'the test never reached the disk');
      assert.deepEqual(await drain(fifo), expected);
      assert.equal(fifo.length, 0);
      assert.equal(await fifo.shift(), undefined);
    } finally {
      await fifo.dispose();
    }
  });

  it('returns 100,000 work items identical with 1,000 in memory, and deletes the file when drained', async () => {
    const fifo = new SpillFifo<WorkItem>({ memoryItems: 1000 });
    try {
      const items = Array.from({ length: 100_000 }, (_, i) => workItem(i));
      for (const item of items) fifo.push(item);
      assert.equal(fifo.length, 100_000);
      assert.equal(fifo.inMemory, 1000);
      const path = fifo.spoolPath;
      assert.ok(path !== undefined && existsSync(path));
      assert.equal(dirname(path), tmpdir());
      assert.match(basename(path), new RegExp(`^s3ferry-spool-${process.pid}-[0-9a-f]+\\.ndjson$`));
      assert.deepEqual(await drain(fifo), items);
      assert.equal(fifo.spoolPath, undefined);
      await until(() => !existsSync(path));
      assert.equal(fifo.stats.spilledItems, 99_000);
      assert.equal(fifo.stats.spoolFiles, 1);
      const expectedBytes = items
        .slice(1000)
        .reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)) + 1, 0);
      assert.equal(fifo.stats.spilledBytes, expectedBytes);
    } finally {
      await fifo.dispose();
    }
  });

  it('round-trips awkward keys through the file: newlines, U+2028/2029, emoji, quotes, NUL, lone surrogates, a 200 KB key', async () => {
    const awkward = [
      'line\nbreak',
      'crlf\r\nkey',
      'lone\rreturn',
      'ls\u2028ps\u2029end',
      'emoji 😀👩‍👩‍👧 ü é 中文',
      'quote " backslash \\ tab \t',
      'nul\u0000byte',
      'lone \ud800 high and \udfff low surrogate',
      '',
    ];
    // Many multi-byte keys, so that some straddle the 64 KiB read chunks mid-character, and two
    // lines longer than a chunk.
    const keys = Array.from({ length: 3000 }, (_, i) => `${awkward[i % awkward.length]!}·${i}😀`);
    keys[5] = `${'x'.repeat(200_000)}\n😀`;
    keys[1500] = '😀'.repeat(40_000);
    const fifo = new SpillFifo<{ key: string }>({ memoryItems: 1 });
    try {
      for (const key of keys) fifo.push({ key });
      assert.equal(fifo.stats.spilledItems, keys.length - 1);
      const out = (await drain(fifo)).map((item) => item.key);
      assert.deepEqual(out, keys);
    } finally {
      await fifo.dispose();
    }
  });

  it('clear() mid-spill deletes the file at once and empties the queue, which then works again', async () => {
    const fifo = new SpillFifo<number>({ memoryItems: 100 });
    try {
      for (let i = 0; i < 50_000; i += 1) fifo.push(i);
      // Start a refill, so that clear() meets one in flight.
      for (let i = 0; i < 60; i += 1) assert.equal(fifo.shiftSync(), i);
      const path = fifo.spoolPath!;
      assert.ok(existsSync(path));
      fifo.clear();
      assert.equal(existsSync(path), false);
      assert.equal(fifo.length, 0);
      assert.equal(fifo.spoolPath, undefined);
      assert.equal(await fifo.shift(), undefined);
      for (let i = 0; i < 250; i += 1) fifo.push(-i);
      assert.deepEqual(
        await drain(fifo),
        Array.from({ length: 250 }, (_, i) => -i),
      );
    } finally {
      await fifo.dispose();
    }
  });

  it('dispose() deletes the file and refuses further pushes', async () => {
    const fifo = new SpillFifo<string>({ memoryItems: 5 });
    for (let i = 0; i < 20_000; i += 1) fifo.push(`k${i}`);
    const path = fifo.spoolPath!;
    assert.ok(existsSync(path));
    await fifo.dispose();
    assert.equal(existsSync(path), false);
    assert.equal(fifo.length, 0);
    assert.throws(() => {
      fifo.push('late');
    }, /disposed/);
  });

  it('sends a push after the disk part drained back to memory, and deletes the drained file', async () => {
    const fifo = new SpillFifo<number>({ memoryItems: 4 });
    try {
      for (let i = 0; i < 10; i += 1) fifo.push(i);
      const first = fifo.spoolPath!;
      assert.equal(fifo.inMemory, 4);
      assert.deepEqual(await drain(fifo), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(fifo.spoolPath, undefined);
      fifo.push(10);
      assert.equal(fifo.spoolPath, undefined);
      assert.equal(fifo.inMemory, 1);
      assert.equal(fifo.shiftSync(), 10);
      await until(() => !existsSync(first));
      // Spilling again makes a new file.
      for (let i = 11; i < 20; i += 1) fifo.push(i);
      // (Read again: the assertions above narrowed the property to undefined.)
      const second = fifo.spoolPath as string | undefined;
      assert.ok(second !== undefined && second !== first && existsSync(second));
      assert.equal(fifo.stats.spoolFiles, 2);
      assert.deepEqual(await drain(fifo), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
    } finally {
      await fifo.dispose();
    }
  });

  it('keeps the oldest items in memory and refills it ahead of a synchronous consumer', async () => {
    const fifo = new SpillFifo<number>({ memoryItems: 100 });
    try {
      for (let i = 0; i < 1000; i += 1) fifo.push(i);
      assert.equal(fifo.inMemory, 100);
      // Half of memory taken synchronously starts a refill ...
      for (let i = 0; i < 50; i += 1) assert.equal(fifo.shiftSync(), i);
      // ... which tops memory up in the background, in order, while nobody waits.
      await until(() => fifo.inMemory === 100);
      assert.equal(fifo.length, 950);
      for (let i = 50; i < 150; i += 1) assert.equal(fifo.shiftSync(), i);
      assert.equal(fifo.length, 850);
      assert.deepEqual(
        await drain(fifo),
        Array.from({ length: 850 }, (_, i) => 150 + i),
      );
    } finally {
      await fifo.dispose();
    }
  });

  it('surfaces a broken spool file on the next shift and forgets it on clear()', async () => {
    const fifo = new SpillFifo<string>({ memoryItems: 1 });
    try {
      for (let i = 0; i < 20_000; i += 1) fifo.push(`key-${i}`);
      const path = fifo.spoolPath!;
      // Let the first 64 KiB batch reach the file, then cut the file behind the queue's back.
      await until(() => statSync(path).size > 0);
      truncateSync(path, 0);
      assert.equal(await fifo.shift(), 'key-0');
      await assert.rejects(fifo.shift());
      assert.throws(() => fifo.shiftSync());
      assert.throws(() => {
        fifo.push('more');
      });
      fifo.clear();
      assert.equal(existsSync(path), false);
      fifo.push('fresh');
      assert.equal(await fifo.shift(), 'fresh');
    } finally {
      await fifo.dispose();
    }
  });

  it("holds the engine's own plain types: list entries, locations and decisions", async () => {
    // Compiles only while these stay JSON data (type aliases of plain fields, no methods).
    type EngineItem = { range: string; entry: ListEntry; dst: Location; decision: Decision };
    const item: EngineItem = {
      range: 'r0',
      entry: { key: 'a/b\u2028c', sizeBytes: 5, mtimeMs: 1, etag: 'e' },
      dst: { kind: 's3', profile: 'p', bucket: 'b', key: 'x/a/b\u2028c' },
      decision: { action: 'copy', reason: 'checksum-differs', fallback: true },
    };
    const fifo = new SpillFifo<EngineItem>({ memoryItems: 1 });
    try {
      fifo.push(item);
      fifo.push(item);
      assert.ok(fifo.spoolPath !== undefined);
      assert.equal(await fifo.shift(), item);
      assert.deepEqual(await fifo.shift(), item);
    } finally {
      await fifo.dispose();
    }
  });

  it('refuses undefined, values with no JSON form and a memory bound below 1', () => {
    assert.throws(() => new SpillFifo<number>({ memoryItems: 0 }), RangeError);
    assert.throws(() => new SpillFifo<number>({ memoryItems: 1.5 }), RangeError);
    const fifo = new SpillFifo<number>({ memoryItems: 1 });
    assert.throws(() => {
      fifo.push(undefined as unknown as number);
    }, TypeError);
    fifo.push(1);
    assert.throws(() => {
      fifo.push((() => 2) as unknown as number);
    }, TypeError);
    assert.equal(fifo.length, 1);
    assert.equal(fifo.spoolPath, undefined, 'no file for a value that was refused');
    void fifo.dispose();
  });
});
