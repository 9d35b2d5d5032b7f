// Walks a local directory tree as a listing in S3's order (UTF-8 byte order of the relative path,
// directories compared as `name/`), following symlinks and reporting what cannot be listed.
import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S3FerryError } from '../shared/errors.ts';
import type { ListEntry } from '../shared/protocol.ts';
import { compareKeys } from '../plan/compare-keys.ts';
import { isBefore, isPast, isPrefixBefore, isPrefixPast, WHOLE_RANGE } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import { isTempName } from './temp-name.ts';

/**
 * Something under the root that could not be listed. The walk goes on without it.
 * `error.code`: `BrokenSymlink`, `SymlinkLoop`, `InvalidFileName` (not valid UTF-8),
 * `NotARegularFile` (FIFO, socket, device), `Vanished` (deleted during the walk), or the
 * file system's code (`EACCES`, …) for a directory or file that cannot be read.
 */
export type LocalListIssue = {
  /** Relative key (with `/`) of the entry, as far as it is known. */
  key: string;
  path: string;
  error: S3FerryError;
};

/** Options of {@link listLocal}. */
export type ListLocalOptions = {
  /**
   * Receives each entry that could not be listed; without it the first one throws. Nothing is
   * skipped silently: every file that is not yielded is reported here.
   */
  onIssue?: (issue: LocalListIssue) => void;
  /** A missing root lists nothing instead of throwing (for destinations). @default false */
  missingOk?: boolean;
  /** stat() calls in flight while reading one directory. @default 32 */
  statConcurrency?: number;
  /**
   * Only keys in this range: directories wholly before it are not read, and the walk ends at
   * the first key past it. Issues about keys outside it are not reported. @default every key
   */
  range?: KeyRange;
  /**
   * Receives s3ferry's own temp files (left by a killed run; see temp-name.ts), which are never
   * listed as keys, with their mtime. @default ignored
   */
  onTempFile?: (path: string, mtimeMs: number) => void;
};

/** A directory entry waiting to be yielded or descended into, with its sort key. */
type Child = { sortKey: string; name: string; stats: Stats };

/**
 * Lists the regular files under `root`, keyed by their path relative to it with `/`
 * separators, in UTF-8 byte order of that key: the order S3 lists the same keys in.
 * - Symlinks are followed; the kernel resolves relative targets against the link's own
 *   directory (megfile resolves them against the working directory). A directory reached again
 *   through a link while inside itself (same dev:ino on the current path) is a `SymlinkLoop`.
 * - A root that is a file (or a link to one) yields one entry with key `''`.
 * - Empty directories yield nothing (as megfile; S3 has no directories).
 * - Memory: one directory's names per level of the current path.
 * @throws S3FerryError (kind `not-found`, code `NoSuchFile`) when the root does not exist
 *   (unless `missingOk`), kind `local-io` when it cannot be read or for an issue without `onIssue`.
 */
export async function* listLocal(
  root: string,
  options: ListLocalOptions = {},
): AsyncGenerator<ListEntry, void, undefined> {
  for await (const page of listLocalPages(root, options)) yield* page;
}

/**
 * {@link listLocal} in pages: each page is a run of files of one directory, handed out before the
 * walk descends into the next subdirectory (so no page waits on more file system calls).
 */
export async function* listLocalPages(
  root: string,
  options: ListLocalOptions = {},
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      if (await isSymlink(root)) {
        throw new S3FerryError(
          'local-io',
          'BrokenSymlink',
          `${root} is a symlink to a missing target`,
          {
            fatal: true,
          },
        );
      }
      if (options.missingOk === true) return;
      throw new S3FerryError('not-found', 'NoSuchFile', `${root}: no such file or directory`, {
        fatal: true,
      });
    }
    throw describe(error, root, true);
  }
  if (!rootStats.isDirectory()) {
    if (!rootStats.isFile()) {
      throw new S3FerryError(
        'local-io',
        'NotARegularFile',
        `${root} is not a regular file or directory`,
        {
          fatal: true,
        },
      );
    }
    yield [entryOf('', rootStats)];
    return;
  }
  const range = options.range ?? WHOLE_RANGE;
  const report = (issue: LocalListIssue): void => {
    // A key outside the range is another range's business (directories: their own key).
    if (isBefore(issue.key, range) || isPast(issue.key, range)) {
      if (!isPrefixOverlapping(`${issue.key}/`, range)) return;
    }
    if (options.onIssue === undefined) throw issue.error;
    options.onIssue(issue);
  };
  const walk: Walk = {
    report,
    onTempFile: options.onTempFile,
    statConcurrency: options.statConcurrency ?? 32,
    range,
    isPastEnd: false,
  };
  yield* walkDirectory(walk, root, '', new Set([inode(rootStats)]));
}

/** What one walk shares across its directories. */
type Walk = {
  report: (issue: LocalListIssue) => void;
  onTempFile: ((path: string, mtimeMs: number) => void) | undefined;
  statConcurrency: number;
  range: KeyRange;
  /** A key past the range was met: everything after it in the walk is past it too. */
  isPastEnd: boolean;
};

function isPrefixOverlapping(prefix: string, range: KeyRange): boolean {
  return !isPrefixBefore(prefix, range) && !isPrefixPast(prefix, range);
}

async function* walkDirectory(
  walk: Walk,
  dir: string,
  keyPrefix: string,
  ancestors: Set<string>,
): AsyncGenerator<readonly ListEntry[], void, undefined> {
  const { report, statConcurrency, range } = walk;
  const children = await readChildren(walk, dir, keyPrefix, report, statConcurrency);
  let files: ListEntry[] = [];
  for (const child of children) {
    if (walk.isPastEnd) break;
    const path = join(dir, child.name);
    const key = keyPrefix + child.name;
    if (child.stats.isFile()) {
      if (isBefore(key, range)) continue;
      if (isPast(key, range)) {
        walk.isPastEnd = true;
        break;
      }
      files.push(entryOf(key, child.stats));
      continue;
    }
    // A directory whose keys all lie before the range is not read; one after it ends the walk.
    if (isPrefixBefore(`${key}/`, range)) continue;
    if (isPrefixPast(`${key}/`, range)) {
      walk.isPastEnd = true;
      break;
    }
    // Directory (regular or reached through a link).
    const id = inode(child.stats);
    if (ancestors.has(id)) {
      report({
        key,
        path,
        error: localIssue(
          'SymlinkLoop',
          `${path} leads back to a directory it is inside of (symlink loop); not followed`,
        ),
      });
      continue;
    }
    // The files before this directory sort before its keys: hand them out first.
    if (files.length > 0) {
      yield files;
      files = [];
    }
    ancestors.add(id);
    try {
      yield* walkDirectory(walk, path, `${key}/`, ancestors);
    } finally {
      ancestors.delete(id);
    }
  }
  if (files.length > 0) yield files;
}

/** Reads and stats one directory's entries, sorted as S3 would list their keys. */
async function readChildren(
  walk: Walk,
  dir: string,
  keyPrefix: string,
  report: (issue: LocalListIssue) => void,
  statConcurrency: number,
): Promise<Child[]> {
  let raw: Buffer[];
  try {
    raw = await readdir(dir, { encoding: 'buffer' });
  } catch (error) {
    report({ key: keyPrefix.slice(0, -1), path: dir, error: describe(error, dir, false) });
    return [];
  }
  const names: string[] = [];
  for (const bytes of raw) {
    const name = bytes.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(bytes)) {
      // The name cannot become a key: it would be listed (and written) under another name.
      report({
        key: keyPrefix + name,
        path: join(dir, name),
        error: localIssue(
          'InvalidFileName',
          `${join(dir, name)}: the file name is not valid UTF-8`,
        ),
      });
      continue;
    }
    if (isTempName(name)) {
      // Half-written by a killed run: not a key. The caller may remove it.
      const stats = await lstat(join(dir, name)).catch(() => undefined);
      if (stats?.isFile() === true) walk.onTempFile?.(join(dir, name), stats.mtimeMs);
      continue;
    }
    names.push(name);
  }
  const children: Child[] = [];
  for (let i = 0; i < names.length; i += statConcurrency) {
    const batch = names.slice(i, i + statConcurrency);
    const results = await Promise.all(batch.map((name) => statChild(dir, name)));
    for (const [j, result] of results.entries()) {
      const name = batch[j] ?? '';
      if (result instanceof S3FerryError) {
        report({ key: keyPrefix + name, path: join(dir, name), error: result });
      } else if (result.isDirectory()) {
        children.push({ sortKey: `${name}/`, name, stats: result });
      } else if (result.isFile()) {
        children.push({ sortKey: name, name, stats: result });
      } else {
        report({
          key: keyPrefix + name,
          path: join(dir, name),
          error: localIssue(
            'NotARegularFile',
            `${join(dir, name)} is not a regular file or directory (FIFO, socket or device); not synced`,
          ),
        });
      }
    }
  }
  // Compare directories as `name/` so `a-c` < `a/b`, as S3 orders the keys.
  children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  return children;
}

/** stat() following links; an error becomes an S3FerryError naming what went wrong. */
async function statChild(dir: string, name: string): Promise<Stats | S3FerryError> {
  const path = join(dir, name);
  try {
    return await stat(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP') {
      return localIssue('SymlinkLoop', `${path}: too many levels of symbolic links; not followed`);
    }
    if (code === 'ENOENT') {
      return (await isSymlink(path))
        ? localIssue('BrokenSymlink', `${path} is a symlink to a missing target; not synced`)
        : localIssue('Vanished', `${path} was deleted while listing`);
    }
    return describe(error, path, false);
  }
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

function entryOf(key: string, stats: Stats): ListEntry {
  return { key, sizeBytes: stats.size, mtimeMs: Math.floor(stats.mtimeMs) };
}

function inode(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function localIssue(code: string, message: string): S3FerryError {
  return new S3FerryError('local-io', code, message, { fatal: false });
}

/** A file system error as an S3FerryError with the errno code (EACCES, ENOTDIR, …). */
function describe(error: unknown, path: string, fatal: boolean): S3FerryError {
  const code = errnoCode(error) ?? 'LocalIOError';
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    code === 'EACCES' || code === 'EPERM' ? 'check the permissions of the directory' : undefined;
  return new S3FerryError('local-io', code, `cannot list ${path}: ${reason}`, {
    fatal,
    ...(hint === undefined ? {} : { hint }),
  });
}
