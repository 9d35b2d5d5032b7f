// Per-key copy/skip decisions for every comparison mode and direction: megfile's size + mtime
// rule at whole-second granularity by default, and content fingerprints (MD5/ETag) for --checksum.
import type { JoinEntry } from './merge-join.ts';
import { hasMd5Fingerprints, sidesOf } from './sides.ts';
import type { SyncDirection } from './sides.ts';

export { isPlainMd5Etag } from './sides.ts';
export type { SyncDirection } from './sides.ts';

/** How source and destination are compared (CLI: default, -f, --skip-existing, --size-only, --checksum). */
export type CompareMode = 'default' | 'force' | 'skip-existing' | 'size-only' | 'checksum';

/**
 * Why a key is copied:
 * - `missing`: not at the destination
 * - `size-differs`: sizes differ
 * - `newer`: same size but the mtime rule says the destination is out of date (upload, S3→S3,
 *   local→local: the source is newer; download: the local file is newer than the object, megfile's rule)
 * - `forced`: `--force`
 * - `checksum-differs`: the content fingerprints differ
 */
export type CopyReason = 'missing' | 'size-differs' | 'newer' | 'forced' | 'checksum-differs';

/** Why a key is skipped: same size and mtime rule (or size only), `--skip-existing`, or same fingerprint. */
export type SkipReason = 'same' | 'exists' | 'checksum-same';

/**
 * The decision for one key. `fallback: true` marks a `--checksum` decision made by the default
 * size + mtime rule because the fingerprints were not comparable (multipart or empty ETags).
 * `needs-hash`: compute the MD5 of the named local side(s) and call {@link decide} again with it.
 * `extraneous`: only at the destination (sync never deletes).
 */
export type Decision =
  | { action: 'copy'; reason: CopyReason; fallback?: true }
  | { action: 'skip'; reason: SkipReason; fallback?: true }
  | { action: 'needs-hash'; hash: 'src' | 'dst' | 'both' }
  | { action: 'extraneous' };

/** Options of {@link decide}. */
export type DecideOptions = {
  mode: CompareMode;
  direction: SyncDirection;
  /** MD5 (hex) of the local source file, once computed after a `needs-hash` decision. */
  srcMd5?: string;
  /** MD5 (hex) of the local destination file, once computed after a `needs-hash` decision. */
  dstMd5?: string;
};

/** Whole seconds: RGW lists LastModified in ms but HEAD/GET give whole seconds. */
function seconds(mtimeMs: number): number {
  return Math.floor(mtimeMs / 1000);
}

/**
 * Decides what to do with one joined key.
 * - src-only → copy `missing` (every mode); dst-only → `extraneous`.
 * - `force` → copy `forced`; `skip-existing` → skip `exists`; `size-only` → size equality.
 * - `default` (megfile): skip when sizes are equal and the mtime rule holds, with both times
 *   floored to whole seconds: upload, S3→S3 and local→local skip when dst ≥ src; downloads skip
 *   when dst ≤ src (a download sets the file's mtime to LastModified, so a re-sync skips).
 * - `checksum`: different sizes → copy `size-differs` without hashing. Otherwise compare MD5s:
 *   an S3 side's plain-MD5 ETag, a local side's computed MD5 (returns `needs-hash` until given).
 *   When an S3 side's ETag is not a plain MD5 (multipart `…-N`, empty), falls back to the default
 *   rule, marked `fallback: true`; no local hash is requested then. The default rule, not
 *   size-only, so that the fallback never skips more than a plain sync would.
 */
export function decide(entry: JoinEntry, options: DecideOptions): Decision {
  if (entry.kind === 'src-only') return { action: 'copy', reason: 'missing' };
  if (entry.kind === 'dst-only') return { action: 'extraneous' };
  const { src, dst } = entry;
  switch (options.mode) {
    case 'force':
      return { action: 'copy', reason: 'forced' };
    case 'skip-existing':
      return { action: 'skip', reason: 'exists' };
    case 'size-only':
      return src.sizeBytes === dst.sizeBytes
        ? { action: 'skip', reason: 'same' }
        : { action: 'copy', reason: 'size-differs' };
    case 'default':
      return byDefaultRule(
        src.sizeBytes,
        src.mtimeMs,
        dst.sizeBytes,
        dst.mtimeMs,
        options.direction,
      );
    case 'checksum':
      return byChecksum(entry, options);
  }
}

function byDefaultRule(
  srcSize: number,
  srcMtimeMs: number,
  dstSize: number,
  dstMtimeMs: number,
  direction: SyncDirection,
): Decision & { action: 'copy' | 'skip' } {
  if (srcSize !== dstSize) return { action: 'copy', reason: 'size-differs' };
  const s = seconds(srcMtimeMs);
  const d = seconds(dstMtimeMs);
  const same = direction === 'download' ? d <= s : d >= s;
  return same ? { action: 'skip', reason: 'same' } : { action: 'copy', reason: 'newer' };
}

function byChecksum(entry: JoinEntry & { kind: 'match' }, options: DecideOptions): Decision {
  const { src, dst } = entry;
  if (src.sizeBytes !== dst.sizeBytes) return { action: 'copy', reason: 'size-differs' };
  const sides = sidesOf(options.direction);
  // An S3 side without a plain-MD5 ETag cannot be compared: fall back before any hashing.
  if (!hasMd5Fingerprints(src, dst, sides)) {
    const decision = byDefaultRule(
      src.sizeBytes,
      src.mtimeMs,
      dst.sizeBytes,
      dst.mtimeMs,
      options.direction,
    );
    return { ...decision, fallback: true };
  }
  const srcMd5 = sides.isSrcLocal ? options.srcMd5 : src.etag;
  const dstMd5 = sides.isDstLocal ? options.dstMd5 : dst.etag;
  if (srcMd5 === undefined || dstMd5 === undefined) {
    const hash = srcMd5 === undefined ? (dstMd5 === undefined ? 'both' : 'src') : 'dst';
    return { action: 'needs-hash', hash };
  }
  return srcMd5.toLowerCase() === dstMd5.toLowerCase()
    ? { action: 'skip', reason: 'checksum-same' }
    : { action: 'copy', reason: 'checksum-differs' };
}
