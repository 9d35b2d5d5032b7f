// check's comparator (sync's is decide.ts): how the content of a key present at both sides is
// compared — by size, then by fingerprints where they are comparable, or by reading both sides.
import type { ListEntry } from '../shared/protocol.ts';
import { hasMd5Fingerprints, isPlainMd5Etag } from './sides.ts';
import type { Sides } from './sides.ts';

/**
 * What to do with a key present at both sides:
 * - `size-differs`: done, no content comparison needed
 * - `compared`: decided from the listings alone (two ETags, or no comparable fingerprint)
 * - `hash`: read the named sides in the workers and compare MD5s (an S3 side not hashed
 *   contributes its plain-MD5 ETag)
 */
export type PairPlan =
  | { action: 'size-differs' }
  | { action: 'compared'; isSame: boolean; comparedBy: 'etag' | 'size-only' }
  | { action: 'hash'; src: boolean; dst: boolean; comparedBy: 'md5' | 'download' };

const MULTIPART_ETAG = /^[0-9a-f]{32}-\d+$/i;

/**
 * Plans the comparison of one key present at both sides (pure).
 * - Different sizes: `size-differs`.
 * - `isDownload`: hash both sides.
 * - Two S3 sides: equal plain-MD5 ETags are the same content and different ones differ; two
 *   identical multipart ETags (same parts, same part MD5s) are the same content; anything else
 *   (multipart against plain, different part layouts, empty ETags) cannot be compared: size only.
 * - A local side: hash it, and compare with the other file's MD5 or a plain-MD5 ETag; against a
 *   multipart or empty ETag nothing is hashed: size only.
 */
export function planPair(
  src: ListEntry,
  dst: ListEntry,
  sides: Sides & { isDownload: boolean },
): PairPlan {
  if (src.sizeBytes !== dst.sizeBytes) return { action: 'size-differs' };
  if (sides.isDownload) return { action: 'hash', src: true, dst: true, comparedBy: 'download' };
  const { isSrcLocal, isDstLocal } = sides;
  if (!isSrcLocal && !isDstLocal) {
    const a = src.etag?.toLowerCase();
    const b = dst.etag?.toLowerCase();
    if (isPlainMd5Etag(a) && isPlainMd5Etag(b)) {
      return { action: 'compared', isSame: a === b, comparedBy: 'etag' };
    }
    if (a !== undefined && a === b && MULTIPART_ETAG.test(a)) {
      return { action: 'compared', isSame: true, comparedBy: 'etag' };
    }
    return { action: 'compared', isSame: true, comparedBy: 'size-only' };
  }
  if (!hasMd5Fingerprints(src, dst, sides)) {
    return { action: 'compared', isSame: true, comparedBy: 'size-only' };
  }
  return { action: 'hash', src: isSrcLocal, dst: isDstLocal, comparedBy: 'md5' };
}
