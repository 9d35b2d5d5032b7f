// Where each listed key goes, per megfile's sync semantics: a prefix syncs `SRC/<rel>` to
// `DST/<rel>`, a single object or file maps to exactly DST, zero-byte `dir/` markers are not copied,
// and S3 → local refuses keys that would not land inside the destination directory.
import { join } from 'node:path';
import { S3FerryError, usageError } from '../shared/errors.ts';
import type { ListEntry, Location } from '../shared/protocol.ts';

/**
 * A resolved sync root, from which relative keys hang. For S3, `key` is either a directory
 * prefix (`''` or ending in `/`) or, when the root is a single object, that object's exact key;
 * relative keys are appended to it verbatim. For local roots, `path` is the directory or file.
 */
export type SyncRoot =
  { kind: 's3'; profile: string; bucket: string; key: string } | { kind: 'local'; path: string };

/**
 * The prefix an S3 directory path lists: `dir` and `dir/` both list `dir/` (megfile treats
 * `s3://b/dir` as the directory `dir/` unless `dir` is itself an object); the bucket root is `''`.
 */
export function directoryPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/**
 * The root of an S3 source (or destination of a prefix sync). `isSingleObject`: the key names an
 * existing object, which then wins over a same-named directory (`dir` and `dir/x` both existing).
 */
export function s3Root(
  path: { profile: string; bucket: string; key: string },
  isSingleObject: boolean,
): SyncRoot {
  return {
    kind: 's3',
    profile: path.profile,
    bucket: path.bucket,
    key: isSingleObject ? path.key : directoryPrefix(path.key),
  };
}

/**
 * The destination root. A single source object or file maps to exactly DST, so DST must name an
 * object or file, not a directory (`…/`), as in megfile. A prefix or directory source maps to
 * `DST/<relative key>`.
 * @throws S3FerryError (kind `usage`) for a single source and a DST ending in `/` (or a bucket root).
 */
export function destinationRoot(
  dst:
    { kind: 's3'; profile: string; bucket: string; key: string } | { kind: 'local'; path: string },
  sourceIsSingle: boolean,
): SyncRoot {
  if (dst.kind === 'local') {
    if (sourceIsSingle && (dst.path.endsWith('/') || dst.path === '')) {
      throw usageError(
        `the source is a single file, which syncs to exactly the destination, but ${dst.path} names a directory`,
        'give the destination file name (sync SRC/a.txt DST/a.txt)',
      );
    }
    return { kind: 'local', path: dst.path };
  }
  if (sourceIsSingle) {
    if (dst.key === '' || dst.key.endsWith('/')) {
      throw usageError(
        `the source is a single object, which syncs to exactly the destination, but ` +
          `s3://${dst.bucket}/${dst.key} names a directory`,
        'give the destination key (sync s3://b/a.txt s3://c/a.txt)',
      );
    }
    return { kind: 's3', profile: dst.profile, bucket: dst.bucket, key: dst.key };
  }
  return s3Root(dst, false);
}

/**
 * True for a zero-byte directory marker in a prefix listing: a relative key ending in `/`, or
 * `''` (the object named exactly like the prefix `dir/`). Markers are not copied (megfile skips
 * them). Only for prefix listings: a single object's own entry also has the key `''`.
 */
export function isDirectoryMarker(entry: ListEntry): boolean {
  return entry.sizeBytes === 0 && (entry.key === '' || entry.key.endsWith('/'));
}

/** A prefix listing without its directory markers; `onMarker` sees each one dropped (for counts). */
export async function* withoutDirectoryMarkers(
  entries: AsyncIterable<ListEntry>,
  onMarker?: (entry: ListEntry) => void,
): AsyncGenerator<ListEntry, void, undefined> {
  for await (const entry of entries) {
    if (isDirectoryMarker(entry)) onMarker?.(entry);
    else yield entry;
  }
}

/**
 * Why a relative key cannot become a path inside a local directory, or undefined when it can.
 * Refused: absolute keys, `.` and `..` segments, empty segments (`a//b`, `a/`; megfile collapses
 * them, so `a//b` and `a/b` would overwrite each other) and NUL characters.
 */
export function unsafeLocalKeyProblem(relativeKey: string): string | undefined {
  if (relativeKey.includes('\0')) return 'it contains a NUL character';
  if (relativeKey.startsWith('/')) return 'it is absolute (starts with /)';
  for (const segment of relativeKey.split('/')) {
    if (segment === '..') return "it has a '..' segment";
    if (segment === '.') return "it has a '.' segment";
    if (segment === '') return 'it has an empty segment (// or a trailing /)';
  }
  return undefined;
}

/**
 * The location of a relative key under a root. S3: the root key plus the relative key, verbatim
 * (`a//b` stays). Local: the root path joined with the key's segments; `''` is the root itself.
 * @throws S3FerryError (kind `local-io`, code `UnsafeKey`, not fatal: only this key fails) when a
 *   key would land outside a local root or collide with another key (see {@link unsafeLocalKeyProblem}).
 */
export function locationFor(root: SyncRoot, relativeKey: string): Location {
  if (root.kind === 's3') {
    return { kind: 's3', profile: root.profile, bucket: root.bucket, key: root.key + relativeKey };
  }
  if (relativeKey === '') return { kind: 'local', path: root.path };
  const problem = unsafeLocalKeyProblem(relativeKey);
  if (problem !== undefined) {
    throw new S3FerryError(
      'local-io',
      'UnsafeKey',
      `the key ${JSON.stringify(relativeKey)} cannot be written under ${root.path}: ${problem}`,
      {
        fatal: false,
        hint: 'such keys would land outside the destination directory or overwrite another key; sync them to S3 instead, or rename them',
      },
    );
  }
  return { kind: 'local', path: join(root.path, relativeKey) };
}
