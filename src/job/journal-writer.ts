// Appends records to a journal with batched durability, and compacts it. write() only buffers a
// line; a flush makes a batch durable with one write(2) and one fdatasync(2), one flush at a time.
import { S3FerryError } from '../shared/errors.ts';
import {
  DEFAULT_LABEL,
  MAX_LINE_BYTES,
  journalIoError,
  serializeLine,
  type JournalLabels,
} from './journal-format.ts';
import {
  openFile as defaultOpen,
  openForAppend,
  replaceFile,
  writeAll,
  type JournalCounters,
  type JournalFile,
  type OpenJournalFile,
} from './journal-file.ts';
import type { JournalTail } from './journal-read.ts';

/** Options of {@link JournalWriter}. */
export type JournalWriterOptions = JournalLabels & {
  /**
   * Longest time a written record waits in memory before its batch is flushed. Batching is what
   * makes write() cheap: an fsync costs from tens of microseconds to tens of milliseconds, so one
   * per record would bound a job's record rate by the disk, and a crash loses at most this window.
   * @default 200
   */
  flushIntervalMs?: number;
  /**
   * Buffered bytes that start a flush before the interval is up.
   * @default 1048576 (1 MiB)
   */
  maxBufferBytes?: number;
  /**
   * Opens the journal's files.
   * @default fs.promises.open
   */
  openFile?: OpenJournalFile;
};

/** Counters of a {@link JournalWriter}, for benchmarks and tests. */
export type JournalStats = JournalCounters & {
  /** Records passed to write() (including compactions' records). */
  records: number;
  /** Bytes written but not yet handed to the file. */
  bufferedBytes: number;
  /** Compactions that replaced the file. */
  compactions: number;
};

/**
 * Writes a journal: `create` a new one (or replace one atomically), `append` to an existing one.
 *
 * @example
 * const writer = await JournalWriter.create(path, { s3ferry: 'checkpoint', version: 1 });
 * writer.write({ done: 'a/b' });
 * await writer.close();
 */
export class JournalWriter {
  /** The journal file. */
  readonly path: string;
  readonly #labels: JournalLabels & { label: string };
  readonly #intervalMs: number;
  readonly #maxBufferBytes: number;
  readonly #open: OpenJournalFile;
  readonly #counters: JournalCounters;
  #file: JournalFile;
  #records = 0;
  #compactions = 0;

  /** Lines written and not yet taken by a flush; `#lines[0]` is line number `#firstSerial`. */
  #lines: string[] = [];
  #firstSerial = 0;
  #bufferedBytes = 0;
  /**
   * Serials at which pending compactions cut: lines before a cut belong to the file being
   * replaced, lines from it on to the new file. Flushes ahead of a compaction stop at its cut.
   */
  #cuts: number[] = [];

  /** The last queued file operation; operations run one at a time, in order. */
  #chain: Promise<void> = Promise.resolve();
  /** A flush queued but not started: later flush() calls join it instead of queueing another. */
  #queuedFlush: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The first failed write or fsync: the file's end is unknown after it, so nothing follows. */
  #failure: S3FerryError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    file: JournalFile,
    counters: JournalCounters,
    options: JournalWriterOptions,
  ) {
    this.path = path;
    this.#file = file;
    this.#counters = counters;
    this.#labels = { label: options.label ?? DEFAULT_LABEL };
    if (options.hint !== undefined) this.#labels.hint = options.hint;
    this.#intervalMs = options.flushIntervalMs ?? 200;
    this.#maxBufferBytes = options.maxBufferBytes ?? 1024 * 1024;
    this.#open = options.openFile ?? defaultOpen;
  }

  /**
   * Creates the journal at `path` with `header` and `records`, replacing any file there
   * atomically (see {@link replaceFile}), and opens it for appending.
   */
  static async create(
    path: string,
    header: object,
    records: readonly object[] = [],
    options: JournalWriterOptions = {},
  ): Promise<JournalWriter> {
    const counters = { bytesWritten: 0, writes: 0, fsyncs: 0 };
    const lines = serializeAll(header, records, options);
    const file = await replaceFile(path, lines, options.openFile ?? defaultOpen, counters, options);
    const writer = new JournalWriter(path, file, counters, options);
    writer.#records = records.length;
    return writer;
  }

  /**
   * Opens the existing journal at `path` for appending. Pass the `tail` readJournal reported:
   * the torn line is cut off first. Without a tail, a file that ends inside a line is refused.
   */
  static async append(
    path: string,
    tail: JournalTail | undefined,
    options: JournalWriterOptions = {},
  ): Promise<JournalWriter> {
    const counters = { bytesWritten: 0, writes: 0, fsyncs: 0 };
    const file = await openForAppend(
      path,
      tail,
      options.openFile ?? defaultOpen,
      counters,
      options,
    );
    return new JournalWriter(path, file, counters, options);
  }

  /** Counters so far. */
  get stats(): JournalStats {
    return {
      ...this.#counters,
      records: this.#records,
      bufferedBytes: this.#bufferedBytes,
      compactions: this.#compactions,
    };
  }

  /**
   * Buffers `record` as one line; it reaches the disk with the next flush. Never throws for I/O:
   * a failed flush rejects the next flush() or close(), and later records are dropped.
   * @throws S3FerryError after close(), or for a record that is not a JSON object or too long.
   */
  write(record: object): void {
    if (this.#closing !== undefined) throw this.#closedError('write()');
    const line = serializeLine(record, this.#labels);
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_LINE_BYTES) {
      throw new S3FerryError(
        'internal',
        'JournalRecordTooLong',
        `a ${this.#labels.label} record of ${bytes} bytes is longer than ${MAX_LINE_BYTES}`,
        { fatal: true },
      );
    }
    this.#records += 1;
    if (this.#failure !== undefined) return;
    this.#lines.push(line);
    this.#bufferedBytes += bytes;
    if (this.#queuedFlush !== undefined) return; // it takes this line when it starts
    if (this.#bufferedBytes >= this.#maxBufferBytes) {
      this.#cancelTimer();
      this.#queueFlush().catch(() => undefined); // kept in #failure for the next flush()
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#queueFlush().catch(() => undefined);
      }, this.#intervalMs);
    }
  }

  /** Makes every record written so far durable (one write and one fsync for all of them). */
  flush(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#cancelTimer();
    return this.#queueFlush();
  }

  /**
   * Replaces the journal atomically with `header` and `records`, then goes on appending to the
   * new file. `records` must stand for everything written before this call: they are
   * serialized now, so the caller may change the objects afterwards. Records written while the
   * compaction runs go to the new file. Lines still buffered from before the call are first made
   * durable in the old file, so if the replacement fails (the promise rejects) nothing is lost
   * and the writer goes on with the old file.
   */
  compact(header: object, records: readonly object[]): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError('compact()'));
    const lines = serializeAll(header, records, this.#labels);
    const cut = this.#firstSerial + this.#lines.length;
    this.#cuts.push(cut);
    // A flush queued before this call stops at the cut; records written after it need one after.
    this.#queuedFlush = undefined;
    return this.#enqueue(async () => {
      try {
        await this.#drain(cut);
      } finally {
        this.#cuts.shift();
      }
      const file = await replaceFile(this.path, lines, this.#open, this.#counters, this.#labels);
      const old = this.#file;
      this.#file = file;
      this.#records += records.length;
      this.#compactions += 1;
      await old.close().catch(() => undefined); // its data is durable, and it is unlinked now
    });
  }

  /** Flushes and closes the file. Later write() and compact() calls throw. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#cancelTimer();
    this.#queuedFlush = undefined;
    this.#closing = this.#enqueue(async () => {
      try {
        await this.#drain(Infinity);
      } finally {
        await this.#file.close().catch(() => undefined);
      }
    });
    return this.#closing;
  }

  #queueFlush(): Promise<void> {
    if (this.#queuedFlush !== undefined) return this.#queuedFlush;
    const flush = this.#enqueue(() => {
      if (this.#queuedFlush === flush) this.#queuedFlush = undefined;
      return this.#drain(this.#cuts[0] ?? Infinity);
    });
    this.#queuedFlush = flush;
    return flush;
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(operation);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Writes the buffered lines before serial `until` as one batch, then fdatasyncs. */
  async #drain(until: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const count = Math.min(this.#lines.length, until - this.#firstSerial);
    if (count <= 0) return;
    const lines = count === this.#lines.length ? this.#lines : this.#lines.slice(0, count);
    this.#lines = count === this.#lines.length ? [] : this.#lines.slice(count);
    this.#firstSerial += count;
    const data = Buffer.from(lines.join(''));
    this.#bufferedBytes -= data.length;
    try {
      await writeAll(this.#file, data, this.#counters);
      // fdatasync, not fsync: it still flushes the size an append changed, but not the mtime.
      await this.#file.datasync();
      this.#counters.fsyncs += 1;
    } catch (error) {
      this.#failure = journalIoError(error, 'write', this.path, this.#labels);
      this.#firstSerial += this.#lines.length;
      this.#lines = [];
      this.#bufferedBytes = 0;
      throw this.#failure;
    }
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #closedError(call: string): S3FerryError {
    return new S3FerryError(
      'internal',
      'JournalClosed',
      `${call} on ${this.#labels.label} ${this.path} after close()`,
      { fatal: true },
    );
  }
}

function serializeAll(header: object, records: readonly object[], labels: JournalLabels): string[] {
  const lines = [serializeLine(header, labels)];
  for (const record of records) lines.push(serializeLine(record, labels));
  return lines;
}
