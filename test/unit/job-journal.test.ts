// The checkpoint journal file layer on real temp files: round trips, torn tails cut at every byte,
// the one-line corruption errors, append after a torn tail, atomic create and compaction, flush
// batching counted by the writer's counters, injected write failures, and a child process killed
// with SIGKILL at seeded random moments while it appends and compacts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  JournalWriter,
  MAX_LINE_BYTES,
  readJournal,
  scanJournal,
  type JournalFile,
  type JournalWriterOptions,
  type JsonObject,
  type OpenJournalFile,
} from '../../src/job/journal.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const tmp = tempRoot('s3ferry-journal-');
const HEADER = { s3ferry: 'checkpoint', version: 1 };
const QUIET: JournalWriterOptions = { flushIntervalMs: 3_600_000 };

function fresh(name = 'job.ckpt'): string {
  return join(tmp.freshDir('j'), name);
}

function lines(...values: unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join('');
}

/** Asserts `promise` rejects with the one-line CorruptCheckpoint error `message`. */
async function rejectsCorrupt(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof S3FerryError, String(error));
    assert.equal(error.message, message);
    assert.equal(error.code, 'CorruptCheckpoint');
    assert.equal(error.kind, 'usage');
    assert.equal(error.fatal, true);
    assert.equal(error.exitCode, ExitCode.Usage);
    assert.equal(error.hint, '--fresh discards it');
    return true;
  });
}

/** Resolves once `done()` holds, checking between event-loop turns (no fixed sleeps). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

/** Real files whose write or fdatasync can be made to fail, and whose overlap is measured. */
function faultyFiles(): {
  open: OpenJournalFile;
  fail: { write?: string; datasync?: string; open?: RegExp };
  maxInFlight: () => number;
} {
  const fail: { write?: string; datasync?: string; open?: RegExp } = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const tracked = async <T>(operation: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      // A turn of the event loop inside the operation, so that an overlap would show.
      await new Promise((resolve) => setImmediate(resolve));
      return await operation();
    } finally {
      inFlight -= 1;
    }
  };
  const errno = (code: string): Error => Object.assign(new Error(code), { code });
  const openFile: OpenJournalFile = async (path, flags) => {
    if (fail.open?.test(path) === true) throw errno('EACCES');
    const handle = await open(path, flags);
    const file: JournalFile = {
      write: (buffer, offset, length, position) =>
        tracked(() => {
          if (fail.write !== undefined) return Promise.reject(errno(fail.write));
          return handle.write(buffer, offset, length, position);
        }),
      datasync: () =>
        tracked(() => {
          if (fail.datasync !== undefined) return Promise.reject(errno(fail.datasync));
          return handle.datasync();
        }),
      sync: () => handle.sync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
    return file;
  };
  return { open: openFile, fail, maxInFlight: () => maxInFlight };
}

describe('readJournal', () => {
  it('returns undefined when there is no file', async () => {
    assert.equal(await readJournal(fresh()), undefined);
    assert.equal(await scanJournal(fresh(), () => assert.fail('no record')), undefined);
  });

  it('reads back the header and records written, with any characters in strings', async () => {
    const path = fresh();
    const tricky = [
      { key: 'a/b', size: 1 },
      { key: 'new\nline\r\u2028\u2029', nested: { list: [1, 'two', null, true] } },
      { key: 'é€😀\u0000\u001f', lone: '\ud800', empty: {} },
    ];
    const writer = await JournalWriter.create(path, HEADER, tricky.slice(0, 1), QUIET);
    for (const record of tricky.slice(1)) writer.write(record);
    await writer.close();
    assert.deepEqual(await readJournal(path), { header: HEADER, records: tricky });
    assert.ok((await readFile(path, 'utf8')).endsWith('}\n'));
  });

  it('reads lines that cross its read chunks, including one longer than a chunk', async () => {
    const path = fresh();
    const records: JsonObject[] = [];
    for (let n = 0; n < 40_000; n += 1) records.push({ n, pad: 'y'.repeat(n % 97) });
    records.splice(20_000, 0, { n: -1, big: 'z'.repeat(2_500_000) });
    await writeFile(path, lines(HEADER, ...records));
    const seen: number[] = [];
    const scanned = await scanJournal(path, (_record, line) => seen.push(line));
    assert.deepEqual(scanned, { header: HEADER });
    assert.deepEqual(
      seen,
      records.map((_r, i) => i + 2),
    );
    assert.deepEqual((await readJournal(path))?.records, records);
  });

  describe('a torn last line', () => {
    const head = lines(HEADER, { n: 0 }, { n: 1 });
    const last = `${JSON.stringify({ n: 2, key: 'é€😀 a key', etag: '"abc"' })}\n`;
    const full = Buffer.from(head + last);
    const start = Buffer.byteLength(head);

    it('is dropped at every byte where a crash can cut it, never thrown', async () => {
      const path = fresh();
      for (let cut = start; cut <= full.length; cut += 1) {
        await writeFile(path, full.subarray(0, cut));
        const read = await readJournal(path);
        const complete = cut === full.length ? 3 : 2;
        assert.deepEqual(
          read?.records,
          [{ n: 0 }, { n: 1 }, { n: 2, key: 'é€😀 a key', etag: '"abc"' }].slice(0, complete),
          `cut at byte ${cut}`,
        );
        if (cut === start || cut === full.length) {
          assert.equal(read.tail, undefined, `cut at byte ${cut}`);
        } else {
          // Even `{…}` with only its `\n` missing: that line's batch was never fsynced whole.
          assert.deepEqual(read.tail, { line: 4, offset: start, reason: 'no final newline' });
        }
      }
    });

    for (const [name, bytes, reason] of [
      ['JSON cut short', Buffer.from('{"n":2,"ke\n'), 'not JSON'],
      ['an empty line', Buffer.from('\n'), 'not JSON'],
      ['zeros a file system left', Buffer.from('\0\0\0\0\n'), 'NUL byte'],
      ['a cut multi-byte character', Buffer.from([0x7b, 0x22, 0xe2, 0x82, 0x0a]), 'invalid UTF-8'],
    ] as const) {
      it(`is dropped when it ends in a newline but is ${name}`, async () => {
        const path = fresh();
        await writeFile(path, Buffer.concat([Buffer.from(head), bytes]));
        const read = await readJournal(path);
        assert.deepEqual(read, {
          header: HEADER,
          records: [{ n: 0 }, { n: 1 }],
          tail: { line: 4, offset: start, reason },
        });
      });
    }
  });

  describe('a corrupt journal', () => {
    const head = lines(HEADER, { n: 0 });
    const at = Buffer.byteLength(head);
    for (const [name, bad, reason] of [
      ['a line that is not JSON', Buffer.from('{"n":1\n'), 'not JSON'],
      ['an empty line', Buffer.from('\n'), 'not JSON'],
      ['a NUL byte', Buffer.from('{"n":1}\0\n'), 'NUL byte'],
      [
        'invalid UTF-8',
        Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a]),
        'invalid UTF-8',
      ],
      ['an array', Buffer.from('[1]\n'), 'not a JSON object'],
      ['a string', Buffer.from('"x"\n'), 'not a JSON object'],
      ['null', Buffer.from('null\n'), 'not a JSON object'],
    ] as const) {
      it(`throws naming the line and byte of ${name} in the middle`, async () => {
        const path = fresh();
        await writeFile(
          path,
          Buffer.concat([Buffer.from(head), bad, Buffer.from(lines({ n: 2 }))]),
        );
        await rejectsCorrupt(
          readJournal(path),
          `checkpoint ${path} is corrupt at line 3 (byte ${at}): ${reason}`,
        );
      });
    }

    it('throws for a bad line followed only by a torn one', async () => {
      const path = fresh();
      await writeFile(path, `${head}{"n":\n{"n":2`);
      await rejectsCorrupt(
        readJournal(path),
        `checkpoint ${path} is corrupt at line 3 (byte ${at}): not JSON`,
      );
    });

    it('throws for a last line that is JSON but not an object: no crash writes that', async () => {
      const path = fresh();
      await writeFile(path, `${head}[2]\n`);
      await rejectsCorrupt(
        readJournal(path),
        `checkpoint ${path} is corrupt at line 3 (byte ${at}): not a JSON object`,
      );
    });

    it('throws for an empty file', async () => {
      const path = fresh();
      await writeFile(path, '');
      await rejectsCorrupt(
        readJournal(path),
        `checkpoint ${path} is corrupt at line 1 (byte 0): empty file`,
      );
    });

    for (const [name, text, reason] of [
      ['an array', '[1]\n{"n":0}\n', 'not a JSON object'],
      ['not JSON', 'PK\u0003\u0004 zip\n', 'not JSON'],
      ['without its newline', '{"s3ferry":"checkpoint"', 'incomplete header (no final newline)'],
      ['a blank line', '\n{"n":0}\n', 'not JSON'],
    ] as const) {
      it(`throws for a header that is ${name}`, async () => {
        const path = fresh();
        await writeFile(path, text);
        await rejectsCorrupt(
          readJournal(path),
          `checkpoint ${path} is corrupt at line 1 (byte 0): ${reason}`,
        );
      });
    }

    const validateHeader = (h: JsonObject): string | undefined =>
      h.s3ferry === 'checkpoint' ? undefined : 'not an s3ferry checkpoint';

    it('lets the caller refuse a header without its magic, before any record is read', async () => {
      const path = fresh();
      await writeFile(path, lines({ name: 'other tool' }, { n: 0 }));
      const seen: JsonObject[] = [];
      await rejectsCorrupt(
        scanJournal(path, (r) => seen.push(r), { validateHeader }),
        `checkpoint ${path} is corrupt at line 1 (byte 0): not an s3ferry checkpoint`,
      );
      assert.deepEqual(seen, []);
      assert.deepEqual(await readJournal(fresh(), { validateHeader }), undefined);
    });

    it('refuses a binary file at line 1, and one with no newline after reading a bound', async () => {
      const path = fresh();
      await writeFile(path, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
      await rejectsCorrupt(
        readJournal(path, { validateHeader }),
        `checkpoint ${path} is corrupt at line 1 (byte 0): invalid UTF-8`,
      );
      await writeFile(path, Buffer.from('\0\0\0\0SQLite format 3\n'));
      await rejectsCorrupt(
        readJournal(path, { validateHeader }),
        `checkpoint ${path} is corrupt at line 1 (byte 0): NUL byte`,
      );
      await writeFile(path, Buffer.alloc(MAX_LINE_BYTES + 1, 0x41));
      await rejectsCorrupt(
        readJournal(path, { validateHeader }),
        `checkpoint ${path} is corrupt at line 1 (byte 0): line longer than ${MAX_LINE_BYTES} bytes`,
      );
    });

    it('names the file as the caller labels it, with the caller hint', async () => {
      const path = fresh();
      await writeFile(path, '');
      await assert.rejects(readJournal(path, { label: 'journal', hint: 'delete it' }), {
        message: `journal ${path} is corrupt at line 1 (byte 0): empty file`,
        hint: 'delete it',
      });
    });

    it('reports a directory as a local-io error naming it', async () => {
      const dir = tmp.freshDir('dir');
      await assert.rejects(readJournal(dir), {
        kind: 'local-io',
        code: 'EISDIR',
        message: `cannot read checkpoint ${dir}: EISDIR`,
      });
    });
  });
});

describe('JournalWriter.append', () => {
  it('cuts a torn tail off before appending, so new records do not follow garbage', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER, [{ n: 0 }], QUIET);
    writer.write({ n: 1 });
    await writer.close();
    const valid = (await stat(path)).size;
    await appendFile(path, '{"n":2,"pa');
    const torn = await readJournal(path);
    assert.deepEqual(torn?.tail, { line: 4, offset: valid, reason: 'no final newline' });

    const appender = await JournalWriter.append(path, torn.tail, QUIET);
    appender.write({ n: 2 });
    appender.write({ n: 3 });
    await appender.close();
    assert.deepEqual(await readJournal(path), {
      header: HEADER,
      records: [0, 1, 2, 3].map((n) => ({ n })),
    });
  });

  it('appends to a journal with no torn tail as it is', async () => {
    const path = fresh();
    await (await JournalWriter.create(path, HEADER, [{ n: 0 }])).close();
    const read = await readJournal(path);
    const appender = await JournalWriter.append(path, read?.tail, QUIET);
    appender.write({ n: 1 });
    await appender.close();
    assert.deepEqual((await readJournal(path))?.records, [{ n: 0 }, { n: 1 }]);
  });

  it('refuses a file that ends inside a line when no tail is passed', async () => {
    const path = fresh();
    await writeFile(path, `${lines(HEADER)}{"n"`);
    const size = (await stat(path)).size;
    await rejectsCorrupt(
      JournalWriter.append(path, undefined),
      `checkpoint ${path} is corrupt at byte ${size}: last line has no final newline (a torn write; pass the tail readJournal found)`,
    );
  });

  it('refuses a tail that no longer matches the file', async () => {
    const path = fresh();
    await writeFile(path, `${lines(HEADER, { n: 0 })}{"n"`);
    const read = await readJournal(path);
    await writeFile(path, lines(HEADER));
    await rejectsCorrupt(
      JournalWriter.append(path, read?.tail),
      `checkpoint ${path} is corrupt at line 3 (byte ${read?.tail?.offset}): changed since it was read (no line ends before byte ${read?.tail?.offset})`,
    );
  });

  it('fails on a missing journal instead of starting one without a header', async () => {
    const path = fresh();
    await assert.rejects(JournalWriter.append(path, undefined), {
      kind: 'local-io',
      message: `cannot open for appending checkpoint ${path}: ENOENT`,
    });
    assert.equal(existsSync(path), false);
  });
});

describe('JournalWriter.create and compact', () => {
  it('overwrites a temp file a crash left behind, which readers never look at', async () => {
    const path = fresh();
    await (await JournalWriter.create(path, HEADER, [{ n: 0 }])).close();
    // A crash during a compaction, before its rename: a half-written temp file remains.
    await writeFile(`${path}.tmp`, `${lines({ ...HEADER, compacted: true })}{"n":`);
    assert.deepEqual(await readJournal(path), { header: HEADER, records: [{ n: 0 }] });

    const again = await JournalWriter.create(path, { ...HEADER, run: 2 }, [{ n: 9 }]);
    await again.close();
    assert.equal(existsSync(`${path}.tmp`), false);
    assert.deepEqual(await readJournal(path), {
      header: { ...HEADER, run: 2 },
      records: [{ n: 9 }],
    });
  });

  it('replaces the file and keeps the records written while it runs', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER, [], QUIET);
    for (let n = 0; n < 5; n += 1) writer.write({ n });
    const flushed = writer.flush();
    writer.write({ n: 5 }); // before the compaction: its records stand for it
    const summary = [{ upTo: 5 }];
    const compacted = writer.compact({ ...HEADER, base: 6 }, summary);
    summary.push({ upTo: 99 }); // records are taken at the call, not when the rename happens
    writer.write({ n: 6 });
    const late = writer.flush();
    writer.write({ n: 7 });
    await Promise.all([flushed, compacted, late]);
    writer.write({ n: 8 });
    await writer.close();
    assert.deepEqual(await readJournal(path), {
      header: { ...HEADER, base: 6 },
      records: [{ upTo: 5 }, { n: 6 }, { n: 7 }, { n: 8 }],
    });
    assert.equal(writer.stats.compactions, 1);
    assert.equal(existsSync(`${path}.tmp`), false);
  });

  it('goes on with the old file, complete, when the replacement cannot be written', async () => {
    const path = fresh();
    const files = faultyFiles();
    const writer = await JournalWriter.create(path, HEADER, [], { ...QUIET, openFile: files.open });
    writer.write({ n: 0 });
    files.fail.open = /\.tmp$/;
    const compacted = writer.compact({ ...HEADER, base: 1 }, []);
    writer.write({ n: 1 });
    await assert.rejects(compacted, {
      kind: 'local-io',
      message: `cannot write checkpoint ${path}: EACCES`,
    });
    writer.write({ n: 2 });
    await writer.close();
    assert.deepEqual(await readJournal(path), {
      header: HEADER,
      records: [0, 1, 2].map((n) => ({ n })),
    });
    assert.equal(existsSync(`${path}.tmp`), false);
  });

  it('fails naming the file when its directory does not exist', async () => {
    const path = join(tmp.freshDir('gone'), 'no', 'job.ckpt');
    await assert.rejects(JournalWriter.create(path, HEADER), {
      kind: 'local-io',
      message: `cannot write checkpoint ${path}: ENOENT`,
    });
  });

  it('counts the temp file fsync and the directory fsync of an atomic create', async () => {
    const writer = await JournalWriter.create(fresh(), HEADER, [{ n: 0 }]);
    assert.deepEqual(writer.stats, {
      bytesWritten: Buffer.byteLength(lines(HEADER, { n: 0 })),
      writes: 1,
      fsyncs: 2,
      records: 1,
      bufferedBytes: 0,
      compactions: 0,
    });
    await writer.close();
  });
});

describe('JournalWriter batching', () => {
  it('writes many records with one write and one fsync per flush', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER, [], QUIET);
    const before = writer.stats;
    for (let n = 0; n < 1000; n += 1) writer.write({ n });
    const buffered = writer.stats.bufferedBytes;
    assert.equal(writer.stats.fsyncs, before.fsyncs);
    assert.equal(
      buffered,
      Buffer.byteLength(lines(...Array.from({ length: 1000 }, (_v, n) => ({ n })))),
    );
    const first = writer.flush();
    const second = writer.flush(); // joins the flush not yet started
    await Promise.all([first, second]);
    const after = writer.stats;
    assert.equal(after.fsyncs - before.fsyncs, 1);
    assert.equal(after.writes - before.writes, 1);
    assert.equal(after.bytesWritten - before.bytesWritten, buffered);
    assert.equal(after.bufferedBytes, 0);
    await writer.flush(); // nothing buffered: no fsync
    assert.equal(writer.stats.fsyncs, after.fsyncs);
    await writer.close();
    assert.equal((await readJournal(path))?.records.length, 1000);
  });

  it('flushes on its own once the interval is up', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER, [], { flushIntervalMs: 20 });
    const before = writer.stats.fsyncs;
    for (let n = 0; n < 3; n += 1) writer.write({ n });
    assert.equal(writer.stats.fsyncs, before);
    await until(() => writer.stats.fsyncs > before);
    assert.equal(writer.stats.fsyncs, before + 1);
    assert.deepEqual((await readJournal(path))?.records, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    await writer.close();
  });

  it('flushes on its own once the buffer is over its limit', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER, [], { ...QUIET, maxBufferBytes: 1000 });
    const before = writer.stats.fsyncs;
    for (let n = 0; n < 10; n += 1) writer.write({ n, pad: 'p'.repeat(150) });
    await until(() => writer.stats.fsyncs > before);
    assert.equal((await readJournal(path))?.records.length, 10);
    await writer.close();
  });

  it('never runs two flushes at once, and keeps records in order', async () => {
    const path = fresh();
    const files = faultyFiles();
    const writer = await JournalWriter.create(path, HEADER, [], {
      flushIntervalMs: 1,
      maxBufferBytes: 200,
      openFile: files.open,
    });
    const flushes: Promise<void>[] = [];
    for (let n = 0; n < 300; n += 1) {
      writer.write({ n });
      if (n % 7 === 0) flushes.push(writer.flush());
      if (n % 50 === 0) flushes.push(writer.compact({ ...HEADER, base: n + 1 }, []));
      if (n % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(flushes);
    await writer.close();
    assert.equal(files.maxInFlight(), 1);
    const read = await readJournal(path);
    assert.deepEqual(read?.header, { ...HEADER, base: 251 });
    assert.deepEqual(
      read.records,
      Array.from({ length: 49 }, (_v, i) => ({ n: 251 + i })),
    );
  });
});

describe('JournalWriter failures and misuse', () => {
  for (const [name, where, code] of [
    ['a full disk on write', 'write', 'ENOSPC'],
    ['an I/O error on fsync', 'datasync', 'EIO'],
  ] as const) {
    it(`rejects the next flush and close naming the file after ${name}`, async () => {
      const path = fresh();
      const files = faultyFiles();
      const writer = await JournalWriter.create(path, HEADER, [], {
        flushIntervalMs: 1,
        openFile: files.open,
      });
      files.fail[where] = code;
      writer.write({ n: 0 });
      await until(() => writer.stats.bufferedBytes === 0); // the timer's flush took it and failed
      assert.doesNotThrow(() => {
        writer.write({ n: 1 });
      });
      const expected = {
        name: 'S3FerryError',
        kind: 'local-io',
        code,
        fatal: true,
        message: `cannot write checkpoint ${path}: ${code}`,
      };
      await assert.rejects(writer.flush(), expected);
      await assert.rejects(writer.close(), expected);
    });
  }

  it('throws a clear error for a write after close', async () => {
    const path = fresh();
    const writer = await JournalWriter.create(path, HEADER);
    const closing = writer.close();
    assert.throws(
      () => {
        writer.write({ n: 0 });
      },
      {
        name: 'S3FerryError',
        code: 'JournalClosed',
        message: `write() on checkpoint ${path} after close()`,
      },
    );
    await closing;
    await assert.rejects(writer.compact(HEADER, []), { code: 'JournalClosed' });
    await writer.close(); // twice is fine
    await writer.flush();
  });

  it('refuses records that would not read back as objects', async () => {
    const writer = await JournalWriter.create(fresh(), HEADER);
    assert.throws(
      () => {
        writer.write([1, 2]);
      },
      { code: 'JournalRecordNotObject' },
    );
    assert.throws(
      () => {
        writer.write(new Date(0));
      },
      { code: 'JournalRecordNotObject' },
    );
    assert.throws(
      () => {
        writer.write({ big: 'b'.repeat(MAX_LINE_BYTES) });
      },
      {
        code: 'JournalRecordTooLong',
      },
    );
    await writer.close();
  });
});

describe('a journal killed with SIGKILL while it appends and compacts', () => {
  const child = fileURLToPath(new URL('../fixtures/journal-crash-writer.ts', import.meta.url));
  const seed = 0x5eed_0010;
  const kills = 12;

  function prng(start: number): () => number {
    let a = start >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Records base, base+1, … with no gap: returns how many the journal holds in all. */
  async function countIntact(
    path: string,
  ): Promise<{ total: number; base: number; torn: boolean }> {
    const read = await readJournal(path, {
      validateHeader: (h) => (typeof h.base === 'number' ? undefined : 'no base'),
    });
    assert.ok(read !== undefined);
    const base = read.header.base as number;
    read.records.forEach((record, i) => {
      assert.equal(record.n, base + i, `record ${i} after base ${base}`);
    });
    return { total: base + read.records.length, base, torn: read.tail !== undefined };
  }

  type Writer = {
    proc: ChildProcessByStdio<Writable, Readable, Readable>;
    loaded: Promise<void>;
    ready: Promise<void>;
    exited: Promise<NodeJS.Signals | number | null>;
    stderr: () => string;
  };

  /** Spawns a writer, which loads its modules and then waits for `go` on stdin. */
  function spawnWriter(path: string): Writer {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      proc.on('exit', (code, signal) => {
        resolve(signal ?? code);
      });
    });
    const saw = (word: string): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.split('\n').some((line) => line.startsWith(word))) resolve();
        });
        void exited.then((how) => {
          reject(new Error(`writer exited (${how}) before ${word}: ${stderr}`));
        });
      });
    const writer = {
      proc,
      loaded: saw('loaded'),
      ready: saw('ready'),
      exited,
      stderr: () => stderr,
    };
    // Rejections are awaited in order below; a writer killed early must not crash the runner.
    writer.loaded.catch(() => undefined);
    writer.ready.catch(() => undefined);
    return writer;
  }

  /** Lets a loaded writer at the journal and kills it `delayMs` after it is ready. */
  async function runAndKill(writer: Writer, delayMs: number): Promise<void> {
    await writer.loaded;
    writer.proc.stdin.write('go\n');
    await writer.ready;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    writer.proc.kill('SIGKILL');
    assert.equal(await writer.exited, 'SIGKILL', writer.stderr());
    assert.equal(writer.stderr(), '');
  }

  it(`reads back an unbroken prefix after each of ${kills} kills, and appends after the last`, async (t) => {
    const path = fresh('crash.ckpt');
    const random = prng(seed);
    let total = 0;
    let torn = 0;
    let leftovers = 0;
    const bases = new Set<number>();
    // The next writer loads its modules (the slow part) while the current one runs.
    const waiting = [spawnWriter(path)];
    for (let kill = 0; kill < kills; kill += 1) {
      if (kill + 1 < kills) waiting.push(spawnWriter(path));
      const delayMs = Math.floor(random() * 150);
      await runAndKill(waiting.shift()!, delayMs);
      const after = await countIntact(path);
      assert.ok(after.total >= total, `kill ${kill} (after ${delayMs} ms) lost records`);
      total = after.total;
      if (after.torn) torn += 1;
      bases.add(after.base);
      // A kill during a compaction leaves its temp file; the next writer ignores it.
      if (existsSync(`${path}.tmp`)) leftovers += 1;
    }
    t.diagnostic(
      `seed ${seed}: ${total} records in ${kills} runs; ${torn} torn tails, ` +
        `${bases.size} compaction bases, a temp file present after ${leftovers} kills`,
    );
    assert.ok(total > 0);

    const read = await readJournal(path);
    const writer = await JournalWriter.append(path, read?.tail, QUIET);
    for (let n = total; n < total + 1000; n += 1) writer.write({ n });
    await writer.close();
    const final = await countIntact(path);
    assert.deepEqual(
      { total: final.total, torn: final.torn },
      { total: total + 1000, torn: false },
    );
  });
});
