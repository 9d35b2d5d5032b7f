// Streamed copies between different endpoints or credentials: GET → PutObject, or HEAD +
// ranged GETs → UploadPart (`partConcurrency` in flight) for large objects. Nothing is buffered
// whole: each GET body flows into its upload with a known Content-Length, so memory stays around
// partConcurrency × the sockets' buffers, whatever the object size.
import { writeFields } from './object-headers.ts';
import { DeleteObjectCommand, GetObjectCommand } from '../sdk.ts';
import { headObject } from './head.ts';
import { S3FerryError, isS3FerryError } from '../../shared/errors.ts';
import type { CopyTask } from '../../shared/protocol.ts';
import { asReadable, putObjectFromStream, uploadPartFromStream } from './body.ts';
import { callS3, markUnverified, retryBudget, s3ErrorAt, withRetries } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import { preservedHeaders } from './headers.ts';
import { runMultipartUpload } from './multipart.ts';
import { SMALL_OBJECT_MAX_BYTES, copySmallObject } from './small-object.ts';
import { pinnedRequestError } from './source-changed.ts';
import { sourceTagging, tagCompletedObject } from './tags.ts';
import { sourceLayout } from './source-layout.ts';
import {
  RunningMd5,
  checkRangeAnswer,
  checksumMismatch,
  contentMd5Of,
  isDigestRefusal,
  judgeParts,
  malformedBody,
  sourceMd5Of,
} from './verify.ts';
import { compositeEtag } from '../etag.ts';
import { byteRange, partRanges, usesMultipart } from '../../plan/parts.ts';

function lengthMismatch(src: S3Target, expected: number, got: number | undefined): S3FerryError {
  return new S3FerryError(
    'client',
    'SourceChanged',
    `s3://${src.bucket}/${src.key} answered ${got ?? 'no'} bytes where ${expected} were expected`,
    { retryable: false, hint: 'the source object changed during the copy; run the sync again' },
  );
}

/**
 * Copies `src` to `dst` by streaming it through this process. Content type and user metadata
 * come from the source's GET (or HEAD, for multipart) answer. A failed stream is retried with a
 * fresh GET, within the profiles' retry budget.
 * @returns bytes copied
 */
export async function streamCopy(
  ctx: TransferContext,
  task: CopyTask,
  src: S3Target,
  dst: S3Target,
): Promise<number> {
  const budget = retryBudget(ctx, [src.profile, dst.profile]);
  if (!usesMultipart(task.sizeBytes, task.multipartThresholdBytes)) {
    return withRetries(ctx, budget, async (attempt) => {
      if (task.sizeBytes <= SMALL_OBJECT_MAX_BYTES) {
        const copied = await copySmallObject(ctx, src, dst, attempt.onBytes);
        if (copied !== undefined) return copied;
      }
      const got = await callS3(
        ctx,
        src,
        new GetObjectCommand({ Bucket: src.bucket, Key: src.key }),
      );
      const body = asReadable(got.Body, `GET s3://${src.bucket}/${src.key}`);
      const sizeBytes = got.ContentLength;
      if (sizeBytes === undefined) {
        body.destroy();
        throw lengthMismatch(src, task.sizeBytes, undefined);
      }
      // The source's MD5 as the PUT's Content-MD5: the server refuses bytes changed on the way.
      const expected = sourceMd5Of(got);
      if (expected === undefined) markUnverified(ctx);
      let tagging: string | undefined;
      try {
        tagging = await sourceTagging(ctx, src, got.TagCount ?? 0);
      } catch (error) {
        body.destroy();
        throw error;
      }
      let put: Awaited<ReturnType<typeof putObjectFromStream>>;
      try {
        put = await putObjectFromStream(
          ctx,
          dst,
          {
            sizeBytes,
            headers: {
              ...writeFields(ctx.objectSettings, preservedHeaders(got)),
              ...(expected === undefined ? {} : { ContentMD5: contentMd5Of(expected) }),
              ...(tagging === undefined ? {} : { Tagging: tagging }),
            },
          },
          {
            source: body,
            onBytes: attempt.onBytes,
            signal: ctx.signal,
            sourceError: (error) => s3ErrorAt(ctx, src, error),
            expectedBytes: sizeBytes,
            malformed: (detail) => malformedBody(src, detail),
          },
        );
      } catch (error) {
        if (expected !== undefined && isDigestRefusal(error)) {
          throw checksumMismatch(src, `the destination refused them against ETag ${expected}`);
        }
        throw error;
      }
      // A server that ignores Content-MD5 (moto) stored whatever arrived: its ETag tells.
      const stored = sourceMd5Of(put);
      if (expected !== undefined && stored !== undefined && stored !== expected) {
        await callS3(ctx, dst, new DeleteObjectCommand({ Bucket: dst.bucket, Key: dst.key }));
        throw checksumMismatch(src, `the destination stored MD5 ${stored}, ETag ${expected}`);
      }
      return sizeBytes;
    });
  }

  const head = await headObject(ctx, src);
  const sizeBytes = head.ContentLength ?? task.sizeBytes;
  // Parts travel in parallel, so no MD5 of the whole passes through here: a multipart source is
  // read (and uploaded) on its own part boundaries where they can be known, and the parts' MD5s
  // checked against its composite ETag before Complete (source-layout.ts).
  const layout = await sourceLayout(ctx, src, head, sizeBytes, task.partSizeBytes);
  const { check } = layout;
  if (check.kind !== 'composite') markUnverified(ctx);
  const parts = partRanges(sizeBytes, layout.partSizeBytes);
  const tagging = await sourceTagging(ctx, src, undefined);
  let previous: Buffer[] | undefined;
  for (let round = 0; ; round += 1) {
    const digests: Buffer[] = new Array<Buffer>(parts.length);
    let moved = 0;
    const roundCtx: TransferContext = {
      ...ctx,
      onBytes: (delta) => {
        moved += delta;
        ctx.onBytes(delta);
      },
    };
    try {
      await runMultipartUpload(roundCtx, {
        dst,
        create: {
          ...writeFields(ctx.objectSettings, preservedHeaders(head)),
          ...(tagging === undefined ? {} : { Tagging: tagging }),
        },
        parts,
        partConcurrency: task.partConcurrency,
        // A recorded upload is continued in the first round only (a later one starts afresh).
        resume: round === 0 ? task.resumeUpload : undefined,
        onKeptPart: (part, etag) => {
          // A kept part's ETag is the MD5 of its bytes as stored (no SSE on an upload we made
          // with plain PUTs): it stands in for the digest of bytes not read again.
          if (/^[0-9a-f]{32}$/.test(etag)) digests[part.partNumber - 1] = Buffer.from(etag, 'hex');
          else markUnverified(ctx);
        },
        sendPart: (part, uploadId, partSignal) =>
          withRetries(
            roundCtx,
            budget,
            async (attempt) => {
              const got = await callS3(
                ctx,
                src,
                new GetObjectCommand({
                  Bucket: src.bucket,
                  Key: src.key,
                  Range: byteRange(part),
                  // Every part from the same version of the source.
                  ...(head.ETag === undefined ? {} : { IfMatch: head.ETag }),
                }),
                { signal: partSignal },
              ).catch((error: unknown) => {
                throw head.ETag === undefined ? error : pinnedRequestError(error, src, head.ETag);
              });
              const body = asReadable(got.Body, `GET s3://${src.bucket}/${src.key}`);
              try {
                checkRangeAnswer(src, part, sizeBytes, got);
              } catch (error) {
                body.destroy();
                throw error;
              }
              const md5 = new RunningMd5();
              const etag = await uploadPartFromStream(
                ctx,
                dst,
                { uploadId, part },
                {
                  source: body,
                  onBytes: attempt.onBytes,
                  signal: partSignal,
                  sourceError: (error) => s3ErrorAt(ctx, src, error),
                  expectedBytes: part.sizeBytes,
                  malformed: (detail) => malformedBody(src, detail),
                  ...(check.kind === 'composite' ? { md5 } : {}),
                },
              );
              if (check.kind === 'composite') digests[part.partNumber - 1] = md5.digest();
              return etag;
            },
            partSignal,
          ),
        beforeComplete: () => {
          if (check.kind !== 'composite') return;
          const verdict = judgeParts(check, digests, previous);
          previous = digests;
          if (verdict === 'unverified') markUnverified(ctx);
          if (verdict === 'mismatch') {
            throw checksumMismatch(
              src,
              `the parts' composite MD5 ${compositeEtag(digests)}, ETag ${check.etag}`,
            );
          }
        },
      });
      await tagCompletedObject(ctx, dst, tagging);
      return sizeBytes;
    } catch (error) {
      const isMismatch = isS3FerryError(error) && error.code === 'ChecksumMismatch';
      if (!isMismatch || round >= budget || ctx.signal.aborted) throw error;
      // The whole object again with fresh reads, in a new upload (this one was aborted).
      ctx.onBytes(-moved);
    }
  }
}
