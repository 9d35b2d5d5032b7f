// The bucket list of a profile (`ls s3://`): ListBuckets, following continuation tokens where
// the server pages (AWS since 2024; older servers answer everything in one response). And
// `--create-bucket`: a destination bucket made when it is missing.
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand } from './sdk.ts';
import type { S3Api } from './sdk.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { classifyS3Error } from './classify.ts';
import { addCounts, RequestCounter, sendCounted } from './request-counter.ts';
import { canSendSigned, escapeXmlText, sendSigned } from './signed-request.ts';
import type { SignedRequest } from './signed-request.ts';

/** One bucket: its name and creation time (ms since the epoch, 0 when the server omits it). */
export type BucketEntry = { name: string; createdMs: number };

/**
 * Yields the buckets the profile's credentials own, one array per response.
 * @throws S3FerryError from {@link classifyS3Error} (bad credentials, AccessDenied…).
 */
export async function* listS3Buckets(
  client: S3Api,
  spec: ProfileSpec,
  options: { counts?: RequestCounts; signal?: AbortSignal } = {},
): AsyncGenerator<BucketEntry[], void, undefined> {
  let token: string | undefined;
  do {
    const counter = new RequestCounter();
    try {
      const page = await sendCounted(
        client,
        new ListBucketsCommand(token === undefined ? {} : { ContinuationToken: token }),
        options.signal === undefined ? { counter } : { counter, signal: options.signal },
      );
      yield (page.Buckets ?? []).map((b) => ({
        name: b.Name ?? '',
        createdMs: b.CreationDate?.getTime() ?? 0,
      }));
      token = page.ContinuationToken === '' ? undefined : page.ContinuationToken;
    } catch (error) {
      throw classifyS3Error(error, { spec });
    } finally {
      addCounts(options.counts, counter);
    }
  } while (token !== undefined);
}

/** HeadBucket on the lean path: its answer is a status (404 when the bucket does not exist). */
export function headBucketRequest(bucket: string): SignedRequest {
  return { operation: 'HeadBucket', method: 'HEAD', bucket, key: '', headers: {} };
}

/**
 * CreateBucket on the lean path: in `region` by a LocationConstraint, except in us-east-1 (S3's
 * default, which refuses to be named): there the request has no body, as the SDK's.
 */
export function createBucketRequest(bucket: string, region: string): SignedRequest {
  // The SDK names the XML content type also when there is no body.
  const headers = { 'content-type': 'application/xml' };
  if (region === 'us-east-1')
    return { operation: 'CreateBucket', method: 'PUT', bucket, key: '', headers };
  const body = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<LocationConstraint>${escapeXmlText(region)}</LocationConstraint></CreateBucketConfiguration>`,
  );
  return {
    operation: 'CreateBucket',
    method: 'PUT',
    bucket,
    key: '',
    headers,
    body,
  };
}

/**
 * Creates `bucket` unless it exists (HeadBucket first: one request when it does), in the
 * profile's region (a LocationConstraint unless the region is us-east-1, S3's default, which
 * refuses to be named). On the lean path where the client can take it: a run with
 * `--create-bucket` then does not load the SDK before its first request (~0.1 s of CPU).
 * @returns whether this call created it (false when it existed, or another client made it first)
 * @throws S3FerryError from {@link classifyS3Error} (AccessDenied, a name owned by someone else…).
 */
export async function ensureS3Bucket(
  client: S3Api,
  spec: ProfileSpec,
  options: { bucket: string; counts?: RequestCounts },
): Promise<boolean> {
  const { bucket } = options;
  const counter = new RequestCounter();
  const lean = canSendSigned(client, bucket);
  try {
    try {
      if (lean) await sendSigned(client, headBucketRequest(bucket), { counter });
      else await sendCounted(client, new HeadBucketCommand({ Bucket: bucket }), { counter });
      return false;
    } catch (error) {
      if (classifyS3Error(error, { spec, bucket }).httpStatus !== 404) throw error;
    }
    try {
      if (lean) {
        await sendSigned(client, createBucketRequest(bucket, spec.region), { counter });
      } else {
        await sendCounted(
          client,
          new CreateBucketCommand({
            Bucket: bucket,
            ...(spec.region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: spec.region as never } }),
          }),
          { counter },
        );
      }
      return true;
    } catch (error) {
      if (classifyS3Error(error, { spec, bucket }).code === 'BucketAlreadyOwnedByYou') return false;
      throw error;
    }
  } catch (error) {
    throw classifyS3Error(error, { spec, bucket });
  } finally {
    addCounts(options.counts, counter);
  }
}
