// HEAD of one object inside a copy: the version a multipart copy pins its parts to, the headers it
// carries over, and the check of what a Complete whose answer was lost has stored. Sent on the
// lean path (signed-request.ts) where the client allows it, else as the SDK's HeadObjectCommand;
// both give the same fields (test/unit/lean-answers-drift.test.ts reads one answer both ways).
import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { HeadObjectCommand } from '../sdk.ts';
import type { SignedRequest } from '../signed-request.ts';
import { callS3, callSigned } from './context.ts';
import type { CallS3Options, S3Target, TransferContext } from './context.ts';

/** What a copy reads of a HEAD answer. */
export type ObjectHead = Pick<
  HeadObjectCommandOutput,
  | 'ContentLength'
  | 'ETag'
  | 'LastModified'
  | 'VersionId'
  | 'ContentType'
  | 'CacheControl'
  | 'ContentDisposition'
  | 'ContentEncoding'
  | 'ContentLanguage'
  | 'Metadata'
  | 'ServerSideEncryption'
  | 'SSECustomerAlgorithm'
>;

/** The string fields of {@link ObjectHead} and the headers the SDK reads them from. */
const HEADER_FIELDS = [
  ['ETag', 'etag'],
  ['VersionId', 'x-amz-version-id'],
  ['ContentType', 'content-type'],
  ['CacheControl', 'cache-control'],
  ['ContentDisposition', 'content-disposition'],
  ['ContentEncoding', 'content-encoding'],
  ['ContentLanguage', 'content-language'],
  ['ServerSideEncryption', 'x-amz-server-side-encryption'],
  ['SSECustomerAlgorithm', 'x-amz-server-side-encryption-customer-algorithm'],
] as const;

/** HeadObject of `target` on the lean path. */
export function headObjectRequest(target: { bucket: string; key: string }): SignedRequest {
  return {
    operation: 'HeadObject',
    method: 'HEAD',
    bucket: target.bucket,
    key: target.key,
    headers: {},
  };
}

/**
 * A HEAD answer's headers (lower-case names) as the SDK's HeadObject output: Content-Length as
 * a number, Last-Modified as a Date (left out when either does not parse, where the SDK would
 * fail the request), every `x-amz-meta-*` in Metadata (always present, as the SDK's).
 */
export function objectHeadOf(headers: Record<string, string>): ObjectHead {
  const head: ObjectHead = { Metadata: {} };
  for (const [field, header] of HEADER_FIELDS) {
    const value = headers[header];
    if (value !== undefined) head[field] = value as never;
  }
  const length = headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) head.ContentLength = Number(length);
  const modified = headers['last-modified'];
  if (modified !== undefined) {
    const date = new Date(modified);
    if (!Number.isNaN(date.getTime())) head.LastModified = date;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-'))
      (head.Metadata as Record<string, string>)[name.slice(11)] = value;
  }
  return head;
}

/** HEADs `at`: on the lean path where the client can take it, else with the SDK's command. */
export async function headObject(
  ctx: TransferContext,
  at: S3Target,
  options: Pick<CallS3Options, 'signal'> = {},
): Promise<ObjectHead> {
  const sent = await callSigned(ctx, at, headObjectRequest(at), options);
  if (sent !== undefined) return objectHeadOf(sent.headers);
  return callS3(ctx, at, new HeadObjectCommand({ Bucket: at.bucket, Key: at.key }), options);
}
