// One LIST before a request whose answer cannot be told apart from a web page. An object's GET or
// HEAD answer is the object's bytes and headers, whatever they are; a web server at a mistyped
// endpoint answers `200 OK` with its page, which `cat` would print and `stat` describe. A LIST
// answer has a document to check (answer-check.ts), so an endpoint that has not answered as S3
// yet in this process is asked one first: `cat` and `stat` then cost 2 requests instead of 1.
import type { S3Api } from './sdk.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { hasAnswered } from './endpoint-trust.ts';
import { displayEndpoint } from './hints.ts';
import { hasKeysUnder } from './list-delimited.ts';

/**
 * Makes sure the profile's endpoint answers as S3 (one `ListObjectsV2`, Prefix=key, MaxKeys=1),
 * unless it already has in this process.
 * @throws S3FerryError: `NotS3Endpoint` (fatal) and every error of the listing (NoSuchBucket…).
 */
export async function probeEndpoint(
  client: S3Api,
  spec: ProfileSpec,
  options: { bucket: string; key: string; counts?: RequestCounts; signal?: AbortSignal },
): Promise<void> {
  if (hasAnswered(displayEndpoint(spec))) return;
  const { key, ...rest } = options;
  await hasKeysUnder(client, spec, { ...rest, prefix: key });
}
