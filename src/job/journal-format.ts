// The journal's line format (one JSON object per `\n`-terminated line) and the errors that name a
// journal file. Shared by the reader and the writer; no I/O here.
import { S3FerryError } from '../shared/errors.ts';

/** A parsed journal line: the header or one record. */
export type JsonObject = Record<string, unknown>;

/**
 * Longest line the reader accepts and the writer produces. A bound, so that a file that is not a
 * journal (a binary file with no `\n`) is refused after reading this much, not held whole.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** How journal errors name the file, and what they advise. */
export type JournalLabels = {
  /**
   * What the file is, in messages: `checkpoint /x/job.ckpt is corrupt at …`.
   * @default 'checkpoint'
   */
  label?: string;
  /**
   * Hint attached to the corruption error.
   * @default '--fresh discards it'
   */
  hint?: string;
};

export const DEFAULT_LABEL = 'checkpoint';
const DEFAULT_HINT = '--fresh discards it';

/**
 * `record` as one journal line. JSON.stringify escapes `\n`, control characters and lone
 * surrogates, so the line holds no raw `\n` and is valid UTF-8.
 */
export function serializeLine(record: object, labels: JournalLabels = {}): string {
  const json: unknown = JSON.stringify(record);
  // A toJSON() can turn an object into a string or nothing; the reader would refuse that line.
  if (typeof json !== 'string' || !json.startsWith('{')) {
    throw new S3FerryError(
      'internal',
      'JournalRecordNotObject',
      `a ${labels.label ?? DEFAULT_LABEL} record must serialize to a JSON object`,
      { fatal: true },
    );
  }
  return `${json}\n`;
}

/**
 * The one-line error for a file that is not a valid journal (exit 2, fatal), naming the line
 * (when known) and the byte offset where it starts.
 */
export function corruptJournal(
  path: string,
  line: number | undefined,
  offset: number,
  reason: string,
  labels: JournalLabels = {},
): S3FerryError {
  const label = labels.label ?? DEFAULT_LABEL;
  return new S3FerryError(
    'usage',
    'CorruptCheckpoint',
    line === undefined
      ? `${label} ${path} is corrupt at byte ${offset}: ${reason}`
      : `${label} ${path} is corrupt at line ${line} (byte ${offset}): ${reason}`,
    { hint: labels.hint ?? DEFAULT_HINT, fatal: true },
  );
}

/** A failed fs call on a journal file, naming it: `cannot write checkpoint /x/job.ckpt: ENOSPC`. */
export function journalIoError(
  error: unknown,
  doing: string,
  path: string,
  labels: JournalLabels = {},
): S3FerryError {
  const code = errnoOf(error);
  return new S3FerryError(
    'local-io',
    code,
    `cannot ${doing} ${labels.label ?? DEFAULT_LABEL} ${path}: ${code}`,
    { fatal: true },
    { cause: error },
  );
}

/** The errno code of a failed fs call (`ENOENT`…), or the error as text. */
export function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}
