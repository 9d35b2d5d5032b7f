// The requests of a multipart upload — CreateMultipartUpload, CompleteMultipartUpload,
// AbortMultipartUpload — sent on the lean path (signed-request.ts) where the client allows it,
// else as the SDK's commands. The lean requests are built as the SDK's commands build them (test/
// unit/signed-request-drift.test.ts compares them), and their answers read as the SDK reads them:
// a server-side multipart copy then never loads the SDK. What a lost answer means for each is
// multipart.ts's and lost-answers.ts's business, the same for both paths.
import type { CreateMultipartUploadCommandInput } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
} from '../sdk.ts';
import type { SignedRequest } from '../signed-request.ts';
import { escapeXmlText, xmlText } from '../signed-request.ts';
import { callS3, callSigned } from './context.ts';
import type { CallS3Options, S3Target, TransferContext } from './context.ts';
import { fieldsAsHeaders } from './object-headers.ts';

type Target = { bucket: string; key: string };

/**
 * CreateMultipartUpload with `fields` (content type, metadata, tagging…) as headers, or undefined
 * when a field is not one the lean path knows how to send (the caller sends the SDK's command).
 */
export function createUploadRequest(
  dst: Target,
  fields: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>,
): SignedRequest | undefined {
  const headers = fieldsAsHeaders(fields);
  if (headers === undefined) return undefined;
  return {
    operation: 'CreateMultipartUpload',
    method: 'POST',
    bucket: dst.bucket,
    key: dst.key,
    query: { uploads: '' },
    headers,
  };
}

/** The upload id of a CreateMultipartUpload answer (undefined when it has none). */
export function uploadIdOf(body: Buffer): string | undefined {
  return xmlText(body.toString('utf8'), 'UploadId');
}

/** CompleteMultipartUpload of `parts` (ETags as the parts' answers gave them), in order. */
export function completeUploadRequest(
  dst: Target,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): SignedRequest {
  const xml = parts
    .map(
      (p) =>
        `<Part><ETag>${escapeXmlText(p.etag)}</ETag><PartNumber>${p.partNumber}</PartNumber></Part>`,
    )
    .join('');
  return {
    operation: 'CompleteMultipartUpload',
    method: 'POST',
    bucket: dst.bucket,
    key: dst.key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml' },
    body: Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${xml}</CompleteMultipartUpload>`,
    ),
  };
}

/** AbortMultipartUpload of `uploadId`. */
export function abortUploadRequest(dst: Target, uploadId: string): SignedRequest {
  return {
    operation: 'AbortMultipartUpload',
    method: 'DELETE',
    bucket: dst.bucket,
    key: dst.key,
    query: { uploadId },
    headers: {},
  };
}

/** CreateMultipartUpload of `dst` with `fields`; its upload id (undefined when the answer has none). */
export async function sendCreate(
  ctx: TransferContext,
  dst: S3Target,
  fields: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>,
): Promise<string | undefined> {
  const request = createUploadRequest(dst, fields);
  const sent = request === undefined ? undefined : await callSigned(ctx, dst, request);
  if (sent !== undefined) return uploadIdOf(sent.body);
  const created = await callS3(
    ctx,
    dst,
    new CreateMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, ...fields }),
  );
  return created.UploadId;
}

/** CompleteMultipartUpload of `uploadId` with `parts`. */
export async function sendComplete(
  ctx: TransferContext,
  dst: S3Target,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<void> {
  const sent = await callSigned(ctx, dst, completeUploadRequest(dst, uploadId, parts));
  if (sent !== undefined) return;
  await callS3(
    ctx,
    dst,
    new CompleteMultipartUploadCommand({
      Bucket: dst.bucket,
      Key: dst.key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
      },
    }),
  );
}

/** AbortMultipartUpload of `uploadId`. */
export async function sendAbort(
  ctx: TransferContext,
  dst: S3Target,
  uploadId: string,
  options: Pick<CallS3Options, 'signal'> = {},
): Promise<void> {
  const sent = await callSigned(ctx, dst, abortUploadRequest(dst, uploadId), options);
  if (sent !== undefined) return;
  await callS3(
    ctx,
    dst,
    new AbortMultipartUploadCommand({ Bucket: dst.bucket, Key: dst.key, UploadId: uploadId }),
    options,
  );
}
