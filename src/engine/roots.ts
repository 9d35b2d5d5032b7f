// Resolves SRC and DST of a run into roots: which profile, single object or prefix, how to list
// them, and where a relative key lands. A source path naming an existing object (or file) is a
// single-object sync to exactly DST; anything else is a prefix (megfile semantics). A SRC with a
// wildcard is a glob: its root is the part before the wildcard's segment, its S3 listing is
// narrowed to the literal text before the wildcard, and both listings show only the keys that
// the glob and --include/--exclude select (the destination's all of them with --delete-excluded).
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import type { ConfigResolver } from '../config/load.ts';
import { listLocalPages } from '../local/list.ts';
import type { LocalListIssue } from '../local/list.ts';
import { escapeGlob, parseSourcePath } from '../paths/glob.ts';
import { formatPath, parsePath } from '../paths/path.ts';
import type { AnyPath } from '../paths/path.ts';
import { createGlobSelector, createKeyFilter } from '../plan/filter.ts';
import { endpointIdentity, findOverlap, isKeptApart } from '../plan/overlap.ts';
import type { OverlapFilters, Place } from '../plan/overlap.ts';
import type { KeyPredicate } from '../plan/filter.ts';
import {
  destinationRoot,
  directoryPrefix,
  isDirectoryMarker,
  locationFor,
  s3Root,
} from '../plan/relative.ts';
import type { SyncRoot } from '../plan/relative.ts';
import { clientCacheKey } from '../s3/client-cache.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import { findS3Object, listS3Pages } from '../s3/list.ts';
import { listS3ParallelPages } from '../s3/list-parallel.ts';
import { keysInRange } from '../plan/files-from.ts';
import { namedListing } from './named-listing.ts';
import { inRange, WHOLE_RANGE } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { EntryPages } from '../plan/merge-join.ts';
import { inContext, isS3FerryError, S3FerryError, usageError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { ListEntry, Location, RequestCounts } from '../shared/protocol.ts';

/** One side of a run. */
export type Root = {
  kind: 's3' | 'local';
  /** The path as the user would write it (for messages and the summary). */
  label: string;
  /** The source (or its destination) is one object or file, mapped to exactly DST. */
  isSingleObject: boolean;
  /**
   * Entries keyed relative to the root, in UTF-8 byte order, directory markers dropped; with a
   * range, only its keys (S3: StartAfter and an early stop; local: a bounded walk).
   */
  list(range?: KeyRange): EntryPages;
  /** Where a relative key is. @throws S3FerryError (`UnsafeKey`) for a key a local root refuses. */
  location(key: string): Location;
  /** Why this key cannot be written under this root (local destinations), if it cannot. */
  problem(key: string): S3FerryError | undefined;
  /** The full path of a relative key, for messages. */
  display(key: string): string;
  /** For S3 roots: the same endpoint and credentials as `other` (server-side copies work). */
  sameAccountAs(other: Root): boolean;
  /** The resolved profile of an S3 root. */
  spec?: ProfileSpec;
};

/** What {@link openRoots} needs from the run. */
export type OpenRootsContext = {
  config: Pick<ConfigResolver, 'profile'>;
  /** The main thread's client for a profile (listing, HEAD). */
  clientFor(spec: ProfileSpec): ReturnType<ClientCache['get']>;
  /** Counts every listing request of the main thread, by operation. */
  requests: RequestCounts;
  /** A local file that could not be listed (broken link, loop, unreadable): fails that key only. */
  onLocalIssue(issue: LocalListIssue): void;
  /** --include/--exclude and --delete-excluded; none: every key. */
  selection?: RootSelectionOptions;
  /** s3ferry temp files found in a local destination (left by a killed run). */
  onTempFile?: (path: string, mtimeMs: number) => void;
  /**
   * Refuse a source and destination that overlap (see plan/overlap.ts): runs that write (sync,
   * cp). A check only reads. @default false
   */
  refuseOverlap?: boolean;
};

/** Which keys the listings show: --include/--exclude and --delete-excluded (see SyncOptions). */
export type RootSelectionOptions = {
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
  shouldDeleteExcluded?: boolean | undefined;
  /**
   * --files-from: the only keys listed (relative, sorted in UTF-8 byte order, each once), each
   * looked up on its own instead of listing the prefix; the filters still apply to them.
   */
  filesFrom?: readonly string[] | undefined;
  /**
   * LIST requests in flight per S3 listing (1: serial). Not a selection, but it rides along:
   * the session hands the run's resolved options over as they are (sync: 4 unless set).
   * @default 1 (callers that do not pass it, e.g. check, list serially)
   */
  listConcurrency?: number | undefined;
};

/** What one root's listing shows. */
type ListingShape = {
  isSingle: boolean;
  single: ListEntry | undefined;
  isSource: boolean;
  /** Nothing at all: a single-object source that the filters leave out. */
  isEmpty: boolean;
  /** Relative keys to keep; undefined: all. */
  selects: KeyPredicate | undefined;
  /** Local listing issues under this relative key concern nothing selected. */
  isIrrelevantIssue: (issue: LocalListIssue) => boolean;
  /** S3: list only relative keys starting with this literal text (the glob's, after its root). */
  narrowTo: string;
  /** --files-from: look up only these keys (sorted). */
  named: readonly string[] | undefined;
};

/** Local issues about one file (not a directory whose contents might still be selected). */
const FILE_ISSUE_CODES = new Set([
  'BrokenSymlink',
  'NotARegularFile',
  'InvalidFileName',
  'Vanished',
]);

/** The two roots of a run and the profiles the workers need. */
export type OpenedRoots = { src: Root; dst: Root; profiles: Record<string, ProfileSpec> };

function endpointOf(spec: ProfileSpec): string {
  return spec.endpointUrl ?? `aws:${spec.region}`;
}

/** Same endpoint and the same credentials (static keys, or the same SDK chain of one profile). */
export function sameAccount(a: ProfileSpec, b: ProfileSpec): boolean {
  if (endpointOf(a) !== endpointOf(b)) return false;
  const ca = a.credentials;
  const cb = b.credentials;
  if (ca === undefined || cb === undefined) {
    return ca === cb && clientCacheKey(a) === clientCacheKey(b);
  }
  return (
    ca.accessKeyId === cb.accessKeyId &&
    ca.secretAccessKey === cb.secretAccessKey &&
    ca.sessionToken === cb.sessionToken
  );
}

function localLabel(path: string): string {
  return path;
}

/**
 * Parses and resolves both paths, looks up an S3 source key (one LIST) (or stats a local source) to tell a
 * single object from a prefix, and returns listing functions for both sides.
 *
 * SRC may be a glob (`*`, `**`, `?`, `[...]`, `{a,b}`; `\` escapes them): relative keys then hang
 * from the part before the first wildcard up to its last `/`, the S3 listing asks only for keys
 * starting with the text before the wildcard, and keys (or their directories) that the glob
 * matches are selected. `ctx.selection`'s --include/--exclude apply to the same relative keys
 * (to the name of a single-object source). The destination listing is filtered the same way, so
 * filtered-out destination keys are never extraneous, unless `selection.shouldDeleteExcluded`.
 * DST is always literal.
 * @throws S3FerryError: `usage` for bad paths (bucket list `s3://`, single source to a `dir/`, a
 *   wildcard in a bucket name) or filter patterns, `not-found` (fatal) for a missing local source
 *   (or glob root), and the classified error of a failed lookup.
 */
export async function openRoots(
  srcInput: string,
  dstInput: string,
  ctx: OpenRootsContext,
): Promise<OpenedRoots> {
  const selection = ctx.selection ?? {};
  const { path: parsedSrc, glob } = parseSourcePath(srcInput);
  const dstPath = parsePath(dstInput);
  const keyFilter = createKeyFilter(selection);
  const isGlob = glob.pattern !== undefined;
  // A glob SRC lists from its root; a plain one names its key (escapes removed) as before.
  const srcPath: AnyPath =
    parsedSrc.kind === 's3'
      ? { ...parsedSrc, key: isGlob ? glob.rootPrefix : glob.literalPrefix }
      : { kind: 'local', path: isGlob ? glob.rootPrefix || '.' : glob.literalPrefix };
  for (const [path, input] of [
    [srcPath, srcInput],
    [dstPath, dstInput],
  ] as const) {
    if (path.kind === 's3' && path.bucket === '') {
      throw usageError(`'${input}' names no bucket`, 'give s3://bucket/prefix');
    }
  }
  const profiles: Record<string, ProfileSpec> = {};
  const specFor = (path: AnyPath, side: string): ProfileSpec | undefined => {
    if (path.kind !== 's3') return undefined;
    const spec = ctx.config.profile(path.profile);
    let name = spec.name;
    const existing = profiles[name];
    // Plain s3:// with AWS_PROFILE=x and s3+x:// can resolve differently under one name.
    if (existing !== undefined && clientCacheKey(existing) !== clientCacheKey(spec)) {
      name = `${spec.name}(${side})`;
    }
    profiles[name] = spec;
    return name === spec.name ? spec : { ...spec, name };
  };
  const srcSpec = specFor(srcPath, 'src');
  const dstSpec = specFor(dstPath, 'dst');

  // Single object or prefix?
  let single: ListEntry | undefined;
  let srcRoot: SyncRoot;
  if (srcPath.kind === 's3' && srcSpec !== undefined) {
    const isCandidate = !isGlob && srcPath.key !== '' && !srcPath.key.endsWith('/');
    single = isCandidate
      ? await headEntry(ctx, srcSpec, srcPath.bucket, srcPath.key, srcInput)
      : undefined;
    srcRoot = s3Root({ ...srcPath, profile: srcSpec.name }, single !== undefined);
  } else if (srcPath.kind === 'local') {
    const absolute = resolvePath(srcPath.path);
    const stats = await stat(absolute).catch((error: unknown) => {
      throw new S3FerryError(
        'not-found',
        'NoSuchFile',
        `the source ${srcInput} does not exist or cannot be read: ${errorCode(error)}`,
        { fatal: true },
      );
    });
    if (isGlob && !stats.isDirectory()) {
      throw new S3FerryError(
        'not-found',
        'NotADirectory',
        `the glob ${srcInput} starts in ${srcPath.path}, which is not a directory`,
        { fatal: true },
      );
    }
    if (stats.isFile()) single = { key: '', sizeBytes: stats.size, mtimeMs: stats.mtimeMs };
    srcRoot = { kind: 'local', path: absolute };
  } else {
    throw new S3FerryError('internal', 'NoProfile', 'S3 source without a profile');
  }
  const isSingle = single !== undefined;
  const dstRoot =
    dstPath.kind === 's3' && dstSpec !== undefined
      ? destinationRoot({ ...dstPath, profile: dstSpec.name }, isSingle)
      : destinationRoot(dstPath.kind === 'local' ? dstPath : { kind: 'local', path: '' }, isSingle);
  if (dstRoot.kind === 'local') {
    dstRoot.path = resolvePath(dstRoot.path);
    if (isSingle) await refuseDirectoryForFile(dstRoot.path, srcInput, dstInput);
    else await refuseFileForDirectory(dstRoot.path, srcInput, dstInput);
  }
  if (ctx.refuseOverlap === true) {
    await refuseOverlap(
      { root: srcRoot, spec: srcSpec, label: srcInput },
      { root: dstRoot, spec: dstSpec, label: dstInput },
      isSingle,
      {
        excludesDirectory: keyFilter?.excludesDirectory,
        shouldDeleteExcluded: selection.shouldDeleteExcluded === true,
      },
    );
  }

  // What both listings show: keys the glob and the filters select (a single source: its name).
  const globSelects = glob.pattern === undefined ? undefined : createGlobSelector(glob.pattern);
  const selects = both(globSelects, keyFilter?.selects);
  const singleName = srcPath.kind === 's3' ? basename(srcPath.key) : basename(srcPath.path);
  const isEmpty = isSingle && keyFilter !== undefined && !keyFilter.selects(singleName);
  const isIrrelevantIssue = (issue: LocalListIssue): boolean =>
    selects !== undefined &&
    !selects(issue.key) &&
    (FILE_ISSUE_CODES.has(issue.error.code) || keyFilter?.isExcludedSubtree(issue.key) === true);
  const narrowTo = isGlob ? glob.literalPrefix.slice(glob.rootPrefix.length) : '';
  const filtered = {
    isEmpty,
    selects: isSingle ? undefined : selects,
    isIrrelevantIssue,
    narrowTo,
    named: isSingle ? undefined : selection.filesFrom,
  };
  const src = makeRoot(srcRoot, srcSpec, parsedSrc, srcInput, ctx, {
    isSingle,
    single,
    isSource: true,
    ...filtered,
  });
  const dst = makeRoot(dstRoot, dstSpec, dstPath, dstInput, ctx, {
    isSingle,
    single: undefined,
    isSource: false,
    ...(selection.shouldDeleteExcluded === true && !isSingle
      ? {
          isEmpty,
          selects: undefined,
          isIrrelevantIssue: () => false,
          narrowTo: '',
          named: filtered.named,
        }
      : filtered),
  });
  return { src, dst, profiles };
}

/**
 * A single source file or object maps to exactly DST, so an existing directory there is a usage
 * error (exit 2), found before anything is listed. (The destination's listing checks again, for a
 * directory made meanwhile.)
 * @throws S3FerryError (kind `usage`, code `IsADirectory`) naming both paths
 */
async function refuseDirectoryForFile(
  path: string,
  srcLabel: string,
  dstLabel: string,
): Promise<void> {
  const stats = await stat(path).catch(() => undefined);
  if (stats?.isDirectory() !== true) return;
  throw new S3FerryError(
    'usage',
    'IsADirectory',
    `the source ${srcLabel} is one file or object, which syncs to exactly the destination, but ${dstLabel} is a directory`,
    {
      fatal: true,
      hint: 'give the destination file name (sync SRC/a.txt DST/a.txt), or cp SRC DST/, which copies into it',
    },
  );
}

/**
 * A directory or prefix source onto an existing file: every key would fail to create its
 * directory (EEXIST), one line each, after the run started. A usage error before it instead.
 */
async function refuseFileForDirectory(
  path: string,
  srcLabel: string,
  dstLabel: string,
): Promise<void> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined || stats.isDirectory()) return;
  throw new S3FerryError(
    'usage',
    'NotADirectory',
    `the source ${srcLabel} is a directory or prefix, but the destination ${dstLabel} is a file, not a directory`,
    { fatal: true, hint: 'give a directory as the destination' },
  );
}

/** A side of a run, for the overlap check. */
type Side = { root: SyncRoot; spec: ProfileSpec | undefined; label: string };

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOf(parent), basename(path));
  }
}

async function placeOf(side: Side, isSingle: boolean): Promise<Place | undefined> {
  if (side.root.kind === 'local') {
    return { kind: 'local', path: await realPathOf(side.root.path), isSingle };
  }
  if (side.spec === undefined) return undefined;
  return {
    kind: 's3',
    endpoint: endpointIdentity(side.spec.endpointUrl),
    bucket: side.root.bucket,
    prefix: isSingle ? side.root.key : directoryPrefix(side.root.key),
    isSingle,
  };
}

/**
 * Refuses a run whose source and destination overlap (same endpoint and bucket with one key
 * prefix inside the other, or one local directory inside the other, symlinks resolved), unless
 * the filters keep them apart (plan/overlap.ts says when).
 * @throws S3FerryError (kind `usage`, exit 2) naming both paths
 */
async function refuseOverlap(
  src: Side,
  dst: Side,
  isSingle: boolean,
  filters: OverlapFilters,
): Promise<void> {
  const [from, to] = await Promise.all([placeOf(src, isSingle), placeOf(dst, isSingle)]);
  if (from === undefined || to === undefined) return;
  const overlap = findOverlap(from, to);
  if (overlap === undefined || isKeptApart(overlap, filters)) return;
  const where = from.kind === 's3' ? 'same endpoint and bucket' : 'same directory tree';
  // The exclude that keeps them apart: the inner directory as a directory, its name taken literally.
  const exclude = overlap.kind === 'same' ? '' : `--exclude '${escapeGlob(overlap.inner)}**'`;
  switch (overlap.kind) {
    case 'same':
      throw usageError(
        `the source ${src.label} and the destination ${dst.label} are the same place (${where})`,
        'give a destination outside the source',
      );
    case 'destination-inside-source':
      throw usageError(
        `the destination ${dst.label} is inside the source ${src.label} (${where}): the run would copy its own output again`,
        `give a destination outside the source, or ${exclude} to leave it out of the source`,
      );
    case 'source-inside-destination':
      throw usageError(
        `the source ${src.label} is inside the destination ${dst.label} (${where}): the run would write into, or delete, the source itself`,
        `give a destination outside the source, or ${exclude} to leave it out`,
      );
  }
}

function both(a: KeyPredicate | undefined, b: KeyPredicate | undefined): KeyPredicate | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (key) => a(key) && b(key);
}

/** Keeps the entries `selects` accepts, one page of them per page listed. */
async function* selected(
  pages: EntryPages,
  selects: KeyPredicate | undefined,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  for await (const page of pages)
    yield selects === undefined ? page : page.filter((e) => selects(e.key));
}

/** A listing that comes one entry at a time, as pages of one entry. */
async function* singlePages(
  entries: AsyncIterable<ListEntry>,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  for await (const entry of entries) yield [entry];
}

/**
 * An S3 listing as the march wants it, page by page: `head` put back in front of keys listed
 * relative to `root + head` (a glob's literal text; order is kept), directory markers dropped,
 * and only the keys `selects` keeps. A page that needs none of it goes through as it is.
 */
async function* selectedObjects(
  pages: EntryPages,
  head: string,
  selects: KeyPredicate | undefined,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  for await (const page of pages) {
    if (head === '' && selects === undefined && !page.some(isDirectoryMarker)) {
      yield page;
      continue;
    }
    const kept: ListEntry[] = [];
    for (const listed of page) {
      const entry = head === '' ? listed : { ...listed, key: head + listed.key };
      if (isDirectoryMarker(entry)) continue;
      if (selects === undefined || selects(entry.key)) kept.push(entry);
    }
    yield kept;
  }
}

async function* nothing(): AsyncGenerator<readonly ListEntry[], void, undefined> {
  // A single-object source that the filters leave out: no source, and no destination to compare.
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}

async function headEntry(
  ctx: OpenRootsContext,
  spec: ProfileSpec,
  bucket: string,
  key: string,
  label: string,
): Promise<ListEntry | undefined> {
  try {
    return await findS3Object(ctx.clientFor(spec), spec, { bucket, key, counts: ctx.requests });
  } catch (error) {
    throw inContext(error, `cannot read ${label}`, { fatal: true });
  }
}

function makeRoot(
  root: SyncRoot,
  spec: ProfileSpec | undefined,
  path: AnyPath,
  input: string,
  ctx: OpenRootsContext,
  shape: ListingShape,
): Root {
  const label = path.kind === 's3' ? formatPath(path) : localLabel(input);
  const display = (key: string): string => {
    if (root.kind === 's3') {
      const prefix = path.kind === 's3' && path.profile !== undefined ? `s3+${path.profile}` : 's3';
      return `${prefix}://${root.bucket}/${root.key}${key}`;
    }
    return key === '' ? root.path : `${root.path}/${key}`;
  };
  const list = (range: KeyRange = WHOLE_RANGE): EntryPages => {
    if (shape.isEmpty || (shape.isSingle && !inRange('', range))) return nothing();
    if (shape.isSingle) return singlePages(singleListing(root, spec, ctx, shape.single));
    if (shape.named !== undefined) {
      const listed = namedListing(keysInRange(shape.named, range), {
        root,
        spec,
        client: spec === undefined ? undefined : ctx.clientFor(spec),
        requests: ctx.requests,
        onLocalIssue: shape.isSource
          ? (issue) => {
              ctx.onLocalIssue(issue);
            }
          : undefined,
      });
      return selected(singlePages(listed), shape.selects);
    }
    if (root.kind === 's3' && spec !== undefined) {
      // Only keys under the glob's literal text can match: never list the rest of the bucket.
      const base = directoryPrefix(root.key);
      const concurrency = ctx.selection?.listConcurrency ?? 1;
      const listing = {
        bucket: root.bucket,
        prefix: base + shape.narrowTo,
        counts: ctx.requests,
        startAfter: range.after === undefined ? undefined : base + range.after,
        until: range.until === undefined ? undefined : base + range.until,
      };
      // Serial: listS3Pages itself, one generator step per page less than through the parallel one.
      const listed =
        concurrency <= 1
          ? listS3Pages(ctx.clientFor(spec), spec, listing)
          : listS3ParallelPages(ctx.clientFor(spec), spec, { ...listing, concurrency });
      return selectedObjects(listed, shape.narrowTo, shape.selects);
    }
    if (root.kind === 'local') {
      // A destination directory that does not exist yet holds nothing.
      const listed = listLocalPages(root.path, {
        onIssue: (issue) => {
          if (!shape.isIrrelevantIssue(issue)) ctx.onLocalIssue(issue);
        },
        missingOk: !shape.isSource,
        range,
        ...(shape.isSource || ctx.onTempFile === undefined ? {} : { onTempFile: ctx.onTempFile }),
      });
      return selected(listed, shape.selects);
    }
    throw new S3FerryError('internal', 'NoProfile', 'S3 root without a profile');
  };
  return {
    kind: root.kind,
    label,
    isSingleObject: shape.isSingle,
    list,
    location: (key) => locationFor(root, key),
    problem: (key) => {
      if (root.kind !== 'local') return undefined;
      try {
        locationFor(root, key);
        return undefined;
      } catch (error) {
        if (isS3FerryError(error)) return error;
        throw error;
      }
    },
    display,
    sameAccountAs: (other) =>
      spec !== undefined && other.spec !== undefined && sameAccount(spec, other.spec),
    ...(spec === undefined ? {} : { spec }),
  };
}

/** The one entry (key `''`) of a single-object source, or what exists at exactly DST. */
async function* singleListing(
  root: SyncRoot,
  spec: ProfileSpec | undefined,
  ctx: OpenRootsContext,
  known: ListEntry | undefined,
): AsyncGenerator<ListEntry, void, undefined> {
  if (known !== undefined) {
    yield known;
    return;
  }
  if (root.kind === 's3' && spec !== undefined) {
    const entry = await findS3Object(ctx.clientFor(spec), spec, {
      bucket: root.bucket,
      key: root.key,
      counts: ctx.requests,
    });
    if (entry !== undefined) yield { ...entry, key: '' };
    return;
  }
  if (root.kind === 'local') {
    const stats = await stat(root.path).catch(() => undefined);
    if (stats?.isFile() === true) yield { key: '', sizeBytes: stats.size, mtimeMs: stats.mtimeMs };
    else if (stats !== undefined) {
      // A usage error (exit 2): the command line names a directory where a file is needed.
      throw new S3FerryError(
        'usage',
        'IsADirectory',
        `the destination ${root.path} is a directory, but the source is a single file`,
        { fatal: true, hint: 'give the destination file name (sync SRC/a.txt DST/a.txt)' },
      );
    }
  }
}
