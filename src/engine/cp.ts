// `cp`'s path rules, before the copy runs through sync(): is SRC one object or a directory,
// and where does it land (megfile: a DST ending in `/`, or an existing directory for a single
// file, receives SRC under its own name).
import { stat } from 'node:fs/promises';
import { directoryPrefix } from '../plan/relative.ts';
import { hasKeysUnder } from '../s3/list-delimited.ts';
import { findS3Object } from '../s3/list.ts';
import { isS3FerryError, usageError } from '../shared/errors.ts';
import type { EverydayOptions, EverydaySession, Target } from './everyday.ts';
import { baseName, localError, notFound, withSession } from './everyday.ts';

/** Options of {@link resolveCopy}. */
export type ResolveCopyOptions = EverydayOptions & {
  /** `-r`: SRC may be a directory (prefix). */
  recursive?: boolean;
  /** `-T`: DST is the target itself, never a directory to put SRC into. */
  noTargetDirectory?: boolean;
};

/** The paths sync() gets for a `cp`, and what SRC turned out to be. */
export type ResolvedCopy = { src: string; dst: string; isSingle: boolean };

/**
 * Decides what `cp SRC DST` copies where:
 * - SRC must exist: one object/file, or with `recursive` a directory (prefix with keys).
 * - DST ending in `/` (or a bucket root) receives SRC under SRC's base name (`cp a.txt s3://b/d/`
 *   → `s3://b/d/a.txt`; `cp -r dir s3://b/d/` → `s3://b/d/dir/…`), unless `noTargetDirectory`.
 * - A single file also goes *into* a DST that is an existing directory (local) or prefix with
 *   keys (S3), as megfile and Unix cp do.
 * - `cp -r DIR DST` without the `/` copies DIR's contents to exactly DST, whether DST exists or
 *   not: S3 has no directories, and megfile's "nest into an existing directory" makes a second
 *   run copy to `DST/DIR/` (not idempotent).
 * @throws S3FerryError: `not-found` (exit 1) for a missing SRC, `usage` (exit 2) for a directory
 *   without `recursive` or a bucket list (`s3://`), NoSuchBucket (fatal) and other S3 errors.
 */
export async function resolveCopy(
  src: string,
  dst: string,
  options: ResolveCopyOptions = {},
): Promise<ResolvedCopy> {
  return withSession(options, async (session) => {
    const source = session.resolve(src);
    const target = session.resolve(dst);
    if (source.kind === 's3-root' || target.kind === 's3-root') {
      throw usageError(
        `cp needs a bucket: ${source.kind === 's3-root' ? src : dst}`,
        'give s3://bucket/key',
      );
    }
    const kind = await whatIs(source, session);
    const srcShown = source.kind === 's3' ? source.url(source.key) : source.path;
    if (kind === 'missing') throw notFound('no such object or directory', srcShown);
    if (kind === 'directory' && options.recursive !== true) {
      throw usageError(
        `${srcShown} is a directory (prefix); cp without -r copies one object or file`,
        `copy everything under it with cp -r`,
      );
    }
    const isSingle = kind === 'file';
    if (options.noTargetDirectory === true) return { src, dst, isSingle };
    const endsWithSlash =
      target.kind === 's3' ? target.key === '' || target.key.endsWith('/') : dst.endsWith('/');
    const into =
      endsWithSlash || (isSingle && (await destinationKind(target, session)) === 'directory');
    if (!into) return { src, dst, isSingle };
    const name =
      source.kind === 's3' ? baseName(source.key) || source.bucket : baseName(source.absolute);
    const base = target.kind === 's3' ? target.url(target.key) : dst;
    return { src, dst: `${base}${base.endsWith('/') ? '' : '/'}${name}`, isSingle };
  });
}

/**
 * What DST is, where a missing bucket means nothing is there: the copy that follows then creates
 * it (`--create-bucket`) or stops with the line that names that flag.
 */
async function destinationKind(
  target: Exclude<Target, { kind: 's3-root' }>,
  session: EverydaySession,
): Promise<'file' | 'directory' | 'missing'> {
  try {
    return await whatIs(target, session);
  } catch (error) {
    if (isS3FerryError(error) && error.code === 'NoSuchBucket') return 'missing';
    throw error;
  }
}

/** One object or file, a directory (prefix with keys, bucket root, local directory), or nothing. */
async function whatIs(
  target: Exclude<Target, { kind: 's3-root' }>,
  session: EverydaySession,
): Promise<'file' | 'directory' | 'missing'> {
  if (target.kind === 'local') {
    try {
      return (await stat(target.absolute)).isDirectory() ? 'directory' : 'file';
    } catch (error) {
      const wrapped = localError(error, target.path, 'read');
      if (wrapped.kind === 'not-found') return 'missing';
      throw wrapped;
    }
  }
  const signal = session.signal === undefined ? {} : { signal: session.signal };
  const { bucket, key } = target;
  if (key !== '' && !key.endsWith('/')) {
    const object = await findS3Object(target.client, target.spec, {
      bucket,
      key,
      counts: session.requests,
      ...signal,
    });
    if (object !== undefined) return 'file';
  }
  const hasKeys = await hasKeysUnder(target.client, target.spec, {
    bucket,
    prefix: directoryPrefix(key),
    counts: session.requests,
    ...signal,
  });
  return hasKeys || key === '' ? 'directory' : 'missing';
}
