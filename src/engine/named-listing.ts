// --files-from on a root: the named keys that exist there, in key order, each looked up on its
// own instead of listing the prefix (plan/files-from.ts parses the list and picks a range's keys).
import { stat } from 'node:fs/promises';
import type { LocalListIssue } from '../local/list.ts';
import { directoryPrefix, locationFor } from '../plan/relative.ts';
import type { SyncRoot } from '../plan/relative.ts';
import type { S3Api } from '../s3/sdk.ts';
import { findS3Object } from '../s3/list.ts';
import { isS3FerryError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { ListEntry, RequestCounts } from '../shared/protocol.ts';

/** Keys looked up at once (one LIST or stat each). */
const LOOKUPS_AT_ONCE = 16;

/** Where the keys are looked up. */
export type NamedListingContext = {
  root: SyncRoot;
  /** An S3 root's profile and the main thread's client for it. */
  spec: ProfileSpec | undefined;
  client: S3Api | undefined;
  requests: RequestCounts;
  /** A local source's key that would leave its directory (fails that key); none: dropped. */
  onLocalIssue: ((issue: LocalListIssue) => void) | undefined;
};

/**
 * The entries of `keys` (relative, sorted) that exist under the root, in order, a few looked up
 * at once (S3: one ListObjectsV2 MaxKeys=1 each, as for a single object; local: a stat). A key
 * that names nothing, or a directory, is left out quietly (it may be gone since the list was
 * made).
 */
export async function* namedListing(
  keys: readonly string[],
  ctx: NamedListingContext,
): AsyncGenerator<ListEntry, void, undefined> {
  const { root } = ctx;
  const lookup = async (key: string): Promise<ListEntry | undefined> => {
    if (root.kind === 's3') {
      if (ctx.spec === undefined || ctx.client === undefined) return undefined;
      const entry = await findS3Object(ctx.client, ctx.spec, {
        bucket: root.bucket,
        key: directoryPrefix(root.key) + key,
        counts: ctx.requests,
      });
      return entry === undefined ? undefined : { ...entry, key };
    }
    let path: string;
    try {
      const location = locationFor(root, key);
      path = location.kind === 'local' ? location.path : '';
    } catch (error) {
      if (isS3FerryError(error)) ctx.onLocalIssue?.({ key, path: key, error });
      return undefined;
    }
    const stats = await stat(path).catch(() => undefined);
    return stats?.isFile() === true
      ? { key, sizeBytes: stats.size, mtimeMs: stats.mtimeMs }
      : undefined;
  };
  const window: Promise<ListEntry | undefined>[] = [];
  let next = 0;
  while (next < keys.length || window.length > 0) {
    while (window.length < LOOKUPS_AT_ONCE && next < keys.length) {
      const pending = lookup(keys[next] ?? '');
      // Awaited in order below; a listing stopped early must not leave a rejection unhandled.
      pending.catch(() => undefined);
      window.push(pending);
      next += 1;
    }
    const entry = await window.shift();
    if (entry !== undefined) yield entry;
  }
}
