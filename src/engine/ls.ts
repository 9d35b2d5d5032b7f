// `ls`: one directory level (objects and common prefixes, or a local directory's entries), or
// with `recursive` every object/file below, as batches (one S3 page each) so the caller prints
// as the listing arrives. megfile's semantics: a path naming an object lists just that object.
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { listLocal } from '../local/list.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import { directoryPrefix } from '../plan/relative.ts';
import { listS3Buckets } from '../s3/buckets.ts';
import { findS3Object, listS3 } from '../s3/list.ts';
import { listS3Delimited } from '../s3/list-delimited.ts';
import { inContext, isS3FerryError, usageError } from '../shared/errors.ts';
import { checkSizeAge } from '../plan/entry-filter.ts';
import type { SizeAgeOptions } from '../plan/entry-filter.ts';
import { createKeyFilter } from '../plan/filter.ts';
import type { KeyFilterOptions } from '../plan/filter.ts';
import { sizeAgePredicate } from './entry-selection.ts';
import type { FilesFromOption } from './options.ts';
import type { ListEntry } from '../shared/protocol.ts';
import type { EverydayOptions, EverydaySession, LocalTarget, S3Target } from './everyday.ts';
import { EverydaySession as Session, baseName, errnoOf, localError, notFound } from './everyday.ts';

/** One line of `ls`. */
export type LsEntry = {
  kind: 'file' | 'directory';
  /**
   * Relative to the listed path: a file's or directory's name, or with `recursive` the path
   * below it (`sub/b.txt`); directories end in `/`. A path naming one object: its base name.
   */
  name: string;
  /** The full path (`s3+p://bucket/key`, or the local path as given joined with the name). */
  path: string;
  /** Bytes; 0 for directories. */
  sizeBytes: number;
  /** Modification time (ms); undefined for S3 prefixes, which have none. */
  mtimeMs: number | undefined;
};

/** Options of {@link ls}. */
export type LsOptions = EverydayOptions & {
  /** Every object or file below the path (no directories), instead of one level. */
  recursive?: boolean;
  /**
   * With `recursive`: only the objects these select, as sync selects them (names relative to
   * the path; sizes and times of the objects). `filesFrom` filters the listing here.
   */
  selection?: LsSelection;
};

/** The filters `ls -r` takes: sync's. */
export type LsSelection = KeyFilterOptions & SizeAgeOptions & FilesFromOption;

/** The test of an `ls -r` entry under `selection`, or undefined when it selects everything. */
function lsSelector(selection: LsSelection | undefined): ((entry: LsEntry) => boolean) | undefined {
  if (selection === undefined) return undefined;
  const names = createKeyFilter(selection);
  const sizeAge = sizeAgePredicate(checkSizeAge(selection));
  const listed = selection.filesFrom === undefined ? undefined : new Set(selection.filesFrom);
  if (names === undefined && sizeAge === undefined && listed === undefined) return undefined;
  return (entry) =>
    (names === undefined || names.selects(entry.name)) &&
    (listed === undefined || listed.has(entry.name)) &&
    (sizeAge === undefined || sizeAge({ sizeBytes: entry.sizeBytes, mtimeMs: entry.mtimeMs ?? 0 }));
}

/** Local stat() calls in flight while reading one directory. */
const STAT_CONCURRENCY = 32;
/** Entries per batch for listings that have no pages (local recursive). */
const LOCAL_BATCH = 1000;

/**
 * Lists `input` (`s3://` for the bucket list, `s3://bucket/prefix`, or a local path), yielding
 * batches in S3 key order (UTF-8 bytes) as they arrive: memory holds one page, not the listing.
 * @throws S3FerryError: `not-found` (exit 1) for a path with nothing at or under it, `usage` for
 *   `-r s3://`, the classified S3 error (NoSuchBucket, AccessDenied…) otherwise.
 * @example for await (const batch of ls('s3://b/logs/', {})) for (const e of batch) names.push(e.name)
 */
export async function* ls(
  input: string,
  options: LsOptions = {},
): AsyncGenerator<LsEntry[], void, undefined> {
  const keeps = lsSelector(options.selection);
  if (keeps !== undefined && options.recursive !== true) {
    throw usageError(
      'filters select objects of a recursive listing; this one lists one level',
      'add -r',
    );
  }
  if (keeps !== undefined) {
    for await (const batch of ls(input, { ...options, selection: undefined })) {
      const kept = batch.filter(keeps);
      if (kept.length > 0) yield kept;
    }
    return;
  }
  const session = new Session(options);
  try {
    const target = session.resolve(input);
    if (target.kind === 's3-root') {
      if (options.recursive === true) {
        throw usageError(
          `cannot list every bucket recursively (${input})`,
          'give a bucket: ls -r s3://bucket/',
        );
      }
      try {
        for await (const page of listS3Buckets(target.client, target.spec, {
          counts: session.requests,
          ...(session.signal === undefined ? {} : { signal: session.signal }),
        })) {
          yield page.map((b) => ({
            kind: 'directory',
            name: `${b.name}/`,
            path: `${target.scheme}://${b.name}/`,
            sizeBytes: 0,
            mtimeMs: b.createdMs,
          }));
        }
      } catch (error) {
        throw listingFailure(error, `cannot list the buckets of ${target.scheme}://`);
      }
      return;
    }
    if (target.kind === 's3') {
      try {
        yield* lsS3(target, session, options.recursive === true);
      } catch (error) {
        throw listingFailure(error, `cannot list ${target.url(target.key)}`);
      }
    } else yield* lsLocal(target, options);
  } finally {
    session.close();
  }
}

async function* lsS3(
  target: S3Target,
  session: EverydaySession,
  recursive: boolean,
): AsyncGenerator<LsEntry[], void, undefined> {
  const { bucket, key } = target;
  const signal = session.signal === undefined ? {} : { signal: session.signal };
  // `s3://b/name` naming an object lists that object (megfile), even if `name/` also has keys.
  if (key !== '' && !key.endsWith('/')) {
    const object = await findS3Object(target.client, target.spec, {
      bucket,
      key,
      counts: session.requests,
      ...signal,
    });
    if (object !== undefined) {
      yield [fileEntry(baseName(key), target.url(key), object)];
      return;
    }
  }
  const prefix = directoryPrefix(key);
  let isSeen = false;
  if (recursive) {
    let batch: LsEntry[] = [];
    let left = 0;
    for await (const entry of listS3(target.client, target.spec, {
      bucket,
      prefix,
      counts: session.requests,
      onPage: (page) => {
        left = page.keyCount;
      },
      ...signal,
    })) {
      isSeen = true;
      left -= 1;
      // Directory markers are not files (megfile's scan skips them too).
      if (!(entry.sizeBytes === 0 && (entry.key === '' || entry.key.endsWith('/')))) {
        batch.push(fileEntry(entry.key, target.url(prefix + entry.key), entry));
      }
      if (left <= 0 && batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } else {
    for await (const page of listS3Delimited(target.client, target.spec, {
      bucket,
      prefix,
      counts: session.requests,
      ...signal,
    })) {
      if (page.length > 0) isSeen = true;
      const batch: LsEntry[] = [];
      for (const entry of page) {
        const name = entry.key.slice(prefix.length);
        // The marker object `dir/` itself is the directory being listed, not an entry of it.
        if (name === '') continue;
        batch.push(
          entry.kind === 'prefix'
            ? {
                kind: 'directory',
                name,
                path: target.url(entry.key),
                sizeBytes: 0,
                mtimeMs: undefined,
              }
            : fileEntry(name, target.url(entry.key), entry),
        );
      }
      if (batch.length > 0) yield batch;
    }
  }
  // A bucket root may be empty; any other path with nothing at or under it does not exist.
  if (!isSeen && key !== '') {
    throw notFound('no such object or directory', target.url(key));
  }
}

/**
 * An S3 error that stopped the listing, with what was being listed, and fatal (exit 3) as when a
 * sync's listing cannot start: a refused or unreachable listing is not "some objects failed".
 * "Nothing there" (not found, exit 1) passes unchanged.
 */
function listingFailure(error: unknown, doing: string): unknown {
  if (isS3FerryError(error) && error.kind === 'not-found' && !error.fatal) return error;
  return inContext(error, doing, { fatal: true });
}

function fileEntry(
  name: string,
  path: string,
  object: Pick<ListEntry, 'sizeBytes' | 'mtimeMs'>,
): LsEntry {
  return { kind: 'file', name, path, sizeBytes: object.sizeBytes, mtimeMs: object.mtimeMs };
}

/** The path as the user gave it joined with a name, keeping their style (`dir` + `a` = `dir/a`). */
function joinShown(given: string, name: string): string {
  return given.endsWith('/') ? `${given}${name}` : `${given}/${name}`;
}

async function* lsLocal(
  target: LocalTarget,
  options: LsOptions,
): AsyncGenerator<LsEntry[], void, undefined> {
  let rootStats: Stats;
  try {
    rootStats = await stat(target.absolute);
  } catch (error) {
    throw localError(error, target.path, 'read');
  }
  if (!rootStats.isDirectory()) {
    yield [
      {
        kind: 'file',
        name: basename(target.absolute),
        path: target.path,
        sizeBytes: rootStats.size,
        mtimeMs: rootStats.mtimeMs,
      },
    ];
    return;
  }
  if (options.recursive === true) {
    let batch: LsEntry[] = [];
    for await (const entry of listLocal(target.absolute, {
      onIssue: (issue) => {
        options.onWarning?.(
          `cannot list ${joinShown(target.path, issue.key)}: ${issue.error.message}`,
        );
      },
    })) {
      batch.push(fileEntry(entry.key, joinShown(target.path, entry.key), entry));
      if (batch.length >= LOCAL_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  let dirents: Dirent[];
  try {
    dirents = await readdir(target.absolute, { withFileTypes: true });
  } catch (error) {
    throw localError(error, target.path, 'read the directory');
  }
  const entries: (LsEntry | undefined)[] = new Array<LsEntry | undefined>(dirents.length);
  let next = 0;
  // stat() follows symlinks: a link to a directory is listed as a directory.
  const worker = async (): Promise<void> => {
    while (next < dirents.length) {
      const i = next++;
      const dirent = dirents[i];
      if (dirent === undefined) continue;
      const full = join(target.absolute, dirent.name);
      try {
        const stats = await stat(full);
        const isDir = stats.isDirectory();
        const name = isDir ? `${dirent.name}/` : dirent.name;
        entries[i] = {
          kind: isDir ? 'directory' : 'file',
          name,
          path: joinShown(target.path, name),
          sizeBytes: isDir ? 0 : stats.size,
          mtimeMs: stats.mtimeMs,
        };
      } catch (error) {
        options.onWarning?.(
          `cannot stat ${joinShown(target.path, dirent.name)}: ${errnoOf(error)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, dirents.length) }, worker));
  const listed = entries.filter((e): e is LsEntry => e !== undefined);
  listed.sort((a, b) => compareKeys(a.name, b.name));
  if (listed.length > 0) yield listed;
}
