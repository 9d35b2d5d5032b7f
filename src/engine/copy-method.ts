// How a run moves bytes, from the kinds of its roots: the direction (which decides the mtime rule
// and the checksum sides) and the copy method (server-side, streamed, upload, download, local).
import type { SyncDirection } from '../plan/decide.ts';
import type { CopyMethod } from '../shared/protocol.ts';
import type { Root } from './roots.ts';

/** upload / download / s3-to-s3 / local-to-local, for the mtime rule and the checksum sides. */
export function directionOf(src: Root, dst: Root): SyncDirection {
  if (src.kind === 's3') return dst.kind === 's3' ? 's3-to-s3' : 'download';
  return dst.kind === 's3' ? 'upload' : 'local-to-local';
}

/**
 * S3→S3 copies are server-side when both profiles resolve to the same endpoint and the same
 * credentials (settings, not profile names: two names for one account still copy server-side);
 * otherwise the bytes stream through s3ferry.
 */
export function copyMethodOf(src: Root, dst: Root): CopyMethod {
  if (src.kind === 's3' && dst.kind === 's3') {
    return src.sameAccountAs(dst) ? 'server-side' : 'stream';
  }
  if (src.kind === 's3') return 'download';
  return dst.kind === 's3' ? 'upload' : 'local';
}
