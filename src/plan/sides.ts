// What the sync and check comparators share: which side of a pair is local (and so can be hashed)
// and whether both sides have content fingerprints that can be compared as MD5s.
import type { ListEntry } from '../shared/protocol.ts';

/** Which way bytes move; decides the mtime rule and which sides have ETags. */
export type SyncDirection = 'upload' | 'download' | 's3-to-s3' | 'local-to-local';

/** Which sides of a pair are local files (hashable) rather than S3 objects (ETags). */
export type Sides = { isSrcLocal: boolean; isDstLocal: boolean };

/** The local sides of a direction. */
export function sidesOf(direction: SyncDirection): Sides {
  return {
    isSrcLocal: direction === 'upload' || direction === 'local-to-local',
    isDstLocal: direction === 'download' || direction === 'local-to-local',
  };
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/i;

/**
 * True when a (normalised, unquoted) ETag is the MD5 of the content: 32 hex digits without the
 * `-N` multipart suffix. SSE-KMS/SSE-C ETags look the same but are not MD5s; a listing cannot
 * tell them apart (aws-cli and rclone make the same assumption).
 */
export function isPlainMd5Etag(etag: string | undefined): etag is string {
  return etag !== undefined && PLAIN_MD5.test(etag);
}

/**
 * True when the pair's content can be compared as MD5s: every S3 side has a plain-MD5 ETag (a
 * local side is hashed). Multipart (`…-N`) and empty ETags cannot be compared with an MD5.
 */
export function hasMd5Fingerprints(src: ListEntry, dst: ListEntry, sides: Sides): boolean {
  return (
    (sides.isSrcLocal || isPlainMd5Etag(src.etag)) && (sides.isDstLocal || isPlainMd5Etag(dst.etag))
  );
}
