// Reads a journal back, streaming: fixed-size chunks split at `\n` bytes. Not readline: it decodes
// invalid UTF-8 to U+FFFD silently and does not give byte offsets, and both matter here.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isS3FerryError } from '../shared/errors.ts';
import {
  MAX_LINE_BYTES,
  corruptJournal,
  errnoOf,
  journalIoError,
  type JournalLabels,
  type JsonObject,
} from './journal-format.ts';

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** A last line dropped as a torn write: where it starts, so an appender can cut the file there. */
export type JournalTail = {
  /** 1-based line number of the dropped line. */
  line: number;
  /** Byte offset where the dropped line starts (the length of the valid part of the file). */
  offset: number;
  /** Why it was dropped (`no final newline`, `not JSON`…). */
  reason: string;
};

/** A journal's header, its complete records, and the torn last line if there was one. */
export type JournalContents = {
  header: JsonObject;
  records: JsonObject[];
  tail?: JournalTail;
};

/** Options of {@link readJournal} and {@link scanJournal}. */
export type ReadJournalOptions = JournalLabels & {
  /**
   * Checks the header (line 1) before any record is read. Returns why the file is not the
   * journal the caller expects (`'not an s3ferry checkpoint'`), or undefined to accept it. The
   * reason becomes the one-line corruption error at line 1.
   */
  validateHeader?: (header: JsonObject) => string | undefined;
};

/**
 * Reads the journal at `path`: undefined if there is no such file. A torn last line (no final
 * `\n`, or unparseable while it is the last line) is dropped and described in `tail`.
 *
 * @throws S3FerryError `CorruptCheckpoint` (kind `usage`, fatal) for an empty file, a header that
 * is not an object or fails `validateHeader`, or any other invalid line; `local-io` when the file
 * cannot be read.
 * @example
 * const journal = await readJournal(path, {
 *   validateHeader: (h) => (h.s3ferry === 'checkpoint' ? undefined : 'not an s3ferry checkpoint'),
 * });
 */
export async function readJournal(
  path: string,
  options: ReadJournalOptions = {},
): Promise<JournalContents | undefined> {
  const records: JsonObject[] = [];
  const scanned = await scanJournal(path, (record) => records.push(record), options);
  if (scanned === undefined) return undefined;
  return { ...scanned, records };
}

/**
 * {@link readJournal} without keeping the records: each complete record is handed to `onRecord`
 * in file order (after the header was validated), so a caller can fold a large journal into its
 * state without holding every line in memory. A record handed out is never taken back: only an
 * invalid last line can be torn.
 */
export async function scanJournal(
  path: string,
  onRecord: (record: JsonObject, line: number) => void,
  options: ReadJournalOptions = {},
): Promise<Omit<JournalContents, 'records'> | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw journalIoError(error, 'open', path, options);
  }
  try {
    const scanner = new LineScanner(path, onRecord, options);
    // One buffer, reused: complete lines are parsed before the next read, and only the
    // unfinished end of a chunk is copied out.
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      scanner.push(buffer.subarray(0, bytesRead));
    }
    return scanner.end();
  } catch (error) {
    if (isS3FerryError(error)) throw error;
    throw journalIoError(error, 'read', path, options);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const NOT_AN_OBJECT = 'not a JSON object';

/** The parsed object, or why `line` is not a journal line. */
function parseLine(line: Buffer): JsonObject | string {
  // JSON.stringify never writes a raw NUL; a run of NULs is what a file system leaves in blocks
  // allocated but never written before a crash.
  if (line.includes(0)) return 'NUL byte';
  if (!isUtf8(line)) return 'invalid UTF-8';
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NOT_AN_OBJECT;
  return value as JsonObject;
}

/**
 * Splits chunks into lines and judges each one. An invalid line is only held as `suspect` until
 * a byte follows it: as the last line it is a torn write, anywhere else the file is corrupt.
 */
class LineScanner {
  readonly #path: string;
  readonly #onRecord: (record: JsonObject, line: number) => void;
  readonly #options: ReadJournalOptions;
  #header: JsonObject | undefined;
  /** 1-based number of the line being read. */
  #line = 1;
  /** Byte offset where that line starts. */
  #lineStart = 0;
  /** Bytes read so far. */
  #offset = 0;
  /** The start of the current line, copied out of earlier chunks. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #suspect: JournalTail | undefined;

  constructor(
    path: string,
    onRecord: (record: JsonObject, line: number) => void,
    options: ReadJournalOptions,
  ) {
    this.#path = path;
    this.#onRecord = onRecord;
    this.#options = options;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      if (this.#suspect !== undefined) throw this.#corrupt(this.#suspect);
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#partialBytes += chunk.length - start;
        if (this.#partialBytes > MAX_LINE_BYTES) throw this.#tooLong();
        this.#partial.push(Buffer.from(chunk.subarray(start)));
        break;
      }
      let line = chunk.subarray(start, end);
      if (this.#partialBytes > 0) {
        line = Buffer.concat([...this.#partial, line]);
        this.#partial = [];
        this.#partialBytes = 0;
      }
      if (line.length > MAX_LINE_BYTES) throw this.#tooLong();
      this.#judge(line);
      this.#line += 1;
      this.#lineStart = this.#offset + end + 1;
      start = end + 1;
    }
    this.#offset += chunk.length;
  }

  end(): Omit<JournalContents, 'records'> {
    const header = this.#header;
    if (header === undefined) {
      const reason = this.#offset === 0 ? 'empty file' : 'incomplete header (no final newline)';
      throw this.#corrupt({ line: 1, offset: 0, reason });
    }
    if (this.#partialBytes > 0) {
      const tail = { line: this.#line, offset: this.#lineStart, reason: 'no final newline' };
      return { header, tail };
    }
    return this.#suspect === undefined ? { header } : { header, tail: this.#suspect };
  }

  #judge(line: Buffer): void {
    const parsed = parseLine(line);
    const at = { line: this.#line, offset: this.#lineStart };
    if (this.#header === undefined) {
      if (typeof parsed === 'string') throw this.#corrupt({ ...at, reason: parsed });
      const reason = this.#options.validateHeader?.(parsed);
      if (reason !== undefined) throw this.#corrupt({ ...at, reason });
      this.#header = parsed;
    } else if (typeof parsed !== 'string') {
      this.#onRecord(parsed, this.#line);
    } else if (parsed === NOT_AN_OBJECT) {
      // A cut object line never parses as something else, so this is no torn write.
      throw this.#corrupt({ ...at, reason: parsed });
    } else {
      this.#suspect = { ...at, reason: parsed };
    }
  }

  #tooLong(): Error {
    const reason = `line longer than ${MAX_LINE_BYTES} bytes`;
    return this.#corrupt({ line: this.#line, offset: this.#lineStart, reason });
  }

  #corrupt(at: JournalTail): Error {
    return corruptJournal(this.#path, at.line, at.offset, at.reason, this.#options);
  }
}
