// A FIFO whose memory is bounded: the oldest items stay in memory, and once `memoryItems` are
// there, every further item goes to a temp file (NDJSON, src/shared/spool-file.ts) until the file
// has been read back completely; then pushes return to memory and the file is deleted.
//
// Refill ahead of time: the consumer (the dispatch's feed loop) is synchronous, so it takes items
// with shiftSync(), which only ever reads memory. Whenever memory falls to half of `memoryItems`
// while items wait on disk, one background refill moves the oldest of them into memory (up to
// `memoryItems`), reading 64 KiB at a time, while the consumer keeps taking what is there. The
// consumer waits (shift()) only when memory runs dry before a refill is done. Items move to
// memory in file order and pushes go to the file as long as it exists, so the order is exact.

import { Fifo } from './fifo.ts';
import { SpoolFile, toJson } from './spool-file.ts';

/**
 * What a {@link SpillFifo} holds: plain data that survives `JSON.stringify`/`JSON.parse`. No
 * functions, class instances or Dates (their JSON form is not themselves); an `undefined`
 * property is dropped on the way through the file.
 */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** Options of {@link SpillFifo}. */
export type SpillFifoOptions = {
  /** Items kept in memory before the rest go to the temp file (an integer ≥ 1). */
  memoryItems: number;
  /** Names the temp file `s3ferry-<name>-<pid>-<random>.ndjson` in `os.tmpdir()`; default `spool`. */
  name?: string;
};

/** What a {@link SpillFifo} wrote to disk over its life, for a run's summary. */
export type SpillStats = {
  /** Items that went to a temp file. */
  spilledItems: number;
  /** Bytes of NDJSON those items took. */
  spilledBytes: number;
  /** Temp files created (a new one each time the queue spills again after draining its file). */
  spoolFiles: number;
};

/**
 * A first-in first-out queue of JSON data with bounded memory: up to `memoryItems` of the oldest
 * items in memory, the rest spooled to a temp file and streamed back in order, refilled ahead of
 * the consumer. Items taken from memory are the objects pushed; items that went through the file
 * are parsed copies.
 * @example
 * const queue = new SpillFifo<{ key: string }>({ memoryItems: 10_000 });
 * try {
 *   for (const key of keys) queue.push({ key });
 *   for (let item = await queue.shift(); item !== undefined; item = await queue.shift()) {
 *     done.push(item.key);
 *   }
 * } finally {
 *   await queue.dispose();
 * }
 */
export class SpillFifo<T extends JsonValue> {
  readonly #memoryItems: number;
  /** Memory at or below this many items, with items on disk, starts a refill. */
  readonly #refillAtOrBelow: number;
  readonly #name: string | undefined;
  readonly #memory = new Fifo<T>();
  /** The temp file while any item pushed to it is still unread; then undefined. */
  #file: SpoolFile | undefined;
  #refilling: Promise<void> | undefined;
  /** Deletions of files no longer in use, awaited by dispose. */
  readonly #deleting = new Set<Promise<void>>();
  #error: Error | undefined;
  #isDisposed = false;
  /** Stats of the files already deleted. */
  #spilledItems = 0;
  #spilledBytes = 0;
  #spoolFiles = 0;

  constructor(options: SpillFifoOptions) {
    const { memoryItems } = options;
    if (!Number.isInteger(memoryItems) || memoryItems < 1) {
      throw new RangeError(`memoryItems must be an integer ≥ 1, got ${String(memoryItems)}`);
    }
    this.#memoryItems = memoryItems;
    this.#refillAtOrBelow = Math.floor(memoryItems / 2);
    this.#name = options.name;
  }

  /** Items queued: in memory and on disk. */
  get length(): number {
    return this.#memory.length + (this.#file?.unread ?? 0);
  }

  /** Items in memory: {@link shiftSync} returns this many before it needs a refill. */
  get inMemory(): number {
    return this.#memory.length;
  }

  /** The temp file's path while items are on disk; undefined while everything is in memory. */
  get spoolPath(): string | undefined {
    return this.#file?.path;
  }

  /** What went to disk so far. */
  get stats(): SpillStats {
    const file = this.#file;
    return {
      spilledItems: this.#spilledItems + (file?.appended ?? 0),
      spilledBytes: this.#spilledBytes + (file?.bytesAppended ?? 0),
      spoolFiles: this.#spoolFiles,
    };
  }

  /**
   * Adds an item at the end. Never waits: beyond memory it is buffered for the file; a failed
   * write surfaces on the next push or shift.
   * @throws TypeError for `undefined` (shift's "empty") or, beyond memory, a value with no JSON
   * form; the error of a failed write or read.
   */
  push(item: T): void {
    this.#throwIfUnusable();
    // The type allows no undefined, but JavaScript callers may pass it.
    if ((item as T | undefined) === undefined) throw new TypeError('cannot queue undefined');
    if (this.#file === undefined && this.#memory.length < this.#memoryItems) {
      this.#memory.push(item);
      return;
    }
    const json = toJson(item);
    if (this.#file === undefined) {
      this.#file = new SpoolFile(this.#name);
      this.#spoolFiles += 1;
    }
    this.#file.appendJson(json);
  }

  /**
   * The oldest item, removed, if it is in memory; undefined when memory is empty, which is not
   * the queue being empty while {@link length} > 0 (the rest is being read back: await
   * {@link shift}). Starts a refill when memory runs low.
   * @throws the error of a failed write or read.
   */
  shiftSync(): T | undefined {
    this.#throwIfUnusable();
    const item = this.#memory.shift();
    this.#refillIfLow();
    return item;
  }

  /**
   * The oldest item, removed; undefined when the queue is empty. Waits only when the item is on
   * disk and not yet read back.
   * @throws the error of a failed write or read.
   */
  async shift(): Promise<T | undefined> {
    for (;;) {
      const item = this.shiftSync();
      if (item !== undefined || this.length === 0) return item;
      // A refill may have put items in memory already, synchronously, from bytes read earlier.
      if (this.#memory.length === 0) await this.#refilling;
    }
  }

  /** Drops every item and deletes the temp file (gone when this returns), and a failure with it. */
  clear(): void {
    this.#memory.clear();
    this.#error = undefined;
    const file = this.#file;
    if (file !== undefined) this.#deleteFile(file);
  }

  /** Drops everything, deletes the temp file and waits until its handles are closed. */
  async dispose(): Promise<void> {
    this.#isDisposed = true;
    this.clear();
    await this.#refilling;
    await Promise.all(this.#deleting);
  }

  #refillIfLow(): void {
    const file = this.#file;
    if (file === undefined || this.#refilling !== undefined || this.#error !== undefined) return;
    if (this.#memory.length > this.#refillAtOrBelow) return;
    this.#refilling = this.#refill(file);
  }

  /** Moves the oldest items of `file` into memory, up to `memoryItems`; never rejects. */
  async #refill(file: SpoolFile): Promise<void> {
    let isDone = false;
    try {
      while (this.#file === file && file.unread > 0 && this.#memory.length < this.#memoryItems) {
        await file.take(this.#memoryItems - this.#memory.length, (item) => {
          this.#memory.push(item as T);
        });
      }
      // Read back completely: later pushes go to memory again, behind what the file held.
      if (this.#file === file && file.unread === 0) this.#deleteFile(file);
      isDone = true;
    } catch (error) {
      if (this.#file === file) this.#error ??= asError(error);
    } finally {
      this.#refilling = undefined;
    }
    // Memory may have run low again meanwhile, or a newer file may be waiting after a clear().
    if (isDone) this.#refillIfLow();
  }

  #deleteFile(file: SpoolFile): void {
    this.#spilledItems += file.appended;
    this.#spilledBytes += file.bytesAppended;
    this.#file = undefined;
    const deleting = file.delete().finally(() => this.#deleting.delete(deleting));
    this.#deleting.add(deleting);
  }

  #throwIfUnusable(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#isDisposed) throw new Error('the queue is disposed');
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
