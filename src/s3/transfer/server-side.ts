// Server-side copies (same endpoint and credentials): CopyObject, or CreateMultipartUpload +
// UploadPartCopy in parallel + Complete at/above the threshold and always above 5 GiB. Every part
// is copied from the version the first HEAD saw: x-amz-copy-source-if-match where the server
// honours it (AWS), and a second HEAD before Complete where it does not (RGW 16, moto).
import { writeFields, writeHeaders } from './object-headers.ts';
import { overridesHeaders } from '../../shared/object-settings.ts';
import { CopyObjectCommand, UploadPartCopyCommand } from '../sdk.ts';
import type { CopyTask } from '../../shared/protocol.ts';
import { callS3, callSigned, encodeCopySource } from './context.ts';
import type { SignedRequest } from '../signed-request.ts';
import { xmlText } from '../signed-request.ts';
import type { S3Target, TransferContext } from './context.ts';
import { headObject } from './head.ts';
import type { ObjectHead } from './head.ts';
import { preservedHeaders } from './headers.ts';
import { runMultipartUpload } from './multipart.ts';
import { pinnedRequestError, sourceChanged, versionChange } from './source-changed.ts';
import { sourceTagging, tagCompletedObject } from './tags.ts';
import { byteRange, choosePartSize, partRanges, usesMultipart } from '../../plan/parts.ts';
import type { PartRange } from '../../plan/parts.ts';

/**
 * The lean path's UploadPartCopy (signed-request.ts): the SDK command's request, headers and
 * query, built here so test/unit/signed-request-drift.test.ts compares it with the SDK's.
 */
export function uploadPartCopyRequest(
  dst: { bucket: string; key: string },
  copySource: string,
  part: PartRange,
  uploadId: string,
  ifMatch: string | undefined,
): SignedRequest {
  return {
    operation: 'UploadPartCopy',
    method: 'PUT',
    bucket: dst.bucket,
    key: dst.key,
    query: { partNumber: String(part.partNumber), uploadId },
    headers: {
      'x-amz-copy-source': copySource,
      'x-amz-copy-source-range': byteRange(part),
      ...(ifMatch === undefined ? {} : { 'x-amz-copy-source-if-match': ifMatch }),
    },
  };
}

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
  const settings = ctx.objectSettings;
  const headSource = () => headObject(ctx, src);
  // Headers set by the run replace what COPY would carry: the source's are read, then merged.
  const copyReplacing = async (sizeBytes: number, head: ObjectHead) => {
    await callS3(
      ctx,
      dst,
      new CopyObjectCommand({
        Bucket: dst.bucket,
        Key: dst.key,
        CopySource: copySource,
        // The headers merged are those of this version of the source.
        ...(head.ETag === undefined ? {} : { CopySourceIfMatch: head.ETag }),
        MetadataDirective: 'REPLACE',
        ...writeFields(settings, preservedHeaders(head)),
        ...(ctx.copyTags === true ? {} : { TaggingDirective: 'REPLACE' as const }),
      }),
    );
    // The bytes of the version copied (the HEAD's), not the listing's.
    const copied = head.ContentLength ?? sizeBytes;
    ctx.onBytes(copied);
    return copied;
  };
  const copyWhole = async (sizeBytes: number, head?: ObjectHead): Promise<number> => {
    if (overridesHeaders(settings)) return copyReplacing(sizeBytes, head ?? (await headSource()));
    const sent = await callSigned(ctx, dst, {
      operation: 'CopyObject',
      method: 'PUT',
      bucket: dst.bucket,
      key: dst.key,
      headers: writeHeaders(settings, {
        'x-amz-copy-source': copySource,
        'x-amz-metadata-directive': 'COPY',
        // CopyObject carries the tags by itself (COPY is the default); --no-tags drops them.
        ...(ctx.copyTags === true ? {} : { 'x-amz-tagging-directive': 'REPLACE' }),
      }),
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
        ...writeFields(settings, {}),
        ...(ctx.copyTags === true ? {} : { TaggingDirective: 'REPLACE' as const }),
      }),
    );
    ctx.onBytes(sizeBytes);
    return sizeBytes;
  };
  const isSingle = (sizeBytes: number): boolean =>
    !usesMultipart(sizeBytes, task.multipartThresholdBytes);
  if (isSingle(task.sizeBytes)) return copyWhole(task.sizeBytes);

  // The multipart path needs what CopyObject would carry over by itself, and the current size.
  const head = await headSource();
  const sizeBytes = head.ContentLength ?? task.sizeBytes;
  // The object may have shrunk below the threshold since it was listed.
  if (isSingle(sizeBytes)) return copyWhole(sizeBytes, head);
  // UploadPartCopy carries no tags: the upload is created with the source's.
  const tagging = await sourceTagging(ctx, src, undefined);
  await runMultipartUpload(ctx, {
    dst,
    create: {
      ...writeFields(ctx.objectSettings, preservedHeaders(head)),
      ...(tagging === undefined ? {} : { Tagging: tagging }),
    },
    parts: partRanges(sizeBytes, choosePartSize(sizeBytes, task.partSizeBytes)),
    partConcurrency: task.partConcurrency,
    resume: task.resumeUpload,
    async sendPart(part, uploadId, signal) {
      let etag;
      try {
        // Every part from the same version of the source (if-match: ignored by RGW 16 and moto).
        const request = uploadPartCopyRequest(dst, copySource, part, uploadId, head.ETag);
        const sent = await callSigned(ctx, dst, request, { signal });
        if (sent !== undefined) etag = xmlText(sent.body.toString('utf8'), 'ETag');
        else {
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
              ...(head.ETag === undefined ? {} : { CopySourceIfMatch: head.ETag }),
            }),
            { signal },
          );
          etag = out.CopyPartResult?.ETag;
        }
      } catch (error) {
        throw head.ETag === undefined ? error : pinnedRequestError(error, src, head.ETag);
      }
      ctx.onBytes(part.sizeBytes);
      return etag;
    },
    // A server that ignores the copy-source condition copies whatever the source is when each
    // part is copied: the source, HEADed again once every part is stored, must still be the
    // version the first HEAD saw, or the parts may come from two versions.
    async beforeComplete() {
      const now = await headSource();
      const change = versionChange(head, now);
      if (change !== undefined) throw sourceChanged(src, change);
    },
  });
  await tagCompletedObject(ctx, dst, tagging);
  return sizeBytes;
}
