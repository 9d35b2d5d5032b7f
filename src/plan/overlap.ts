// Whether a run would read its own output or write into its own input: the destination inside the
// source (a sync of s3://b/ to s3://b/sub/ lists what it just copied, without end), the source
// inside the destination (--delete there removes the source's own files), or both the same place.
// rclone refuses such "overlapping remotes"; so does s3ferry, unless the filters provably keep the
// two apart. Pure: the engine resolves endpoints and real paths and asks here.
import { isAbsolute, relative, sep } from 'node:path';
import type { KeyPredicate } from './filter.ts';

/** Where one side of a run reads or writes. */
export type Place =
  | {
      kind: 's3';
      /** The endpoint, normalised (see {@link endpointIdentity}). */
      endpoint: string;
      bucket: string;
      /** The key space: a directory prefix (`''`, `dir/`), or one key when `isSingle`. */
      prefix: string;
      isSingle: boolean;
    }
  | {
      kind: 'local';
      /** Absolute, symlinks resolved. */
      path: string;
      isSingle: boolean;
    };

/** How the two places overlap, and the relative path of the inner one inside the outer. */
export type Overlap =
  | { kind: 'same' }
  | { kind: 'destination-inside-source'; inner: string }
  | { kind: 'source-inside-destination'; inner: string };

/**
 * An endpoint URL as an identity: scheme and host lower-cased, default ports dropped, no trailing
 * slash. No URL (AWS, whose bucket names are global) is `aws`, whatever the region.
 */
export function endpointIdentity(endpointUrl: string | undefined): string {
  if (endpointUrl === undefined) return 'aws';
  try {
    const url = new URL(endpointUrl);
    const isDefaultPort =
      url.port === '' ||
      (url.protocol === 'http:' && url.port === '80') ||
      (url.protocol === 'https:' && url.port === '443');
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.hostname.toLowerCase()}${isDefaultPort ? '' : `:${url.port}`}${path}`;
  } catch {
    return endpointUrl;
  }
}

/** `inner` relative to `outer` (with a trailing `/` for a directory), or undefined. */
function keyInside(outer: string, inner: string): string | undefined {
  return inner.startsWith(outer) ? inner.slice(outer.length) : undefined;
}

function pathInside(outer: string, inner: string): string | undefined {
  const rel = relative(outer, inner);
  if (rel === '') return '';
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return `${rel.split(sep).join('/')}/`;
}

/** How `src` and `dst` overlap, or undefined when they are apart. */
export function findOverlap(src: Place, dst: Place): Overlap | undefined {
  let srcInDst: string | undefined;
  let dstInSrc: string | undefined;
  if (src.kind === 's3' && dst.kind === 's3') {
    if (src.endpoint !== dst.endpoint || src.bucket !== dst.bucket) return undefined;
    if (src.isSingle || dst.isSingle) {
      return src.prefix === dst.prefix ? { kind: 'same' } : undefined;
    }
    dstInSrc = keyInside(src.prefix, dst.prefix);
    srcInDst = keyInside(dst.prefix, src.prefix);
  } else if (src.kind === 'local' && dst.kind === 'local') {
    if (src.isSingle || dst.isSingle) {
      return src.path === dst.path ? { kind: 'same' } : undefined;
    }
    dstInSrc = pathInside(src.path, dst.path);
    srcInDst = pathInside(dst.path, src.path);
  } else {
    return undefined;
  }
  if (dstInSrc === '' || srcInDst === '') return { kind: 'same' };
  if (dstInSrc !== undefined) return { kind: 'destination-inside-source', inner: dstInSrc };
  if (srcInDst !== undefined) return { kind: 'source-inside-destination', inner: srcInDst };
  return undefined;
}

/** What the run's filters say about keys relative to the roots (see filter.ts). */
export type OverlapFilters = {
  /**
   * An exclude covers this relative directory (`dir/`) as a directory, so every key under it is
   * left out (KeyFilter's `excludesDirectory`; includes and globs only narrow further).
   */
  excludesDirectory?: KeyPredicate | undefined;
  /** --delete-excluded: the destination listing is not filtered. */
  shouldDeleteExcluded?: boolean;
};

/**
 * Whether the filters keep an overlap apart. Relative keys are the same on both sides, so when an
 * exclude covers the inner place's whole subtree (relative path `inner`):
 * - destination inside the source: the source listing never shows the destination's keys, so the
 *   run never reads its own output; deletes stay inside the destination;
 * - source inside the destination: no source key maps into the source (those keys would start
 *   with `inner`), and the destination listing leaves the source out, so --delete cannot reach it
 *   — unless --delete-excluded lists the destination unfiltered.
 * The same place is never kept apart.
 */
export function isKeptApart(overlap: Overlap, filters: OverlapFilters): boolean {
  if (overlap.kind === 'same' || filters.excludesDirectory === undefined) return false;
  if (!filters.excludesDirectory(overlap.inner)) return false;
  return overlap.kind === 'destination-inside-source' || filters.shouldDeleteExcluded !== true;
}
