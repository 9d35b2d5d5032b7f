// Unit: what an S3 answer must look like (src/s3/answer-check.ts), with answers recorded from
// Ceph RGW and moto beside what a misconfigured endpoint sends; and how such an answer, or a
// failure at an endpoint that never answered as S3, is judged (classify.ts, retry.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAnswer, notS3AnswerError, xmlRoot } from '../../src/s3/answer-check.ts';
import type { ReceivedAnswer } from '../../src/s3/answer-check.ts';
import { classifyS3Error, isRetryableS3Error } from '../../src/s3/classify.ts';
import { tagUnproven } from '../../src/s3/endpoint-trust.ts';
import { BudgetRetryStrategy, fullJitterBackoff } from '../../src/s3/retry.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';
const RECORDED = {
  list: `${XML}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
  copy: `${XML}<CopyObjectResult><LastModified>2026-12-04T01:00:00.000Z</LastModified><ETag>"5d41402abc4b2a76b9719d911017c592"</ETag></CopyObjectResult>`,
  copyNoEtag: `${XML}<CopyObjectResult><LastModified>2026-12-04T01:00:00.000Z</LastModified></CopyObjectResult>`,
  initiate: `${XML}<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc</UploadId></InitiateMultipartUploadResult>`,
  motoComplete: `<?xml version="1.0" encoding="utf-8"?>\n<CompleteMultipartUploadOutput><Bucket>b</Bucket><Key>k</Key><ETag>"x-2"</ETag></CompleteMultipartUploadOutput>`,
  error: `${XML}<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>`,
  html: '<html><body>It works</body></html>',
  otherXml: '<?xml version="1.0"?><Status><Health>ok</Health></Status>',
  buckets: `${XML}<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`,
};

function answer(
  operation: string,
  statusCode: number,
  body: string | undefined,
  headers: Record<string, string> = {},
): ReceivedAnswer {
  return {
    operation,
    statusCode,
    headers,
    ...(body === undefined ? {} : { body: Buffer.from(body) }),
  };
}

describe('checkAnswer', () => {
  const accepted: [string, ReceivedAnswer][] = [
    ['a ListBucketResult', answer('ListObjectsV2', 200, RECORDED.list)],
    ['a CopyObjectResult with its ETag', answer('CopyObject', 200, RECORDED.copy)],
    ['an InitiateMultipartUploadResult', answer('CreateMultipartUpload', 200, RECORDED.initiate)],
    ["moto's operation-named root", answer('CompleteMultipartUpload', 200, RECORDED.motoComplete)],
    ['an <Error> after a 200 status line', answer('CopyObject', 200, RECORDED.error)],
    ["S3's error document", answer('ListObjectsV2', 404, RECORDED.error)],
    ['a PUT with an ETag', answer('PutObject', 200, undefined, { etag: '"x"' })],
    ['a HEAD with a length', answer('HeadObject', 200, undefined, { 'content-length': '5' })],
    ['a bodiless HEAD error', { ...answer('HeadObject', 403, undefined), isHead: true }],
    ['a redirect (judged by the redirect rule)', answer('ListObjectsV2', 301, RECORDED.html)],
    ['an operation without a known shape', answer('DeleteObject', 204, '')],
  ];
  for (const [name, received] of accepted) {
    it(`accepts ${name}`, () => {
      assert.equal(checkAnswer(received), undefined);
    });
  }

  const refused: [string, ReceivedAnswer, RegExp][] = [
    [
      'an HTML page as a listing',
      answer('ListObjectsV2', 200, RECORDED.html, { 'content-type': 'text/html' }),
      /^HTTP 200 \(text\/html\): "<html><body>It works<\/body><\/html>"$/,
    ],
    ['an empty listing body', answer('ListObjectsV2', 200, ''), /^HTTP 200: an empty body$/],
    ['another XML document', answer('ListObjectsV2', 200, RECORDED.otherXml), /<Status>/],
    [
      'a bucket list as an object listing',
      answer('ListObjectsV2', 200, RECORDED.buckets),
      /ListAllMyBuckets/,
    ],
    [
      'a CopyObjectResult without an ETag',
      answer('CopyObject', 200, RECORDED.copyNoEtag),
      /CopyObjectResult/,
    ],
    ['a PUT without an ETag', answer('PutObject', 200, undefined), /^HTTP 200$/],
    ['a GET without a length', answer('GetObject', 200, undefined), /^HTTP 200$/],
    ['an HTML 403', answer('ListObjectsV2', 403, '<html>Forbidden</html>'), /^HTTP 403: /],
    ['an empty 403 to a GET', answer('ListObjectsV2', 403, ''), /an empty body/],
    [
      'an HTML 502 from a load balancer',
      answer('PutObject', 502, '<html>Bad gateway</html>'),
      /^HTTP 502/,
    ],
  ];
  for (const [name, received, excerpt] of refused) {
    it(`refuses ${name}, saying what it received`, () => {
      const problem = checkAnswer(received);
      assert.ok(problem !== undefined);
      assert.match(problem.received, excerpt);
    });
  }

  it('escapes and shortens what it quotes of a body', () => {
    const long = `<html>\u001b]0;title\u0007${'x'.repeat(200)}</html>`;
    const problem = checkAnswer(answer('ListObjectsV2', 200, long));
    assert.ok(problem !== undefined);
    assert.ok(!problem.received.includes('\u001b'), problem.received);
    assert.ok(problem.received.length < 100, problem.received);
  });

  it('finds the root element after a declaration, a BOM and comments', () => {
    assert.equal(xmlRoot(`\uFEFF${XML}<!-- c --><ListBucketResult>`), 'ListBucketResult');
    assert.equal(xmlRoot('It works'), undefined);
  });
});

describe('judging a foreign answer', () => {
  const spec = makeSpec({
    name: 'src',
    envPrefix: 'SRC__',
    endpointUrl: 'http://127.0.0.1:8080',
    sources: { endpointUrl: { kind: 'env', name: 'SRC__AWS_ENDPOINT_URL' } },
  });
  const html = (): Error =>
    notS3AnswerError(
      'ListObjectsV2',
      200,
      checkAnswer(answer('ListObjectsV2', 200, RECORDED.html))!,
    );

  it('at an endpoint that never answered: fatal NotS3Endpoint naming the endpoint setting, not retried', () => {
    const error = html();
    tagUnproven(error);
    const classified = classifyS3Error(error, { spec, bucket: 'photos' });
    assert.equal(classified.code, 'NotS3Endpoint');
    assert.equal(classified.kind, 'not-s3');
    assert.equal(classified.fatal, true);
    assert.equal(classified.exitCode, 3);
    assert.equal(isRetryableS3Error(error), false);
    assert.match(
      classified.hint ?? '',
      /^http:\/\/127\.0\.0\.1:8080 is not an S3 endpoint: check SRC__AWS_ENDPOINT_URL$/,
    );
    assert.match(classified.message, /expected a ListBucketResult document, received HTTP 200/);
  });

  it('at an endpoint that has answered: a retryable malformed answer, not fatal', () => {
    const classified = classifyS3Error(html(), { spec, bucket: 'photos' });
    assert.equal(classified.code, 'MalformedAnswer');
    assert.equal(classified.retryable, true);
    assert.equal(classified.fatal, false);
  });

  it('a connection closed at an endpoint that never answered: fatal after its attempts, with the endpoint hint', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    tagUnproven(reset);
    const classified = classifyS3Error(reset, { spec, bucket: 'photos' });
    assert.equal(classified.retryable, true);
    assert.equal(classified.fatal, true);
    assert.match(classified.hint ?? '', /gave no S3 answer .*check SRC__AWS_ENDPOINT_URL/);
  });

  it('bytes that are not HTTP: NotHttp, retryable where the endpoint has answered', () => {
    const parse = Object.assign(new Error('Parse Error: Expected HTTP/'), {
      code: 'HPE_INVALID_CONSTANT',
    });
    const classified = classifyS3Error(parse, { spec });
    assert.equal(classified.code, 'NotHttp');
    assert.equal(classified.retryable, true);
    assert.equal(classified.fatal, false);
  });

  it('the retry strategy gives an endpoint that never answered 3 attempts, not the whole budget', async () => {
    const strategy = new BudgetRetryStrategy({
      maxRetries: 10,
      backoff: fullJitterBackoff({ baseMs: 0 }),
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    tagUnproven(reset);
    let token = await strategy.acquireInitialRetryToken('ListObjectsV2');
    let attempts = 1;
    for (;;) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, {
          error: reset,
          errorType: 'TRANSIENT',
        } as never);
        attempts += 1;
      } catch {
        break;
      }
    }
    assert.equal(attempts, 3);
  });
});
