// The names of s3ferry's temporary files: a local file is written under a hidden temp name next
// to its destination and renamed onto it when complete. A killed run leaves such files behind;
// the listing of a local destination recognises them by this name (they are never keys), and the
// name says which process wrote it (its PID and host), so a later run can tell a leftover from a
// file another run is still writing (stale-temp.ts).
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Longest part of the destination's name kept in the temp name (file names max 255 bytes). */
const MAX_NAME_BYTES = 160;

/** The process that writes a temp file: its PID and a tag of its host's name. */
export type TempWriter = {
  pid: number;
  /** 8 hex digits of the SHA-256 of the host name. */
  hostTag: string;
};

/** Tags a host name as temp names carry it (PIDs mean nothing on another host). */
export function hostTagOf(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 8);
}

/** This process, as the temp files it writes name it (worker threads share the PID). */
export const THIS_WRITER: TempWriter = { pid: process.pid, hostTag: hostTagOf(hostname()) };

/** Cuts `name` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(name: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of name) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

/** `dir/.NAME.s3ferry-tmp-PID-HOST-RAND` for the destination `dir/NAME`, written by `writer`. */
export function tempPathFor(path: string, writer: TempWriter = THIS_WRITER): string {
  const name = truncateUtf8(basename(path), MAX_NAME_BYTES);
  const tag = `${writer.pid}-${writer.hostTag}-${randomBytes(6).toString('hex')}`;
  return join(dirname(path), `.${name}.s3ferry-tmp-${tag}`);
}

// The writer part is optional: versions before it named temp files `.NAME.s3ferry-tmp-RAND`.
const TEMP_NAME = /^\..*\.s3ferry-tmp-(?:([1-9][0-9]{0,9})-([0-9a-f]{8})-)?[0-9a-f]{12}$/s;

/**
 * What a temp file's name says: `undefined` when it is not one of s3ferry's temp names, else its
 * writer (`writer: undefined` for the older names that do not carry one).
 */
export function parseTempName(name: string): { writer: TempWriter | undefined } | undefined {
  const match = TEMP_NAME.exec(name);
  if (match === null) return undefined;
  const [, pid, hostTag] = match;
  if (pid === undefined || hostTag === undefined) return { writer: undefined };
  return { writer: { pid: Number(pid), hostTag } };
}

/** True for names {@link tempPathFor} produces, and the older ones without a writer. */
export function isTempName(name: string): boolean {
  return parseTempName(name) !== undefined;
}
