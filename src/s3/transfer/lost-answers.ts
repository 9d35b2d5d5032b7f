// Lost answers of the two multipart requests that are not idempotent. The server may act on a
// request whose answer never arrives (a reset, a cut or truncated answer, a timeout), and the SDK
// then sends it again:
// - CreateMultipartUpload: each attempt the server received made an upload, and only the last
//   one's id is known. The others would stay on the server (and be billed) for ever. After a
//   Create that needed more than one attempt (or failed in a way the server may have acted on),
//   the uploads of the key that the task's attempts made are found with ListMultipartUploads and
//   aborted.
// - CompleteMultipartUpload: the retry finds the upload already completed (AWS answers
//   NoSuchUpload; RGW and moto answer 200 again). Before a failed Complete is believed — or the
//   upload aborted — the object is looked at: its size and the composite ETag its parts make
//   say whether it is this upload's.
//
// Which uploads are "ours"? ListMultipartUploads gives neither metadata nor tags (RGW, S3), only
// the key, the id and the Initiated time by the server's clock. So: the same key, another id,
// initiated between the first attempt and the answer. When the Create succeeded, that window is
// measured on the server's own clock, from our upload's Initiated (no clock skew): [Initiated −
// the time the attempts took − 2 s, Initiated + 2 s]. When it failed there is nothing to anchor
// to, and the window is this machine's [first attempt − 5 min, answer + 5 min] (the skew the
// checkpoint's sweep allows too). Another writer of the same key inside that window (a second
// sync of the same key at the same moment) would have its upload aborted: it fails, instead of
// two writers racing silently. A stalled attempt the server only acts on after the sweep is not
// seen: `s3ferry uploads --abort` or a lifecycle rule removes it.
import { ListMultipartUploadsCommand } from '../sdk.ts';
import { isS3FerryError } from '../../shared/errors.ts';
import { normalizeEtag } from '../etag.ts';
import { nextMarkersOf, uploadsOf } from '../uploads.ts';
import type { S3Upload, UploadMarkers } from '../uploads.ts';
import { callS3 } from './context.ts';
import { headObject } from './head.ts';
import { sendAbort } from './multipart-requests.ts';
import type { S3Target, TransferContext } from './context.ts';

/** Slack around our upload's Initiated: servers date uploads to the second or the millisecond. */
export const INITIATED_MARGIN_MS = 2_000;

/** How far the server's clock may be from ours, when no answer gives its time. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** When the task sent its first CreateMultipartUpload attempt and had its outcome (our clock). */
export type CreateTiming = { sentAtMs: number; answeredAtMs: number };

/** What is known of a CreateMultipartUpload that needed more than one attempt. */
export type LostCreate = {
  key: string;
  /** The id the last attempt returned; undefined when the Create failed. */
  uploadId?: string | undefined;
  timing: CreateTiming;
};

/**
 * Whether a failed CreateMultipartUpload may have created an upload: it was sent more than once,
 * or its one attempt got no answer from S3 (a network failure, a cancel, a 5xx). A 4xx answer is
 * the server refusing it.
 */
export function mayHaveCreated(error: unknown, attempts: number): boolean {
  if (attempts > 1) return true;
  const status = isS3FerryError(error) ? error.httpStatus : undefined;
  return status === undefined || status >= 500;
}

/**
 * The uploads among `uploads` that the task's lost attempts created (see the file's comment):
 * `lost.key` exactly, not `lost.uploadId`, initiated inside the window. Uploads the server does
 * not date are left alone.
 * @example lostCreates(listed, { key: 'a/b', uploadId: 'u2', timing }) // [{ uploadId: 'u1', … }]
 */
export function lostCreates(uploads: readonly S3Upload[], lost: LostCreate): S3Upload[] {
  const { timing } = lost;
  const ours =
    lost.uploadId === undefined
      ? undefined
      : uploads.find((u) => u.key === lost.key && u.uploadId === lost.uploadId);
  const anchor = ours?.initiatedMs;
  const tookMs = Math.max(0, timing.answeredAtMs - timing.sentAtMs);
  const window =
    anchor === undefined
      ? { fromMs: timing.sentAtMs - CLOCK_SKEW_MS, toMs: timing.answeredAtMs + CLOCK_SKEW_MS }
      : { fromMs: anchor - tookMs - INITIATED_MARGIN_MS, toMs: anchor + INITIATED_MARGIN_MS };
  return uploads.filter(
    (u) =>
      u.key === lost.key &&
      u.uploadId !== lost.uploadId &&
      u.initiatedMs !== undefined &&
      u.initiatedMs >= window.fromMs &&
      u.initiatedMs <= window.toMs,
  );
}

/**
 * Finds and aborts the uploads of `dst.key` that `lost`'s attempts created. Runs to its end after
 * a cancel (no signal), as aborting the task's own upload does.
 * @returns how many were aborted (already gone ones included)
 * @throws S3FerryError when the uploads cannot be listed or one cannot be aborted
 */
export async function abortLostCreates(
  ctx: TransferContext,
  dst: S3Target,
  lost: LostCreate,
): Promise<number> {
  const ofKey: S3Upload[] = [];
  let markers: UploadMarkers | undefined;
  do {
    const page = await callS3(
      ctx,
      dst,
      new ListMultipartUploadsCommand({
        Bucket: dst.bucket,
        Prefix: dst.key,
        KeyMarker: markers?.keyMarker,
        UploadIdMarker: markers?.uploadIdMarker,
      }),
      { signal: undefined },
    );
    const listed = uploadsOf(page);
    // The prefix also lists longer keys (`a/b` lists `a/bc`): only this key's are candidates.
    ofKey.push(...listed.filter((u) => u.key === dst.key));
    markers = nextMarkersOf(page, listed, markers, {
      spec: { name: dst.profile },
      bucket: dst.bucket,
      prefix: dst.key,
    });
  } while (markers !== undefined);
  const orphans = lostCreates(ofKey, lost);
  for (const upload of orphans) {
    try {
      await sendAbort(ctx, dst, upload.uploadId, { signal: undefined });
    } catch (error) {
      if (!(isS3FerryError(error) && error.code === 'NoSuchUpload')) throw error;
    }
  }
  return orphans.length;
}

/** What a completed upload's object looks like: its size and the composite ETag of its parts. */
export type CompletedObject = { sizeBytes: number; etag: string };

/** Whether a HEAD answer is the object `expected` describes (ETags compared bare, any case). */
export function isCompletedObject(
  head: { ContentLength?: number | undefined; ETag?: string | undefined },
  expected: CompletedObject,
): boolean {
  return (
    head.ContentLength === expected.sizeBytes &&
    normalizeEtag(head.ETag)?.toLowerCase() === expected.etag.toLowerCase()
  );
}

/**
 * Whether `dst` now holds the object this upload's Complete makes (a HEAD; no signal, so it is
 * asked after a cancel too). Any failure of the HEAD means "not known to be": false.
 */
export async function isCompletedAt(
  ctx: TransferContext,
  dst: S3Target,
  expected: CompletedObject | undefined,
): Promise<boolean> {
  if (expected === undefined) return false;
  try {
    const head = await headObject(ctx, dst, { signal: undefined });
    return isCompletedObject(head, expected);
  } catch {
    return false;
  }
}
