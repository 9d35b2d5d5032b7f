// A streamed GET of one object, for `cat`: the body is handed out as a Node stream that never
// holds the object in memory, and a failure mid-body arrives as a classified S3FerryError.
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from './sdk.ts';
import type { S3Api } from './sdk.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { RequestCounter, sendCounted } from './request-counter.ts';

/** Options of {@link getS3ObjectStream}. */
export type GetS3ObjectOptions = {
  bucket: string;
  key: string;
  counts?: RequestCounts;
  signal?: AbortSignal;
};

/**
 * Starts a GET and returns its body once the server has answered (so a missing key or bucket
 * throws here, before any byte is written anywhere). Destroying the returned stream releases
 * the connection.
 * @throws S3FerryError from {@link classifyS3Error} (NoSuchKey, NoSuchBucket, AccessDenied…).
 */
export async function getS3ObjectStream(
  client: S3Api,
  spec: ProfileSpec,
  options: GetS3ObjectOptions,
): Promise<{ body: Readable; sizeBytes: number }> {
  const { bucket, key } = options;
  const counter = new RequestCounter();
  const context = { spec, bucket, key };
  try {
    const output = await sendCounted(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      options.signal === undefined ? { counter } : { counter, signal: options.signal },
    );
    const body = output.Body as Readable | undefined;
    if (body === undefined || typeof body.pipe !== 'function') {
      throw new S3FerryError('internal', 'NoBody', `GET ${key}: the response has no body stream`);
    }
    // pipe() does not forward errors: translate a failing body (reset, timeout) into the one
    // error vocabulary, and free the socket when the reader goes away (EPIPE, Ctrl-C).
    const out = new PassThrough();
    body.on('error', (error) => {
      out.destroy(classifyS3Error(error, context));
    });
    out.on('close', () => {
      if (!body.destroyed) body.destroy();
    });
    body.pipe(out);
    return { body: out, sizeBytes: output.ContentLength ?? 0 };
  } catch (error) {
    throw classifyS3Error(error, context);
  } finally {
    if (options.counts !== undefined) {
      for (const [operation, n] of Object.entries(counter.snapshot())) {
        options.counts[operation] = (options.counts[operation] ?? 0) + n;
      }
    }
  }
}
