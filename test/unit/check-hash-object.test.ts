// md5OfObject (check --download) with the SDK's HTTP layer stubbed: a body that breaks off is
// resumed at the byte reached with a ranged GET pinned to the first ETag, so the digest covers
// every byte exactly once; a failure that is not retryable ends the task as a failed result.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import type { TransferContext } from '../../src/s3/transfer/context.ts';
import { runTask } from '../../src/s3/transfer/run-task.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

type Sent = { method: string; path: string; headers: Record<string, string> };
type Answer = { statusCode: number; headers: Record<string, string>; body: Readable };

function stubbed(answer: (request: Sent, n: number) => Answer): { client: S3Client; sent: Sent[] } {
  const client = createS3Client(makeSpec({ maxRetryTimes: 3 }));
  const sent: Sent[] = [];
  const stub = {
    handle: (request: Sent) => {
      sent.push(request);
      return Promise.resolve({ response: answer(request, sent.length) });
    },
  };
  (client.config as unknown as { requestHandler: typeof stub }).requestHandler = stub;
  return { client, sent };
}

function contextFor(client: S3Client): TransferContext & { bytes: () => number } {
  let bytes = 0;
  return {
    clientFor: () => client,
    specFor: () => makeSpec({ maxRetryTimes: 3 }),
    signal: new AbortController().signal,
    onBytes: (delta) => {
      bytes += delta;
    },
    counter: new RequestCounter(),
    backoff: { delayBeforeRetryMs: () => 0 },
    bytes: () => bytes,
  };
}

/** A body that yields `data`, then fails like a dropped connection. */
function breakingBody(data: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield data;
      await Promise.resolve();
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    })(),
  );
}

function header(request: Sent | undefined, name: string): string | undefined {
  return Object.entries(request?.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

describe('md5OfObject', () => {
  it('resumes a broken read at the byte reached (Range + If-Match) and hashes every byte once', async () => {
    const data = randomBytes(100_000);
    const cut = 40_000;
    const { client, sent } = stubbed((_request, n) =>
      n === 1
        ? {
            statusCode: 200,
            headers: { 'content-length': String(data.length), etag: '"e1"' },
            body: breakingBody(data.subarray(0, cut)),
          }
        : {
            statusCode: 206,
            headers: { 'content-length': String(data.length - cut), etag: '"e1"' },
            body: Readable.from([data.subarray(cut)]),
          },
    );
    const ctx = contextFor(client);
    const result = await runTask(
      { kind: 'md5-object', id: 1, src: { kind: 's3', profile: 'p1', bucket: 'b', key: 'k' } },
      ctx,
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.md5, md5(data));
    assert.equal(result.bytes, data.length);
    assert.equal(ctx.bytes(), data.length);
    assert.equal(sent.length, 2);
    assert.equal(
      sent.every((r) => r.method === 'GET'),
      true,
    );
    assert.equal(header(sent[0], 'range'), undefined);
    assert.equal(header(sent[1], 'range'), `bytes=${cut}-`);
    assert.equal(header(sent[1], 'if-match'), '"e1"');
    assert.deepEqual(result.requests, { GetObject: 2 });
  });

  it('a refused read is a failed result with the classified error, not a throw', async () => {
    const { client } = stubbed(() => ({
      statusCode: 403,
      headers: { 'content-type': 'application/xml' },
      body: Readable.from([
        Buffer.from('<Error><Code>AccessDenied</Code><Message>no</Message></Error>'),
      ]),
    }));
    const result = await runTask(
      { kind: 'md5-object', id: 2, src: { kind: 's3', profile: 'p1', bucket: 'b', key: 'k' } },
      contextFor(client),
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'AccessDenied');
  });
});
