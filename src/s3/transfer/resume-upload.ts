// Continuing a multipart upload that an interrupted run recorded: ListParts says which parts the
// server holds; a part is kept only when its number, ETag and size are the ones recorded and its
// size is what the current part layout expects. Anything else (the upload gone, another layout)
// means starting over: the caller creates a new upload.
import { ListPartsCommand } from '../sdk.ts';
import type { ListPartsCommandOutput } from '@aws-sdk/client-s3';
import { isS3FerryError } from '../../shared/errors.ts';
import type { ResumableUpload } from '../../shared/protocol.ts';
import type { PartRange } from '../../plan/parts.ts';
import { normalizeEtag } from '../etag.ts';
import { callS3 } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';

/** The parts of `resume` the server still holds as recorded: part number → ETag (unquoted). */
export type KeptParts = Map<number, string>;

/**
 * The recorded upload's parts that can be kept, or undefined when the upload cannot be
 * continued: the server no longer knows it (completed, aborted, expired), or it was cut into
 * parts of another size than `parts` are.
 * @throws S3FerryError for a ListParts failure other than NoSuchUpload.
 */
export async function keptParts(
  ctx: TransferContext,
  dst: S3Target,
  resume: ResumableUpload,
  parts: readonly PartRange[],
): Promise<KeptParts | undefined> {
  const first = parts[0];
  if (first === undefined || first.sizeBytes !== resume.partSizeBytes) return undefined;
  const stored = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  for (;;) {
    let page: ListPartsCommandOutput;
    try {
      page = await callS3(
        ctx,
        dst,
        new ListPartsCommand({
          Bucket: dst.bucket,
          Key: dst.key,
          UploadId: resume.uploadId,
          PartNumberMarker: marker,
        }),
      );
    } catch (error) {
      if (isS3FerryError(error) && error.code === 'NoSuchUpload') return undefined;
      throw error;
    }
    for (const part of page.Parts ?? []) {
      const etag = normalizeEtag(part.ETag);
      if (part.PartNumber !== undefined && etag !== undefined) {
        stored.set(part.PartNumber, { etag, size: part.Size ?? -1 });
      }
    }
    const next = page.NextPartNumberMarker;
    if (page.IsTruncated !== true || next === undefined || next === marker) break;
    marker = next;
  }
  const kept: KeptParts = new Map();
  for (const [partNumber, etag, size] of resume.parts) {
    const part = parts[partNumber - 1];
    const onServer = stored.get(partNumber);
    if (part === undefined || onServer === undefined) continue;
    if (onServer.etag !== normalizeEtag(etag) || onServer.size !== size) continue;
    if (size !== part.sizeBytes) continue;
    kept.set(partNumber, onServer.etag);
  }
  return kept;
}
