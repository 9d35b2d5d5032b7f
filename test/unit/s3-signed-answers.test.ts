// Unit: the lean signed path (sendSigned) holds each answer to S3's shape, with recorded answers
// from a stand-in handler (no network): at an endpoint that has not answered yet a foreign answer
// is fatal at once; after one S3 answer it is a malformed answer, retried within the budget.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import { BudgetRetryStrategy, fullJitterBackoff } from '../../src/s3/retry.ts';
import { registerSignedTransport, sendSigned } from '../../src/s3/signed-request.ts';
import type { SignedRequest } from '../../src/s3/signed-request.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

type Answer = { statusCode: number; headers?: Record<string, string>; body?: string };

const LIST =
  '<?xml version="1.0"?><ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>';
const HTML = '<html><body>It works</body></html>';

let port = 41000;

/** A client whose lean path answers `answers` in turn (the last one repeats); counts requests. */
function clientAnswering(answers: Answer[]): {
  send: (r: SignedRequest) => ReturnType<typeof sendSigned>;
  calls: () => number;
} {
  port += 1;
  const spec = makeSpec({
    name: 'lean',
    endpointUrl: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIALEANEXAMPLE00001', secretAccessKey: 'lean-secret' },
    maxRetryTimes: 3,
  });
  const client = createS3Client(spec);
  let calls = 0;
  registerSignedTransport(client, {
    spec,
    pathStyle: true,
    retryStrategy: new BudgetRetryStrategy({
      maxRetries: 3,
      backoff: fullJitterBackoff({ baseMs: 0 }),
    }),
    handler: {
      handle: () => {
        const answer = answers[Math.min(calls, answers.length - 1)]!;
        calls += 1;
        const body = Buffer.from(answer.body ?? '');
        return Promise.resolve({
          response: {
            statusCode: answer.statusCode,
            headers: { 'content-length': String(body.length), ...answer.headers },
            body: Readable.from([body]),
          },
        });
      },
    },
    credentials: () => Promise.resolve(spec.credentials!),
    clockOffsetMs: () => 0,
  });
  return {
    send: (request) => sendSigned(client, request, { counter: new RequestCounter() }),
    calls: () => calls,
  };
}

const list: SignedRequest = {
  operation: 'ListObjectsV2',
  method: 'GET',
  bucket: 'b',
  key: '',
  headers: {},
  query: { 'list-type': '2' },
};

describe('sendSigned: answers held to S3’s shape', () => {
  it('an HTML listing at an endpoint that never answered: NotS3Endpoint, fatal, sent once', async () => {
    const lean = clientAnswering([
      { statusCode: 200, headers: { 'content-type': 'text/html' }, body: HTML },
    ]);
    const error = await lean.send(list).then(
      () => undefined,
      (e: unknown) => e,
    );
    const classified = classifyS3Error(error, { spec: makeSpec(), bucket: 'b' });
    assert.equal(classified.code, 'NotS3Endpoint');
    assert.equal(classified.fatal, true);
    assert.equal(lean.calls(), 1);
  });

  it('after one S3 answer, an HTML listing is retried and the next good page is returned', async () => {
    const lean = clientAnswering([
      { statusCode: 200, body: LIST },
      { statusCode: 200, headers: { 'content-type': 'text/html' }, body: HTML },
      { statusCode: 200, body: LIST },
    ]);
    await lean.send(list);
    const page = await lean.send(list);
    assert.equal(page.body.toString(), LIST);
    assert.equal(lean.calls(), 3);
  });

  const proven = { statusCode: 200, body: LIST };
  const cases: [string, SignedRequest, Answer, Answer][] = [
    [
      'a PUT answered without an ETag',
      {
        operation: 'PutObject',
        method: 'PUT',
        bucket: 'b',
        key: 'k',
        headers: {},
        body: Buffer.from('x'),
      },
      { statusCode: 200 },
      { statusCode: 200, headers: { etag: '"9dd4e461268c8034f5c8564e155c67a6"' } },
    ],
    [
      'a CopyObjectResult without its ETag',
      {
        operation: 'CopyObject',
        method: 'PUT',
        bucket: 'b',
        key: 'k',
        headers: { 'x-amz-copy-source': 'b/j' },
      },
      {
        statusCode: 200,
        body: '<CopyObjectResult><LastModified>x</LastModified></CopyObjectResult>',
      },
      { statusCode: 200, body: '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>' },
    ],
    [
      'a GET whose body is shorter than its Content-Length',
      { operation: 'GetObject', method: 'GET', bucket: 'b', key: 'k', headers: {} },
      { statusCode: 200, headers: { 'content-length': '10' }, body: 'short' },
      { statusCode: 200, body: 'complete!!' },
    ],
  ];
  for (const [name, request, bad, good] of cases) {
    it(`${name}: not believed, retried, and the good answer returned`, async () => {
      const lean = clientAnswering([proven, bad, good]);
      await lean.send(list);
      const response = await lean.send(request);
      assert.equal(response.statusCode, 200);
      assert.equal(lean.calls(), 3);
    });
  }

  it('a malformed answer on every attempt fails after the budget as MalformedAnswer', async () => {
    const lean = clientAnswering([proven, { statusCode: 200 }]);
    await lean.send(list);
    const error = await lean
      .send({
        operation: 'PutObject',
        method: 'PUT',
        bucket: 'b',
        key: 'k',
        headers: {},
        body: Buffer.from('x'),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.equal(classifyS3Error(error).code, 'MalformedAnswer');
    assert.equal(lean.calls(), 1 + 4);
  });

  const complete: SignedRequest = {
    operation: 'CompleteMultipartUpload',
    method: 'POST',
    bucket: 'b',
    key: 'k',
    headers: { 'content-type': 'application/xml' },
    query: { uploadId: 'u1' },
    body: Buffer.from('<CompleteMultipartUpload></CompleteMultipartUpload>'),
  };
  const completed =
    '<CompleteMultipartUploadResult><ETag>"e-2"</ETag></CompleteMultipartUploadResult>';

  it('a Complete that fails inside its 200, after AWS keep-alive spaces: retried, then believed', async () => {
    const failedInside = `${' '.repeat(300)}\n<?xml version="1.0"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`;
    const lean = clientAnswering([
      proven,
      { statusCode: 200, body: failedInside },
      { statusCode: 200, body: `   ${completed}` },
    ]);
    await lean.send(list);
    const response = await lean.send(complete);
    assert.match(response.body.toString(), /CompleteMultipartUploadResult/);
    assert.equal(lean.calls(), 3);
  });

  it('a CopyObject that fails inside its 200 after keep-alive spaces is not believed', async () => {
    const lean = clientAnswering([
      proven,
      {
        statusCode: 200,
        body: `${' '.repeat(40)}<Error><Code>InternalError</Code><Message>try again</Message></Error>`,
      },
      { statusCode: 200, body: '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>' },
    ]);
    await lean.send(list);
    const response = await lean.send({
      operation: 'CopyObject',
      method: 'PUT',
      bucket: 'b',
      key: 'k',
      headers: { 'x-amz-copy-source': 'b/j' },
    });
    assert.match(response.body.toString(), /<ETag>"e"<\/ETag>/);
    assert.equal(lean.calls(), 3);
  });

  it('a Complete that fails inside its 200 on every attempt fails with the error it names', async () => {
    const lean = clientAnswering([
      proven,
      {
        statusCode: 200,
        body: '<Error><Code>InvalidPart</Code><Message>One or more parts could not be found</Message></Error>',
      },
    ]);
    await lean.send(list);
    const error = await lean.send(complete).then(
      () => undefined,
      (e: unknown) => e,
    );
    const classified = classifyS3Error(error);
    assert.equal(classified.code, 'InvalidPart');
    assert.equal(lean.calls(), 2, 'a 400-class error is not retried');
  });

  it('a HEAD answered 404 without a body: NotFound, not a foreign answer', async () => {
    const lean = clientAnswering([{ statusCode: 404, headers: { 'content-length': '0' } }]);
    const error = await lean
      .send({ operation: 'HeadObject', method: 'HEAD', bucket: 'b', key: 'k', headers: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const classified = classifyS3Error(error);
    assert.equal(classified.code, 'NotFound');
    assert.equal(classified.kind, 'not-found');
    assert.equal(lean.calls(), 1);
  });

  it('a GetObjectTagging answered with HTML at a new endpoint: NotS3Endpoint, not an empty tag set', async () => {
    const lean = clientAnswering([
      { statusCode: 200, headers: { 'content-type': 'text/html' }, body: HTML },
    ]);
    const error = await lean
      .send({
        operation: 'GetObjectTagging',
        method: 'GET',
        bucket: 'b',
        key: 'k',
        headers: {},
        query: { tagging: '' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.equal(classifyS3Error(error).code, 'NotS3Endpoint');
  });
});
