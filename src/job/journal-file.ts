// The journal's file operations: the atomic replace (temp file, fsync, rename, fsync of the
// directory), opening for append after a torn tail, and full writes. No batching here.
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { corruptJournal, journalIoError, type JournalLabels } from './journal-format.ts';
import type { JournalTail } from './journal-read.ts';

/** The calls the journal makes on an open file; a `FileHandle` of `node:fs/promises` is one. */
export type JournalFile = {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: null,
  ): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
};

/** Opens a journal file; `fs.promises.open` unless a test injects faults. */
export type OpenJournalFile = (path: string, flags: string | number) => Promise<JournalFile>;

/** What a journal has written so far (for benchmarks and tests). */
export type JournalCounters = {
  /** Bytes handed to write(2) and accepted. */
  bytesWritten: number;
  /** write(2) calls: one per batch unless the kernel takes a batch in pieces. */
  writes: number;
  /** fsync(2)/fdatasync(2) calls that succeeded, on the file or its directory. */
  fsyncs: number;
};

export const openFile: OpenJournalFile = (path, flags) => open(path, flags);

/** Writes all of `data` at the file position, looping over short writes. */
export async function writeAll(
  file: JournalFile,
  data: Uint8Array,
  counters: JournalCounters,
): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, null);
    counters.writes += 1;
    counters.bytesWritten += bytesWritten;
    done += bytesWritten;
  }
}

/** Joined lines are written in batches of about this size, not as one string of the whole file. */
const CREATE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes `lines` to `path.tmp` (truncating any leftover of a crash), fsyncs it, renames it over
 * `path` and fsyncs the directory. A crash leaves either the old file or the new one, never a mix.
 * Returns the new file, still open, positioned at its end: appends follow the inode through the
 * rename, so there is no window where the new file exists but cannot be opened.
 */
export async function replaceFile(
  path: string,
  lines: readonly string[],
  open: OpenJournalFile,
  counters: JournalCounters,
  labels: JournalLabels,
): Promise<JournalFile> {
  const temp = `${path}.tmp`;
  let file: JournalFile | undefined;
  try {
    file = await open(temp, 'w');
    let batch: string[] = [];
    let batchChars = 0;
    for (const line of lines) {
      batch.push(line);
      batchChars += line.length;
      if (batchChars >= CREATE_BATCH_BYTES) {
        await writeAll(file, Buffer.from(batch.join('')), counters);
        batch = [];
        batchChars = 0;
      }
    }
    if (batch.length > 0) await writeAll(file, Buffer.from(batch.join('')), counters);
    // fsync, not fdatasync: the new inode's metadata must be on disk before the rename is.
    await file.sync();
    counters.fsyncs += 1;
    await rename(temp, path);
  } catch (error) {
    await file?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw journalIoError(error, 'write', path, labels);
  }
  if (await syncDirectory(dirname(path))) counters.fsyncs += 1;
  return file;
}

/**
 * Opens the journal at `path` to append records. With `tail` (from readJournal), first cuts the
 * file where the torn line starts, so new records do not follow garbage. Without it, refuses a
 * file that does not end in `\n`: its last line is torn and only readJournal knows where.
 */
export async function openForAppend(
  path: string,
  tail: JournalTail | undefined,
  open: OpenJournalFile,
  counters: JournalCounters,
  labels: JournalLabels,
): Promise<JournalFile> {
  await checkLineEnd(path, tail, labels);
  let file: JournalFile | undefined;
  try {
    // No O_CREAT: appending to a journal that is gone must fail, not start a headerless one.
    file = await open(path, constants.O_WRONLY | constants.O_APPEND);
    if (tail !== undefined) {
      await file.truncate(tail.offset);
      await file.datasync();
      counters.fsyncs += 1;
    }
    return file;
  } catch (error) {
    await file?.close().catch(() => undefined);
    throw journalIoError(error, 'open for appending', path, labels);
  }
}

/** Checks that the byte before the append point is `\n` (the end of a complete line). */
async function checkLineEnd(
  path: string,
  tail: JournalTail | undefined,
  labels: JournalLabels,
): Promise<void> {
  let size: number;
  let before: number | undefined;
  try {
    size = (await stat(path)).size;
    const at = tail === undefined ? size : tail.offset;
    if (at > 0 && at <= size) before = await byteAt(path, at - 1);
  } catch (error) {
    throw journalIoError(error, 'open for appending', path, labels);
  }
  if (before === 0x0a) return;
  if (tail !== undefined) {
    const reason = `changed since it was read (no line ends before byte ${tail.offset})`;
    throw corruptJournal(path, tail.line, tail.offset, reason, labels);
  }
  if (size === 0) throw corruptJournal(path, 1, 0, 'empty file', labels);
  const reason = 'last line has no final newline (a torn write; pass the tail readJournal found)';
  throw corruptJournal(path, undefined, size, reason, labels);
}

async function byteAt(path: string, position: number): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    const { bytesRead } = await handle.read(byte, 0, 1, position);
    return bytesRead === 1 ? byte[0] : undefined;
  } finally {
    await handle.close();
  }
}

/**
 * fsyncs a directory, so that a rename in it survives a power loss (the file's own fsync does
 * not cover its directory entry). Best effort: some platforms and file systems refuse to open or
 * fsync a directory, which weakens durability there but never atomicity. True if it worked.
 */
async function syncDirectory(dir: string): Promise<boolean> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
      return true;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}
