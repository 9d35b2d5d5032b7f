// A temp file of JSON values, one per line (NDJSON), appended and read back in order, even while
// it is still being written. Appends are batched into ~64 KiB writes through a write stream (no
// syscall per value, no fsync: it is a cache, not a record). Reads are positional reads of the
// bytes already written, split at '\n' bytes: JSON.stringify escapes every control character, so
// a '\n' byte only ever ends a line (U+2028 and the like stay inside their line), and in UTF-8 the
// byte 0x0A never occurs inside a multi-byte character. Not readline over a read stream: a read
// stream ends at the end of the file as it is when reached, and this file keeps growing.
import { createWriteStream, openSync, unlinkSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Characters of JSON gathered before they are handed to the write stream as one write. */
const WRITE_BATCH_CHARS = 64 * 1024;

/** Bytes read from the file at once. */
const READ_CHUNK_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

// Spool files that exist right now, removed if the process exits normally before their owner
// deleted them (a crash or SIGKILL still leaves them in the temp directory).
const liveSpoolPaths = new Set<string>();
let isExitHookInstalled = false;

function track(path: string): void {
  liveSpoolPaths.add(path);
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on('exit', () => {
    for (const leftover of liveSpoolPaths) {
      try {
        unlinkSync(leftover);
      } catch {
        // Already gone, or the temp directory is unwritable: nothing more to do at exit.
      }
    }
  });
}

/**
 * The JSON of a value to spool.
 * @throws TypeError when the value has no JSON form (undefined, a function, a symbol).
 */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError('a spooled value must have a JSON form');
  return json;
}

/**
 * An append-only NDJSON temp file in `os.tmpdir()`, named `s3ferry-<name>-<pid>-<random>.ndjson`,
 * whose values are taken back in the order appended. {@link appendJson} never waits (write errors
 * surface on the next {@link take}); only one {@link take} may run at a time.
 */
export class SpoolFile {
  /** The file's path; it exists from construction until {@link delete}. */
  readonly path: string;
  readonly #out: WriteStream;
  #in: FileHandle | undefined;
  #batch: string[] = [];
  #batchChars = 0;
  /** Bytes handed to the write stream. */
  #queuedBytes = 0;
  /** Bytes the write stream has written to the file: whole lines, safe to read. */
  #writtenBytes = 0;
  #lastWrite: Promise<void> = Promise.resolve();
  /** Bytes read from the file; those not yet parsed are in #carry from #carryStart on. */
  #readBytes = 0;
  #carry: Buffer = EMPTY;
  #carryStart = 0;
  #appended = 0;
  #taken = 0;
  #isTaking = false;
  #isDeleted = false;
  #error: Error | undefined;

  /** Creates the file (synchronously, so that a {@link delete} right after cannot race it). */
  constructor(name = 'spool') {
    this.path = join(
      tmpdir(),
      `s3ferry-${name}-${process.pid}-${randomBytes(6).toString('hex')}.ndjson`,
    );
    const fd = openSync(this.path, 'wx', 0o600);
    track(this.path);
    this.#out = createWriteStream(this.path, { fd });
    this.#out.on('error', (error) => {
      this.#fail(error);
    });
  }

  /** Values appended and not yet taken. */
  get unread(): number {
    return this.#appended - this.#taken;
  }

  /** Values appended over the file's life. */
  get appended(): number {
    return this.#appended;
  }

  /** Bytes of JSON appended over the file's life (written, or about to be). */
  get bytesAppended(): number {
    return this.#queuedBytes + Buffer.byteLength(this.#batch.join(''));
  }

  /** Bytes appended and not yet on disk: the writes in flight and the batch being gathered. */
  get unwrittenBytes(): number {
    return this.#queuedBytes - this.#writtenBytes + this.#batchChars;
  }

  /**
   * Resolves once every batch handed to the write stream so far is written: for a producer that
   * can wait, to bound {@link unwrittenBytes} when the disk is slower than it.
   */
  whenWritten(): Promise<void> {
    return this.#lastWrite;
  }

  /**
   * Appends one value, given as its JSON ({@link toJson}), as one line.
   * @throws the error of an earlier write that failed.
   */
  appendJson(json: string): void {
    this.#throwIfUnusable();
    this.#batch.push(json, '\n');
    this.#batchChars += json.length + 1;
    this.#appended += 1;
    if (this.#batchChars >= WRITE_BATCH_CHARS) this.#writeBatch();
  }

  /**
   * Takes up to `max` values, oldest first, handing each to `sink`; resolves with how many. Waits
   * for the write stream when the values wanted have not reached the file yet. Resolves early,
   * with what it has, once the file is deleted.
   * @throws the error of a failed write or read.
   */
  async take(max: number, sink: (value: unknown) => void): Promise<number> {
    if (this.#isTaking) throw new Error('SpoolFile.take is already running');
    this.#isTaking = true;
    try {
      let count = 0;
      while (count < max && this.unread > 0 && !this.#isDeleted) {
        this.#throwIfUnusable();
        count += this.#parseCarry(max - count, sink);
        if (count >= max || this.unread === 0) break;
        if (this.#readBytes < this.#writtenBytes) {
          await this.#readChunk();
        } else if (this.#batch.length > 0 || this.#writtenBytes < this.#queuedBytes) {
          // Everything written is read: push the batch out and wait for the disk.
          this.#writeBatch();
          await this.#lastWrite;
        } else {
          // Every byte is read and yet lines are missing: the file was changed behind our back.
          throw new Error(`the spool file ${this.path} lost ${this.unread} lines`);
        }
      }
      return count;
    } finally {
      this.#isTaking = false;
    }
  }

  /**
   * Removes the file at once (the path is gone when this returns) and closes it; resolves once
   * the read handle is closed. Values not taken are dropped.
   */
  delete(): Promise<void> {
    if (this.#isDeleted) return Promise.resolve();
    this.#isDeleted = true;
    this.#batch = [];
    this.#carry = EMPTY;
    try {
      unlinkSync(this.path);
    } catch {
      // Gone already (someone cleaned the temp directory): nothing to remove.
    }
    liveSpoolPaths.delete(this.path);
    this.#out.destroy();
    return this.#closeReader();
  }

  async #closeReader(): Promise<void> {
    const reader = this.#in;
    this.#in = undefined;
    // FileHandle.close waits for a read in flight.
    await reader?.close().catch(() => undefined);
  }

  #writeBatch(): void {
    if (this.#batch.length === 0) return;
    const chunk = Buffer.from(this.#batch.join(''), 'utf8');
    this.#batch = [];
    this.#batchChars = 0;
    this.#queuedBytes += chunk.length;
    const end = this.#queuedBytes;
    this.#lastWrite = new Promise<void>((resolve) => {
      this.#out.write(chunk, (error) => {
        if (error) this.#fail(error);
        else this.#writtenBytes = end;
        resolve();
      });
    });
  }

  /** Parses up to `max` whole lines already read; returns how many. */
  #parseCarry(max: number, sink: (value: unknown) => void): number {
    const carry = this.#carry;
    let start = this.#carryStart;
    let count = 0;
    while (count < max) {
      const end = carry.indexOf(NEWLINE, start);
      if (end === -1) break;
      const value: unknown = JSON.parse(carry.toString('utf8', start, end));
      start = end + 1;
      this.#taken += 1;
      count += 1;
      sink(value);
    }
    this.#carryStart = start;
    return count;
  }

  async #readChunk(): Promise<void> {
    if (this.#in === undefined) {
      const reader = await open(this.path, 'r');
      if (this.#isDeleted) {
        await reader.close();
        return;
      }
      this.#in = reader;
    }
    const size = Math.min(READ_CHUNK_BYTES, this.#writtenBytes - this.#readBytes);
    const chunk = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.#in.read(chunk, 0, size, this.#readBytes);
    if (this.#isDeleted) return;
    if (bytesRead === 0) throw new Error(`the spool file ${this.path} is shorter than written`);
    this.#readBytes += bytesRead;
    const rest = this.#carry.subarray(this.#carryStart);
    const read = chunk.subarray(0, bytesRead);
    // Only a line cut by the chunk's end is carried over; usually nothing is.
    this.#carry = rest.length === 0 ? read : Buffer.concat([rest, read]);
    this.#carryStart = 0;
  }

  #fail(error: Error): void {
    // A deleted file's stream reports the writes it dropped; those are not failures.
    if (!this.#isDeleted) this.#error ??= error;
  }

  #throwIfUnusable(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#isDeleted) throw new Error(`the spool file ${this.path} is deleted`);
  }
}
