// A plain SDK client for the scripts' own traffic on the local cluster (seeding, checks, the
// benchmark ceiling): path style, keep-alive, and the checksum mode RGW 16 accepts (it refuses
// the SDK's streamed aws-chunked checksums with 411). Not s3ferry's client factory on purpose:
// what the scripts measure against must not depend on the code under test.
import { Agent } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export type RawClientOptions = {
  /** Keep-alive sockets per endpoint. @default 64 */
  maxSockets?: number;
  /** SDK attempts per request (1 = no retries). @default the SDK's */
  maxAttempts?: number;
};

export function rawS3Client(
  endpoint: string,
  user: { accessKeyId: string; secretAccessKey: string },
  options: RawClientOptions = {},
): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 }),
    }),
  });
}
