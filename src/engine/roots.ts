// Resolves SRC and DST of a run into roots: which profile, single object or prefix, how to list
// them, and where a relative key lands. A source path naming an existing object (or file) is a
// single-object sync to exactly DST; anything else is a prefix (megfile semantics).
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { ConfigResolver } from '../config/load.ts';
import { listLocal } from '../local/list.ts';
import type { LocalListIssue } from '../local/list.ts';
import { formatPath, parsePath } from '../paths/path.ts';
import type { AnyPath } from '../paths/path.ts';
import {
  destinationRoot,
  directoryPrefix,
  locationFor,
  s3Root,
  withoutDirectoryMarkers,
} from '../plan/relative.ts';
import type { SyncRoot } from '../plan/relative.ts';
import { clientCacheKey } from '../s3/client-cache.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import { findS3Object, listS3 } from '../s3/list.ts';
import { isS3FerryError, S3FerryError, usageError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { ListEntry, Location, RequestCounts } from '../shared/protocol.ts';

/** One side of a run. */
export type Root = {
  kind: 's3' | 'local';
  /** The path as the user would write it (for messages and the summary). */
  label: string;
  /** The source (or its destination) is one object or file, mapped to exactly DST. */
  isSingleObject: boolean;
  /** Entries keyed relative to the root, in UTF-8 byte order, directory markers dropped. */
  list(): AsyncIterable<ListEntry>;
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
};

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
 * @throws S3FerryError: `usage` for bad paths (bucket list `s3://`, single source to a `dir/`),
 *   `not-found` (fatal) for a missing local source, and the classified error of a failed lookup.
 */
export async function openRoots(
  srcInput: string,
  dstInput: string,
  ctx: OpenRootsContext,
): Promise<OpenedRoots> {
  const srcPath = parsePath(srcInput);
  const dstPath = parsePath(dstInput);
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
    const isCandidate = srcPath.key !== '' && !srcPath.key.endsWith('/');
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
  if (dstRoot.kind === 'local') dstRoot.path = resolvePath(dstRoot.path);

  const src = makeRoot(srcRoot, srcSpec, srcPath, srcInput, ctx, {
    isSingle,
    single,
    isSource: true,
  });
  const dst = makeRoot(dstRoot, dstSpec, dstPath, dstInput, ctx, {
    isSingle,
    single: undefined,
    isSource: false,
  });
  return { src, dst, profiles };
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
    if (!isS3FerryError(error)) throw error;
    throw new S3FerryError(
      error.kind,
      error.code,
      `cannot read ${label}: ${error.message}`,
      { ...error.toJSON(), fatal: true },
      { cause: error },
    );
  }
}

function makeRoot(
  root: SyncRoot,
  spec: ProfileSpec | undefined,
  path: AnyPath,
  input: string,
  ctx: OpenRootsContext,
  shape: { isSingle: boolean; single: ListEntry | undefined; isSource: boolean },
): Root {
  const label = path.kind === 's3' ? formatPath(path) : localLabel(input);
  const display = (key: string): string => {
    if (root.kind === 's3') {
      const prefix = path.kind === 's3' && path.profile !== undefined ? `s3+${path.profile}` : 's3';
      return `${prefix}://${root.bucket}/${root.key}${key}`;
    }
    return key === '' ? root.path : `${root.path}/${key}`;
  };
  const list = (): AsyncIterable<ListEntry> => {
    if (shape.isSingle) return singleListing(root, spec, ctx, shape.single);
    if (root.kind === 's3' && spec !== undefined) {
      return withoutDirectoryMarkers(
        listS3(ctx.clientFor(spec), spec, {
          bucket: root.bucket,
          prefix: directoryPrefix(root.key),
          counts: ctx.requests,
        }),
      );
    }
    if (root.kind === 'local') {
      // A destination directory that does not exist yet holds nothing.
      return listLocal(root.path, {
        onIssue: (issue) => {
          ctx.onLocalIssue(issue);
        },
        missingOk: !shape.isSource,
      });
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
      throw new S3FerryError(
        'local-io',
        'IsADirectory',
        `the destination ${root.path} is a directory, but the source is a single file`,
        { fatal: true, hint: 'give the destination file name (sync SRC/a.txt DST/a.txt)' },
      );
    }
  }
}
