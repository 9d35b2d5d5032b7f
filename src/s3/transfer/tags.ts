// Object tags across a copy (issue 14 §1): the source's tags go with the object as the write's
// `x-amz-tagging` header. A GET answer says how many tags the object has (x-amz-tagging-count,
// absent when none), so an untagged object costs nothing; a HEAD does not, so the multipart paths
// ask GetObjectTagging once per object. A server without tagging, at either end, loses the tags
// with one warning per run (the copy itself goes on), never a failure per object; tags refused
// otherwise after a multipart copy fail that copy, and its untagged object is deleted.
import { DeleteObjectCommand, GetObjectTaggingCommand, PutObjectTaggingCommand } from '../sdk.ts';
import { isS3FerryError, S3FerryError } from '../../shared/errors.ts';
import { callS3, callSigned } from './context.ts';
import type { SignedRequest } from '../signed-request.ts';
import { xmlText } from '../signed-request.ts';
import type { S3Target, TransferContext } from './context.ts';

/** Answers of a server that does not do object tagging (RGW without it, old MinIO, some gateways). */
const UNSUPPORTED = new Set([
  'NotImplemented',
  'MethodNotAllowed',
  'InvalidRequest',
  'InvalidArgument',
]);

/** Whether `error` says that its server does not do object tagging. */
function isTaggingUnsupported(error: S3FerryError): boolean {
  return UNSUPPORTED.has(error.code) || error.httpStatus === 501 || error.httpStatus === 405;
}

/** Tags as an `x-amz-tagging` value: `k=v&k2=v2`, each part URI-encoded as S3 expects. */
export function taggingHeader(tags: readonly { Key?: string; Value?: string }[]): string {
  return tags
    .filter((tag) => tag.Key !== undefined)
    .map((tag) => `${encodeURIComponent(tag.Key ?? '')}=${encodeURIComponent(tag.Value ?? '')}`)
    .join('&');
}

/** GetObjectTagging of `target` on the lean path. */
export function getTaggingRequest(target: { bucket: string; key: string }): SignedRequest {
  return {
    operation: 'GetObjectTagging',
    method: 'GET',
    bucket: target.bucket,
    key: target.key,
    query: { tagging: '' },
    headers: {},
  };
}

/** The TagSet of a GetObjectTagging answer, as the SDK reads it. */
export function tagSetOf(xml: string): { Key?: string; Value?: string }[] {
  const tags: { Key?: string; Value?: string }[] = [];
  for (const [, inner] of xml.matchAll(/<Tag>([\s\S]*?)<\/Tag>/g)) {
    const key = xmlText(inner ?? '', 'Key');
    const value = xmlText(inner ?? '', 'Value');
    tags.push({
      ...(key === undefined ? {} : { Key: key }),
      ...(value === undefined ? {} : { Value: value }),
    });
  }
  return tags;
}

/** The source's tags (lean path where the client allows it, else the SDK's command). */
async function getTagSet(
  ctx: TransferContext,
  src: S3Target,
): Promise<{ Key?: string; Value?: string }[]> {
  const sent = await callSigned(ctx, src, getTaggingRequest(src));
  if (sent !== undefined) return tagSetOf(sent.body.toString('utf8'));
  const got = await callS3(
    ctx,
    src,
    new GetObjectTaggingCommand({ Bucket: src.bucket, Key: src.key }),
  );
  return got.TagSet ?? [];
}

/**
 * The source's tags as an `x-amz-tagging` value, or undefined when it has none, the task does
 * not carry tags (`--no-tags`, or no S3 source), or the server cannot say (then one warning).
 * @param tagCount the GET answer's x-amz-tagging-count (0 when absent); undefined: not known
 *   (a HEAD answer), ask.
 */
export async function sourceTagging(
  ctx: TransferContext,
  src: S3Target,
  tagCount: number | undefined,
): Promise<string | undefined> {
  if (ctx.copyTags !== true || tagCount === 0) return undefined;
  try {
    const header = taggingHeader(await getTagSet(ctx, src));
    return header === '' ? undefined : header;
  } catch (error) {
    if (!isS3FerryError(error) || !isTaggingUnsupported(error)) throw error;
    ctx.warn?.(
      `object tags are not copied from bucket ${src.bucket}: its server does not support ` +
        `object tagging (${error.code}); --no-tags leaves tags out without this warning`,
    );
    return undefined;
  }
}

/** The x-amz-tagging-count of a raw answer's headers (0 when absent). */
export function tagCountOf(headers: Record<string, string>): number {
  const count = Number(headers['x-amz-tagging-count'] ?? '0');
  return Number.isFinite(count) ? count : 0;
}

/**
 * Sets `tagging` (an x-amz-tagging value) on a completed multipart object. The create request
 * carries the tags too, but Ceph RGW 16 ignores them there, so a multipart copy sets them again
 * once the object exists (one request per multipart object). A destination without tagging
 * keeps the object untagged, with one warning per run.
 * @throws the PutObjectTagging's error, once the untagged object is deleted: the next run's
 *   listing could not tell it from a whole copy, and copies it again only when it is gone (the
 *   aws CLI deletes it too).
 */
export async function tagCompletedObject(
  ctx: TransferContext,
  dst: S3Target,
  tagging: string | undefined,
): Promise<void> {
  if (tagging === undefined) return;
  const tagSet = [...new URLSearchParams(tagging)].map(([Key, Value]) => ({ Key, Value }));
  try {
    await callS3(
      ctx,
      dst,
      new PutObjectTaggingCommand({
        Bucket: dst.bucket,
        Key: dst.key,
        Tagging: { TagSet: tagSet },
      }),
    );
  } catch (error) {
    if (!isS3FerryError(error)) throw error;
    if (isTaggingUnsupported(error)) {
      ctx.warn?.(
        `object tags are not set in bucket ${dst.bucket}: its server does not support object ` +
          `tagging (${error.code}); --no-tags leaves tags out without this warning`,
      );
      return;
    }
    throw await deleteUntagged(ctx, dst, error);
  }
}

/** Deletes the object whose tags could not be set; the error to fail its copy with. */
async function deleteUntagged(
  ctx: TransferContext,
  dst: S3Target,
  error: S3FerryError,
): Promise<S3FerryError> {
  let outcome = 'the copy was deleted, so the next run copies it again';
  try {
    await callS3(ctx, dst, new DeleteObjectCommand({ Bucket: dst.bucket, Key: dst.key }));
  } catch (deleteError) {
    const code = isS3FerryError(deleteError) ? deleteError.code : String(deleteError);
    outcome = `the untagged copy could not be deleted either (${code}): the next run takes it for a whole copy unless it is deleted`;
  }
  // Not retryable: the requests were retried already, and the budgets do not multiply.
  return new S3FerryError(
    error.kind,
    error.code,
    `${error.message} (setting the object's tags after its copy; ${outcome})`,
    {
      hint: error.hint,
      httpStatus: error.httpStatus,
      url: error.url,
      profile: error.profile,
      endpoint: error.endpoint,
      fatal: error.fatal,
      retryable: false,
    },
    { cause: error },
  );
}
