// Server-side copies (same endpoint and credentials): CopyObject, or CreateMultipartUpload +
// UploadPartCopy in parallel + Complete at/above the threshold and always above 5 GiB.
import { CopyObjectCommand, HeadObjectCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import type { CopyTask } from '../../shared/protocol.ts';
import { callS3, callSigned, encodeCopySource } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import { preservedHeaders } from './headers.ts';
import { runMultipartUpload } from './multipart.ts';
import { byteRange, choosePartSize, partRanges, usesMultipart } from '../../plan/parts.ts';

/**
 * Copies `src` to `dst` inside one S3 service. Content type and user metadata are kept
 * (MetadataDirective COPY; on the multipart path from a HEAD of the source).
 * @returns bytes copied
 */
export async function serverSideCopy(
  ctx: TransferContext,
  task: CopyTask,
  src: S3Target,
  dst: S3Target,
): Promise<number> {
  const copySource = encodeCopySource(src.bucket, src.key);
  const copyWhole = async (sizeBytes: number): Promise<number> => {
    const sent = await callSigned(ctx, dst, {
      operation: 'CopyObject',
      method: 'PUT',
      bucket: dst.bucket,
      key: dst.key,
      headers: { 'x-amz-copy-source': copySource, 'x-amz-metadata-directive': 'COPY' },
    });
    if (sent !== undefined) {
      ctx.onBytes(sizeBytes);
      return sizeBytes;
    }
    await callS3(
      ctx,
      dst,
      new CopyObjectCommand({
        Bucket: dst.bucket,
        Key: dst.key,
        CopySource: copySource,
        MetadataDirective: 'COPY',
      }),
    );
    ctx.onBytes(sizeBytes);
    return sizeBytes;
  };
  const isSingle = (sizeBytes: number): boolean =>
    !usesMultipart(sizeBytes, task.multipartThresholdBytes);
  if (isSingle(task.sizeBytes)) return copyWhole(task.sizeBytes);

  // The multipart path needs what CopyObject would carry over by itself, and the current size.
  const head = await callS3(ctx, src, new HeadObjectCommand({ Bucket: src.bucket, Key: src.key }));
  const sizeBytes = head.ContentLength ?? task.sizeBytes;
  // The object may have shrunk below the threshold since it was listed.
  if (isSingle(sizeBytes)) return copyWhole(sizeBytes);
  await runMultipartUpload(ctx, {
    dst,
    create: preservedHeaders(head),
    parts: partRanges(sizeBytes, choosePartSize(sizeBytes, task.partSizeBytes)),
    partConcurrency: task.partConcurrency,
    resume: task.resumeUpload,
    async sendPart(part, uploadId, signal) {
      const out = await callS3(
        ctx,
        dst,
        new UploadPartCopyCommand({
          Bucket: dst.bucket,
          Key: dst.key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          CopySource: copySource,
          CopySourceRange: byteRange(part),
          // Every part from the same version of the source (ignored by RGW 16).
          ...(head.ETag === undefined ? {} : { CopySourceIfMatch: head.ETag }),
        }),
        { signal },
      );
      ctx.onBytes(part.sizeBytes);
      return out.CopyPartResult?.ETag;
    },
  });
  return sizeBytes;
}
