// Parses and formats every path s3ferry accepts: s3://, s3+PROFILE://, file:// and plain local paths.
// Keys are raw strings: nothing here normalises `//`, `./`, percent signs, spaces or unicode.
import { usageError } from '../shared/errors.ts';

/** An S3 location. `profile` is undefined for plain `s3://` (then AWS_PROFILE or `default` applies). */
export type S3Path = {
  kind: 's3';
  profile: string | undefined;
  /** Empty only for the root `s3://` (or `s3+NAME://`), which lists buckets. */
  bucket: string;
  /** Raw key or prefix, exactly as typed after `bucket/`; empty for the bucket root. */
  key: string;
};

/** A local file or directory, as given (not resolved). A trailing `/` is kept: `cp` gives it meaning. */
export type LocalPath = { kind: 'local'; path: string };

export type AnyPath = S3Path | LocalPath;

/**
 * Profile names: letters, digits, `_`, `-` and `.`. megfile's `\w+` rejects `-` and `.`, which makes
 * such profiles unusable there; their env prefix maps `-`/`.` to `_` (see src/config).
 */
export const PROFILE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

const S3_URL = /^s3(?:\+([^:/]*))?:\/\/(.*)$/s;
const ANY_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Parses a command-line path.
 * @throws S3FerryError (kind `usage`) naming the path and what is wrong with it.
 * @example parsePath('s3+backup://bucket/a//b ') // { kind: 's3', profile: 'backup', bucket: 'bucket', key: 'a//b ' }
 */
export function parsePath(input: string): AnyPath {
  if (input === '') throw usageError('empty path');
  const s3 = S3_URL.exec(input);
  if (s3 !== null) return parseS3(input, s3[1], s3[2] ?? '');
  if (input.startsWith('file://')) {
    // As megfile: strip the scheme verbatim (no percent-decoding), so `file://rel` is relative.
    const path = input.slice('file://'.length);
    if (path === '') throw usageError(`invalid path '${input}': file:// needs a path after it`);
    return { kind: 'local', path };
  }
  if (/^s3[+:]/.test(input)) {
    // Clearly meant as S3 (write ./s3+x for a local file of that name): say what is wrong.
    throw usageError(
      `invalid S3 URL '${input}'`,
      'use s3://bucket/key or s3+PROFILE://bucket/key (PROFILE: letters, digits, _ - .)',
    );
  }
  const scheme = ANY_SCHEME.exec(input);
  if (scheme !== null) {
    throw usageError(
      `unsupported path '${input}': scheme '${scheme[1] ?? ''}://' is not supported`,
      'use s3://bucket/key, s3+PROFILE://bucket/key, file:///path or a local path',
    );
  }
  return { kind: 'local', path: input };
}

function parseS3(input: string, profile: string | undefined, rest: string): S3Path {
  if (profile !== undefined && !PROFILE_NAME_PATTERN.test(profile)) {
    throw usageError(
      `invalid path '${input}': profile name '${profile}' may contain only letters, digits, '_', '-' and '.'`,
    );
  }
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') {
    if (key !== '' || slash !== -1) {
      throw usageError(`invalid path '${input}': missing bucket name before the key`);
    }
    return { kind: 's3', profile, bucket: '', key: '' };
  }
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined)
    throw usageError(`invalid bucket name '${bucket}' in '${input}': ${problem}`);
  return { kind: 's3', profile, bucket, key };
}

/**
 * Returns why a bucket name is invalid, or undefined. Deliberately accepts legacy names (upper case,
 * `_`, up to 255 characters) that old AWS regions and Ceph allow; the server refuses what it does not.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 255) return 'it must be 3 to 255 characters long';
  if (!/^[A-Za-z0-9._-]+$/.test(bucket)) {
    return "it may contain only letters, digits, '.', '-' and '_'";
  }
  if (!/^[A-Za-z0-9].*[A-Za-z0-9]$/.test(bucket))
    return 'it must start and end with a letter or digit';
  if (bucket.includes('..')) return "it must not contain '..'";
  return undefined;
}

/** Formats a path back to the form the user would type; `parsePath(formatPath(p))` equals `p`. */
export function formatPath(path: AnyPath): string {
  if (path.kind === 'local') return path.path;
  const scheme = path.profile === undefined ? 's3' : `s3+${path.profile}`;
  if (path.bucket === '') return `${scheme}://`;
  return `${scheme}://${path.bucket}/${path.key}`;
}

export function isS3Path(path: AnyPath): path is S3Path {
  return path.kind === 's3';
}
