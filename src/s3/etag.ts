// ETags in one place: normalisation (servers disagree on quoting: RGW returns unquoted ETags from
// CopyObject and an empty one from CompleteMultipartUpload, so compare only bare values), what an
// ETag says about the bytes (an MD5, a multipart composite, nothing), and the composite itself.
import { createHash } from 'node:crypto';

const QUOTE = 0x22;

/**
 * Strips the quotes (and a weak `W/` prefix, or XML-escaped `&quot;` quotes) around an ETag.
 * An empty ETag carries no information and becomes undefined.
 * @example normalizeEtag('"9b2cf535f27731c974343645a3985328"') // '9b2cf535f27731c974343645a3985328'
 */
export function normalizeEtag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // The usual form, `"hex"` or `"hex-N"`: no regular expression (a listing has one per key).
  const last = raw.length - 1;
  if (last > 1 && raw.charCodeAt(0) === QUOTE && raw.indexOf('"', 1) === last) {
    return raw.slice(1, last);
  }
  const bare = raw
    .trim()
    .replace(/^W\//, '')
    .replace(/^&quot;(.*)&quot;$/, '$1')
    .replace(/^"(.*)"$/, '$1');
  return bare === '' ? undefined : bare;
}

/** What an object's ETag says about its bytes (see {@link classifyEtag}). */
export type EtagKind =
  /** A single-part object's ETag: the MD5 (hex, lower case) of its bytes. */
  | { kind: 'md5'; md5: string }
  /**
   * A multipart object's ETag: the MD5 of its parts' binary MD5s, concatenated, then `-N`
   * (`etag` is the whole bare value, lower case).
   */
  | { kind: 'multipart'; etag: string; partCount: number }
  /** Nothing to check bytes against: no ETag, not MD5-shaped, or SSE-KMS / SSE-C. */
  | { kind: 'opaque' };

/**
 * Classifies an object's ETag. Encrypting with KMS (SSE-KMS, DSSE-KMS) or a customer key (SSE-C)
 * makes even a single-part ETag something other than the MD5 of the bytes; SSE-S3 (AES256) does
 * not.
 * @example classifyEtag({ etag: '"9b2cf535f27731c974343645a3985328-3"' }) // multipart, 3 parts
 */
export function classifyEtag(object: {
  etag: string | undefined;
  encryption?: string | undefined;
  customerAlgorithm?: string | undefined;
}): EtagKind {
  const etag = normalizeEtag(object.etag)?.toLowerCase();
  if (etag === undefined) return { kind: 'opaque' };
  const { encryption, customerAlgorithm } = object;
  const isOpaque =
    (customerAlgorithm !== undefined && customerAlgorithm !== '') ||
    (encryption !== undefined && encryption.toLowerCase().startsWith('aws:kms'));
  if (isOpaque) return { kind: 'opaque' };
  if (/^[0-9a-f]{32}$/.test(etag)) return { kind: 'md5', md5: etag };
  const multipart = /^[0-9a-f]{32}-([1-9][0-9]{0,4})$/.exec(etag);
  if (multipart !== null) return { kind: 'multipart', etag, partCount: Number(multipart[1]) };
  return { kind: 'opaque' };
}

/**
 * The ETag S3 gives an object completed from parts with these MD5s (binary, in part order):
 * the hex MD5 of their concatenation, then `-N`.
 * @example compositeEtag([md5a, md5b]) // 'c0ffee…-2'
 */
export function compositeEtag(partMd5s: readonly Uint8Array[]): string {
  const hash = createHash('md5');
  for (const digest of partMd5s) hash.update(digest);
  return `${hash.digest('hex')}-${partMd5s.length}`;
}

/**
 * The ETag S3 gives an object completed from parts stored with these ETags (UploadPart or
 * UploadPartCopy answers, quoted or not), or undefined when one is missing or not an MD5 (parts
 * encrypted with KMS or a customer key): then nothing can be predicted.
 * @example compositeOfPartEtags(['"7806c0bf75f9f9b46ba74ebb8aff2de4"']) // '96641e86…-1'
 */
export function compositeOfPartEtags(etags: readonly (string | undefined)[]): string | undefined {
  const digests: Buffer[] = [];
  for (const etag of etags) {
    const bare = normalizeEtag(etag)?.toLowerCase();
    if (bare === undefined || !/^[0-9a-f]{32}$/.test(bare)) return undefined;
    digests.push(Buffer.from(bare, 'hex'));
  }
  return digests.length === 0 ? undefined : compositeEtag(digests);
}
