// A crash-safe, append-only journal file: NDJSON, a header line then one record per line. It holds
// a sync job's checkpoint. Not an embedded database: native modules (better-sqlite3, LMDB) need a
// download or a compiler at install time, and node:sqlite only exists from Node 22.5; an append-only
// file with batched fsyncs and atomic compaction is all a checkpoint needs.
export { MAX_LINE_BYTES, type JournalLabels, type JsonObject } from './journal-format.ts';
export type { JournalCounters, JournalFile, OpenJournalFile } from './journal-file.ts';
export {
  readJournal,
  scanJournal,
  type JournalContents,
  type JournalTail,
  type ReadJournalOptions,
} from './journal-read.ts';
export { JournalWriter, type JournalStats, type JournalWriterOptions } from './journal-writer.ts';
