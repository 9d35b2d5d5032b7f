// How an object read in parts (ranged GETs in parallel) is checked against its source, and the
// part size it is read — and, for a multipart copy, uploaded — in. A single-part source's MD5
// covers the whole object, which parallel parts cannot hash in order. A multipart source's ETag
// is the composite of its parts' MD5s (etag.ts), which parts read on the source's own boundaries
// reproduce: so the source's layout is used when it can be known — always for one part; from a
// HEAD with PartNumber=1 where the server answers it (AWS, MinIO: the part's length and the
// part count); else s3ferry's own part size is taken as a guess when it makes the same number of
// parts (objects it uploaded itself, tools with the same default). RGW 16 ignores PartNumber.
import { HeadObjectCommand } from '../sdk.ts';
import { isS3FerryError } from '../../shared/errors.ts';
import { choosePartSize } from '../../plan/parts.ts';
import { classifyEtag } from '../etag.ts';
import { callS3 } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import { isLayoutOf } from './verify.ts';
import type { PartsCheck } from './verify.ts';

/** The part size to read a source in, and what its bytes are checked against. */
export type SourceLayout = { partSizeBytes: number; check: PartsCheck };

/** The fields of a HEAD answer this needs. */
export type SourceHead = {
  ETag?: string | undefined;
  ServerSideEncryption?: string | undefined;
  SSECustomerAlgorithm?: string | undefined;
};

/**
 * The layout to read `src` (of `sizeBytes`, HEAD answer `head`) in, with `preferredPartSizeBytes`
 * where the source's own layout does not matter or cannot be known. Sends at most one HEAD
 * (PartNumber=1), only for a multipart source of more than one part; an error of that HEAD only
 * means the layout is not learnt from it.
 */
export async function sourceLayout(
  ctx: TransferContext,
  src: S3Target,
  head: SourceHead,
  sizeBytes: number,
  preferredPartSizeBytes: number,
): Promise<SourceLayout> {
  const own = choosePartSize(sizeBytes, preferredPartSizeBytes);
  const etag = classifyEtag({
    etag: head.ETag,
    encryption: head.ServerSideEncryption,
    customerAlgorithm: head.SSECustomerAlgorithm,
  });
  if (etag.kind === 'md5') return { partSizeBytes: own, check: { kind: 'md5', md5: etag.md5 } };
  if (etag.kind !== 'multipart') return { partSizeBytes: own, check: { kind: 'none' } };
  const composite = (partSizeBytes: number, isGuessed: boolean): SourceLayout => ({
    partSizeBytes,
    check: { kind: 'composite', etag: etag.etag, isGuessed },
  });
  const { partCount } = etag;
  if (partCount === 1 && isLayoutOf(sizeBytes, sizeBytes, 1)) return composite(sizeBytes, false);
  if (partCount > 1) {
    const firstPartBytes = await firstPartLength(ctx, src, head.ETag, partCount);
    if (firstPartBytes !== undefined && isLayoutOf(sizeBytes, firstPartBytes, partCount)) {
      return composite(firstPartBytes, false);
    }
  }
  if (isLayoutOf(sizeBytes, own, partCount)) return composite(own, true);
  return { partSizeBytes: own, check: { kind: 'none' } };
}

/** Part 1's length, when the server answers a HEAD with PartNumber=1 for this object. */
async function firstPartLength(
  ctx: TransferContext,
  src: S3Target,
  etag: string | undefined,
  partCount: number,
): Promise<number | undefined> {
  try {
    const part = await callS3(
      ctx,
      src,
      new HeadObjectCommand({
        Bucket: src.bucket,
        Key: src.key,
        PartNumber: 1,
        ...(etag === undefined ? {} : { IfMatch: etag }),
      }),
    );
    // A server that ignores PartNumber answers the whole object, without a part count.
    return part.PartsCount === partCount ? part.ContentLength : undefined;
  } catch (error) {
    if (ctx.signal.aborted || (isS3FerryError(error) && error.fatal)) throw error;
    return undefined;
  }
}
