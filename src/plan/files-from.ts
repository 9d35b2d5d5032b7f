// --files-from: the keys a run is about, named one per line relative to SRC (rclone's and
// rsync's flag), instead of everything listed. Parsed into a sorted set, so that each key range
// asks only for its own keys, in the listings' order. Pure.
import { compareKeys } from './compare-keys.ts';
import { isBefore, isPast } from './key-range.ts';
import type { KeyRange } from './key-range.ts';

/**
 * The keys of a --files-from text: one per line (LF or CRLF), relative to SRC; a leading `/` is
 * dropped; blank lines and lines starting with `#` are skipped. Sorted in UTF-8 byte order, each
 * once.
 * @example parseKeyList('b.txt\n# old\n/a.txt\n') // ['a.txt', 'b.txt']
 */
export function parseKeyList(text: string): string[] {
  const keys = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const key = line.replace(/^\/+/, '');
    if (key !== '') keys.add(key);
  }
  return [...keys].sort(compareKeys);
}

/** The keys of a sorted list that lie in `range` (binary searches: a list may hold millions). */
export function keysInRange(keys: readonly string[], range: KeyRange): string[] {
  const start = firstIndex(keys, 0, (key) => !isBefore(key, range));
  return keys.slice(
    start,
    firstIndex(keys, start, (key) => isPast(key, range)),
  );
}

/** The first index from `from` whose key passes `test`, which holds for every key after it. */
function firstIndex(keys: readonly string[], from: number, test: (key: string) => boolean): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(keys[mid] ?? '')) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
