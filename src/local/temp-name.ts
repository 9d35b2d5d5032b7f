// The names of s3ferry's temporary files: a local file is written under a hidden temp name next
// to its destination and renamed onto it when complete. A killed run leaves such files behind;
// the listing of a local destination recognises them by this name (they are never keys).
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Longest part of the destination's name kept in the temp name (file names max 255 bytes). */
const MAX_NAME_BYTES = 160;

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

/** `dir/.NAME.s3ferry-tmp-RAND` for the destination `dir/NAME`. */
export function tempPathFor(path: string): string {
  const name = truncateUtf8(basename(path), MAX_NAME_BYTES);
  return join(dirname(path), `.${name}.s3ferry-tmp-${randomBytes(6).toString('hex')}`);
}

/** True for names {@link tempPathFor} produces (e.g. to skip leftovers of a killed run). */
export function isTempName(name: string): boolean {
  return /^\..*\.s3ferry-tmp-[0-9a-f]{12}$/s.test(name);
}
