// Sends a request whose body is a stream from elsewhere (a GET body, a file), counting bytes as
// they flow. A failing source aborts the request: the SDK pipes the body without propagating
// source errors, so the upload would otherwise hang until the socket times out.
import { Readable, Transform, pipeline } from 'node:stream';
import { PutObjectCommand, UploadPartCommand } from '../sdk.ts';
import type { PutObjectCommandOutput } from '@aws-sdk/client-s3';
import { S3FerryError } from '../../shared/errors.ts';
import { callS3 } from './context.ts';
import type { S3Target, TransferContext } from './context.ts';
import type { PreservedHeaders } from './headers.ts';
import type { PartRange } from '../../plan/parts.ts';

/** Options of {@link sendStreamBody}. */
export type StreamBodyOptions<T> = {
  source: Readable;
  /** Called with each chunk's size as it is read from the source. */
  onBytes: (delta: number) => void;
  /** Aborts the request (task cancel, or a sibling part failed). */
  signal: AbortSignal;
  /** Sends the request with this body and request signal. */
  send(body: Readable, signal: AbortSignal): Promise<T>;
  /** Translates a source failure (network error of a GET body, file read error). */
  sourceError(error: unknown): S3FerryError;
  /**
   * The source's length as its answer states it (a GET's Content-Length): a body that ends
   * before it or runs past it fails the request with `malformed(detail)`, before the last byte
   * is sent, so a short object is never stored.
   */
  expectedBytes?: number;
  /** Builds the error of a body whose length is not `expectedBytes`. */
  malformed?: (detail: string) => S3FerryError;
  /** Takes in every chunk as it passes (an MD5 of the bytes sent, no second read). */
  md5?: { update(chunk: Uint8Array): void };
  /** Books each chunk against --bwlimit before it goes on (TransferContext.pace). */
  pace?: TransferContext['pace'];
};

/**
 * Streams `source` into the request `send` makes, and reports the source's own error (not the
 * request's "aborted") when the source failed. Always releases the source.
 */
export async function sendStreamBody<T>(options: StreamBodyOptions<T>): Promise<T> {
  const { source } = options;
  const local = new AbortController();
  let failure: unknown;
  let settled = false;
  let passedBytes = 0;
  const { expectedBytes, md5 } = options;
  const wrongLength = (): Error => {
    const detail = `the body ran to ${passedBytes} bytes where its Content-Length is ${expectedBytes}`;
    return options.malformed?.(detail) ?? new Error(detail);
  };
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      passedBytes += chunk.length;
      if (expectedBytes !== undefined && passedBytes > expectedBytes) {
        done(wrongLength());
        return;
      }
      md5?.update(chunk);
      options.onBytes(chunk.length);
      const wait = options.pace?.(chunk.length, options.signal);
      if (wait === undefined) done(null, chunk);
      else
        wait.then(() => {
          done(null, chunk);
        }, done);
    },
    flush(done) {
      done(expectedBytes !== undefined && passedBytes !== expectedBytes ? wrongLength() : null);
    },
  });
  pipeline(source, counting, (error) => {
    // Node passes undefined (not null, as typed) on success.
    if (error && !settled) {
      failure = error;
      local.abort();
    }
  });
  try {
    return await options.send(counting, AbortSignal.any([options.signal, local.signal]));
  } catch (error) {
    if (failure !== undefined && !options.signal.aborted) throw options.sourceError(failure);
    throw error;
  } finally {
    settled = true;
    // A refused request leaves the source unread: free its socket or file descriptor.
    if (!source.destroyed) source.destroy();
    if (!counting.destroyed) counting.destroy();
  }
}

/** The Node stream of a GET body; anything else is a bug. */
export function asReadable(body: unknown, what: string): Readable {
  if (body instanceof Readable) return body;
  throw new S3FerryError(
    'internal',
    'UnexpectedBody',
    `${what}: the response body is not a stream`,
  );
}

/** Where the bytes of a streamed PutObject / UploadPart come from: {@link sendStreamBody} minus `send`. */
export type StreamSource = Omit<StreamBodyOptions<unknown>, 'send'>;

/**
 * Streams `source` into a PutObject of `dst` with the given Content-Length (`source` must yield
 * exactly that many bytes) and extra headers (content type, metadata…).
 * @returns the PUT's answer (its ETag)
 */
export async function putObjectFromStream(
  ctx: TransferContext,
  dst: S3Target,
  object: {
    sizeBytes: number;
    /** SDK fields of the PutObject: carried headers, object settings, Content-MD5, tags. */
    headers?: PreservedHeaders & Record<string, unknown>;
  },
  source: StreamSource,
): Promise<PutObjectCommandOutput> {
  return sendStreamBody({
    ...source,
    pace: ctx.pace,
    send: (body, signal) =>
      callS3(
        ctx,
        dst,
        new PutObjectCommand({
          Bucket: dst.bucket,
          Key: dst.key,
          Body: body,
          ContentLength: object.sizeBytes,
          ...object.headers,
        }),
        { streamingBody: true, signal },
      ),
  });
}

/**
 * Streams `source` into part `part` of multipart upload `uploadId` (`source` must yield exactly
 * `part.sizeBytes` bytes), for a `sendPart` of runMultipartUpload.
 * @returns the part's ETag as the server gave it
 */
export async function uploadPartFromStream(
  ctx: TransferContext,
  dst: S3Target,
  upload: { uploadId: string; part: PartRange },
  source: StreamSource,
): Promise<string | undefined> {
  const { uploadId, part } = upload;
  const out = await sendStreamBody({
    ...source,
    pace: ctx.pace,
    send: (body, signal) =>
      callS3(
        ctx,
        dst,
        new UploadPartCommand({
          Bucket: dst.bucket,
          Key: dst.key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          Body: body,
          ContentLength: part.sizeBytes,
        }),
        { streamingBody: true, signal },
      ),
  });
  return out.ETag;
}
