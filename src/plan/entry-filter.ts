// Which listed objects a run selects by size and age (--min-size/--max-size/--min-age/--max-age,
// rclone's bounds, inclusive): on an object's size and LastModified (local: mtime); the march
// applies them to the source object of a key (engine/entry-selection.ts). Pure: ages
// count back from an instant the caller gives (the start of the pass, so a resumed pass keeps its
// cutoff).
import { parseAgeCutoff } from '../shared/age.ts';
import { usageError } from '../shared/errors.ts';
import type { ListEntry } from '../shared/protocol.ts';

/** Bounds of a run, resolved to bytes and to instants (ms since the epoch); each optional. */
export type EntryFilterOptions = {
  /** Smallest selected size, inclusive (`--min-size`). */
  minSizeBytes?: number | undefined;
  /** Largest selected size, inclusive (`--max-size`). */
  maxSizeBytes?: number | undefined;
  /** Objects modified at or before this instant are selected (`--min-age`: at least this old). */
  modifiedAtOrBeforeMs?: number | undefined;
  /** Objects modified at or after this instant are selected (`--max-age`: at most this old). */
  modifiedAtOrAfterMs?: number | undefined;
};

/** Tests a listed object by its size and modification time. */
export type EntryPredicate = (entry: Pick<ListEntry, 'sizeBytes' | 'mtimeMs'>) => boolean;

/**
 * The predicate of the size and age bounds; undefined when there is none (everything selected).
 * @example createEntryFilter({ maxSizeBytes: 10 })?.({ sizeBytes: 11, mtimeMs: 0 }) // false
 */
export function createEntryFilter(options: EntryFilterOptions): EntryPredicate | undefined {
  const { minSizeBytes, maxSizeBytes, modifiedAtOrBeforeMs, modifiedAtOrAfterMs } = options;
  const bounds = [minSizeBytes, maxSizeBytes, modifiedAtOrBeforeMs, modifiedAtOrAfterMs];
  if (bounds.every((bound) => bound === undefined)) return undefined;
  return ({ sizeBytes, mtimeMs }) =>
    (minSizeBytes === undefined || sizeBytes >= minSizeBytes) &&
    (maxSizeBytes === undefined || sizeBytes <= maxSizeBytes) &&
    (modifiedAtOrBeforeMs === undefined || mtimeMs <= modifiedAtOrBeforeMs) &&
    (modifiedAtOrAfterMs === undefined || mtimeMs >= modifiedAtOrAfterMs);
}

/**
 * The size and age options of a run as given (library and CLI alike): sizes in bytes, ages as a
 * duration back from the start of the pass (`7d`, `36h`) or an ISO date (`2026-01-31`).
 */
export type SizeAgeOptions = {
  /** Leave out objects smaller than this (`--min-size`). */
  minSizeBytes?: number | undefined;
  /** Leave out objects larger than this (`--max-size`). */
  maxSizeBytes?: number | undefined;
  /** Leave out objects modified more recently than this (`--min-age`: at least this old). */
  minAge?: string | undefined;
  /** Leave out objects modified longer ago than this (`--max-age`: at most this old). */
  maxAge?: string | undefined;
};

/**
 * Checks the size and age options before anything is listed.
 * @throws S3FerryError (kind `usage`) naming the flag: a negative or fractional size, an age that
 *   is neither a duration nor an ISO date, or bounds that select nothing.
 */
export function checkSizeAge(options: SizeAgeOptions, nowMs = Date.now()): SizeAgeOptions {
  for (const [flag, bytes] of [
    ['--min-size', options.minSizeBytes],
    ['--max-size', options.maxSizeBytes],
  ] as const) {
    if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 0)) {
      throw usageError(`${flag}: ${String(bytes)} is not a size in bytes`, 'e.g. 10MiB');
    }
  }
  const bounds = resolveSizeAge(options, nowMs);
  if (
    bounds.minSizeBytes !== undefined &&
    bounds.maxSizeBytes !== undefined &&
    bounds.minSizeBytes > bounds.maxSizeBytes
  ) {
    throw usageError('--min-size is larger than --max-size: nothing would be selected');
  }
  if (
    bounds.modifiedAtOrBeforeMs !== undefined &&
    bounds.modifiedAtOrAfterMs !== undefined &&
    bounds.modifiedAtOrBeforeMs < bounds.modifiedAtOrAfterMs
  ) {
    throw usageError('--min-age is older than --max-age: nothing would be selected');
  }
  return options;
}

/** The bounds of `options` as bytes and instants, ages counted back from `nowMs`. */
export function resolveSizeAge(options: SizeAgeOptions, nowMs: number): EntryFilterOptions {
  return {
    minSizeBytes: options.minSizeBytes,
    maxSizeBytes: options.maxSizeBytes,
    modifiedAtOrBeforeMs:
      options.minAge === undefined ? undefined : parseAgeCutoff(options.minAge, '--min-age', nowMs),
    modifiedAtOrAfterMs:
      options.maxAge === undefined ? undefined : parseAgeCutoff(options.maxAge, '--max-age', nowMs),
  };
}

/** The size and age options as flags (`--min-size 1024 --max-age 7d`), or undefined for none. */
export function describeSizeAge(options: SizeAgeOptions): string | undefined {
  const parts = [
    ['--min-size', options.minSizeBytes],
    ['--max-size', options.maxSizeBytes],
    ['--min-age', options.minAge],
    ['--max-age', options.maxAge],
  ]
    .filter(([, value]) => value !== undefined)
    .map(([flag, value]) => `${String(flag)} ${String(value)}`);
  return parts.length === 0 ? undefined : parts.join(' ');
}
