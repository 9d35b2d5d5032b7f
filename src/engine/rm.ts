// `rm`: one object or file, or with `recursive` everything under a prefix or directory. S3
// deletes go in DeleteObjects batches of 1,000 as the listing streams in (never the whole key
// list in memory); a dry run lists what would go and sends no write request.
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join, parse as parsePathParts } from 'node:path';
import { compareKeys } from '../plan/compare-keys.ts';
import { DELETE_BATCH_SIZE, deleteS3Keys } from '../s3/delete.ts';
import { hasKeysUnder } from '../s3/list-delimited.ts';
import { findS3Object, listS3 } from '../s3/list.ts';
import { usageError } from '../shared/errors.ts';
import type { EverydayOptions, EverydaySession, LocalTarget, S3Target } from './everyday.ts';
import { errnoOf, localError, notFound, withSession } from './everyday.ts';

/** A path that could not be removed. */
export type RemoveFailure = { path: string; code: string; message: string };

/** Options of {@link removePath}. */
export type RemoveOptions = EverydayOptions & {
  /** Everything under a prefix or directory too. */
  recursive?: boolean;
  /** A missing path is not an error (megfile `-f`). */
  force?: boolean;
  /** List what would be removed; send no DELETE and touch no file. */
  dryRun?: boolean;
  /** Paths removed (or, in a dry run, that would be), one batch at a time. Files only. */
  onRemoved?: (paths: string[]) => void;
  /** One path that could not be removed; the run goes on. */
  onFailure?: (failure: RemoveFailure) => void;
};

/** What {@link removePath} did. */
export type RemoveSummary = {
  /** Objects or files removed (dry run: that would be). */
  removed: number;
  /** Their bytes, where the listing told (S3 and local). */
  bytes: number;
  failed: number;
  isDryRun: boolean;
  /** Stopped by the signal before the end. */
  isInterrupted: boolean;
};

/**
 * Removes `input`. Safety rules: a bucket root (`s3://bucket`, `s3://bucket/`) and the local
 * file-system root are refused even with `recursive` (megfile refuses bucket roots too); a
 * directory without `recursive` is a usage error. `rm -r s3://b/dir` removes the object `dir`
 * (if any) and every key under `dir/` — never `dir2` (unlike `aws s3 rm --recursive`, which
 * treats the path as a raw prefix).
 * @throws S3FerryError: `not-found` (exit 1) when nothing is there and not `force`; `usage`
 *   (exit 2) for the refusals above; fatal S3 errors (bad credentials, NoSuchBucket).
 */
export async function removePath(
  input: string,
  options: RemoveOptions = {},
): Promise<RemoveSummary> {
  return withSession(options, async (session) => {
    const target = session.resolve(input);
    const summary: RemoveSummary = {
      removed: 0,
      bytes: 0,
      failed: 0,
      isDryRun: options.dryRun === true,
      isInterrupted: false,
    };
    if (target.kind === 's3-root') {
      throw usageError(`rm needs a bucket and a key: ${input}`, 'give s3://bucket/key');
    }
    if (target.kind === 's3') await removeS3(target, session, options, summary);
    else await removeLocal(target, options, summary);
    return summary;
  });
}

async function removeS3(
  target: S3Target,
  session: EverydaySession,
  options: RemoveOptions,
  summary: RemoveSummary,
): Promise<void> {
  const { bucket, key } = target;
  const signal = session.signal === undefined ? {} : { signal: session.signal };
  if (key === '') {
    throw usageError(
      `refusing to remove the bucket root ${target.url('')}`,
      'rm -r removes a prefix (s3://bucket/dir/); s3ferry never empties a whole bucket',
    );
  }
  const isDirPath = key.endsWith('/');
  if (isDirPath && options.recursive !== true) {
    throw usageError(`${target.url(key)} is a directory (prefix)`, 'remove it with rm -r');
  }
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const keys = pending;
    pending = [];
    if (options.dryRun === true) {
      summary.removed += keys.length;
      options.onRemoved?.(keys.map((k) => target.url(k)));
      return;
    }
    const result = await deleteS3Keys(target.client, target.spec, {
      bucket,
      keys,
      counts: session.requests,
      ...signal,
    });
    summary.removed += result.deleted.length;
    if (result.deleted.length > 0) options.onRemoved?.(result.deleted.map((k) => target.url(k)));
    for (const error of result.errors) {
      summary.failed += 1;
      options.onFailure?.({
        path: target.url(error.key),
        code: error.code,
        message: error.message,
      });
    }
  };

  let found = 0;
  if (!isDirPath) {
    const object = await findS3Object(target.client, target.spec, {
      bucket,
      key,
      counts: session.requests,
      ...signal,
    });
    if (object !== undefined) {
      found += 1;
      summary.bytes += object.sizeBytes;
      pending.push(key);
    } else if (options.recursive !== true) {
      // No object: say "a directory" rather than megfile's misleading "no such file".
      const isDir = await hasKeysUnder(target.client, target.spec, {
        bucket,
        prefix: `${key}/`,
        counts: session.requests,
        ...signal,
      });
      if (isDir)
        throw usageError(`${target.url(key)} is a directory (prefix)`, 'remove it with rm -r');
    }
  }
  if (options.recursive === true) {
    const prefix = isDirPath ? key : `${key}/`;
    try {
      // Markers (`dir/`, `dir/sub/`) are listed and deleted like any key.
      for await (const entry of listS3(target.client, target.spec, {
        bucket,
        prefix,
        counts: session.requests,
        ...signal,
      })) {
        found += 1;
        summary.bytes += entry.sizeBytes;
        pending.push(prefix + entry.key);
        if (pending.length >= DELETE_BATCH_SIZE) await flush();
      }
    } catch (error) {
      if (session.signal?.aborted !== true) throw error;
    }
  }
  if (session.signal?.aborted === true) {
    summary.isInterrupted = true;
    return;
  }
  await flush();
  if (found === 0 && options.force !== true) {
    throw notFound('no such object or directory', target.url(key));
  }
}

async function removeLocal(
  target: LocalTarget,
  options: RemoveOptions,
  summary: RemoveSummary,
): Promise<void> {
  let stats: Stats;
  try {
    // lstat: a symlink is removed itself, never what it points to.
    stats = await lstat(target.absolute);
  } catch (error) {
    const wrapped = localError(error, target.path, 'remove');
    if (wrapped.kind === 'not-found' && options.force === true) return;
    throw wrapped;
  }
  if (!stats.isDirectory()) {
    if (options.dryRun !== true) {
      try {
        await unlink(target.absolute);
      } catch (error) {
        throw localError(error, target.path, 'remove');
      }
    }
    summary.removed += 1;
    summary.bytes += stats.size;
    options.onRemoved?.([target.path]);
    return;
  }
  if (options.recursive !== true) {
    throw usageError(`${target.path} is a directory`, 'remove it with rm -r');
  }
  if (parsePathParts(target.absolute).root === target.absolute) {
    throw usageError(`refusing to remove the file-system root ${target.absolute}`);
  }
  const shown = (relative: string): string =>
    target.path.endsWith('/') ? `${target.path}${relative}` : `${target.path}/${relative}`;
  const fail = (relative: string, error: unknown): void => {
    summary.failed += 1;
    const code = errnoOf(error);
    options.onFailure?.({ path: shown(relative), code, message: `cannot remove: ${code}` });
  };
  // A function, so TypeScript does not narrow `aborted` across the awaits below.
  const isAborted = (): boolean => options.signal?.aborted === true;
  let batch: string[] = [];
  // Depth first, children before their directory, in UTF-8 name order; links are not followed.
  const walk = async (relative: string): Promise<boolean> => {
    if (isAborted()) return false;
    const dir = relative === '' ? target.absolute : join(target.absolute, relative);
    let children: Dirent[];
    try {
      children = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      fail(relative, error);
      return false;
    }
    children.sort((a, b) => compareKeys(a.name, b.name));
    let isEmptied = true;
    for (const child of children) {
      const rel = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.isDirectory()) {
        if (!(await walk(rel))) isEmptied = false;
        continue;
      }
      if (isAborted()) return false;
      const full = join(target.absolute, rel);
      try {
        const size = (await lstat(full)).size;
        if (options.dryRun !== true) await unlink(full);
        summary.removed += 1;
        summary.bytes += size;
        batch.push(shown(rel));
        if (batch.length >= DELETE_BATCH_SIZE) {
          options.onRemoved?.(batch);
          batch = [];
        }
      } catch (error) {
        isEmptied = false;
        fail(rel, error);
      }
    }
    if (isEmptied && options.dryRun !== true) {
      try {
        await rmdir(dir);
      } catch (error) {
        fail(relative, error);
        return false;
      }
    }
    return isEmptied;
  };
  await walk('');
  if (batch.length > 0) options.onRemoved?.(batch);
  if (isAborted()) summary.isInterrupted = true;
}
