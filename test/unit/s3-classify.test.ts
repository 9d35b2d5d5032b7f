import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { classifyS3Error, isRetryableS3Error } from '../../src/s3/classify.ts';
import { BudgetRetryStrategy } from '../../src/s3/retry.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FQoGZXIvYXdzEXAMPLETOKEN0123456789';

function spec(overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return makeSpec({
    name: 'profile1',
    envPrefix: 'PROFILE1__',
    endpointUrl: 'http://127.0.0.1:9204',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, sessionToken: TOKEN },
    maxRetryTimes: 0,
    ...overrides,
  });
}

/** The error the real SDK raises for a given HTTP answer (no network: a stub handler answers). */
async function sdkError(
  status: number,
  body: string,
  op: 'get' | 'head' | 'put' = 'get',
): Promise<unknown> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    retryStrategy: new BudgetRetryStrategy({ maxRetries: 0 }),
    requestHandler: {
      handle: () =>
        Promise.resolve({
          response: {
            statusCode: status,
            headers: { 'content-type': 'application/xml' },
            body: Readable.from([Buffer.from(body)]),
          },
        }),
    },
  });
  const command =
    op === 'get'
      ? new GetObjectCommand({ Bucket: 'bkt', Key: 'k' })
      : op === 'head'
        ? new HeadObjectCommand({ Bucket: 'bkt', Key: 'k' })
        : new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x' });
  try {
    await client.send(command);
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK to fail');
}

function s3Xml(code: string, message = `${code} message`): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`;
}

function sysError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

type Case = {
  name: string;
  error: () => unknown;
  spec?: ProfileSpec;
  kind: S3FerryError['kind'];
  code: string;
  retryable: boolean;
  fatal: boolean;
  hint?: RegExp;
  message?: RegExp;
};

const cases: Case[] = [
  {
    name: 'a wrong secret key is a fatal auth error naming the secret key settings',
    error: () => sdkError(403, s3Xml('SignatureDoesNotMatch')),
    kind: 'auth',
    code: 'SignatureDoesNotMatch',
    retryable: false,
    fatal: true,
    hint: /^check PROFILE1__AWS_SECRET_ACCESS_KEY or \[profile1\] in ~\/\.aws\/credentials$/,
  },
  {
    name: 'an unknown access key is a fatal auth error naming the access key settings',
    error: () => sdkError(403, s3Xml('InvalidAccessKeyId')),
    kind: 'auth',
    code: 'InvalidAccessKeyId',
    retryable: false,
    fatal: true,
    hint: /^check PROFILE1__AWS_ACCESS_KEY_ID or \[profile1\] in ~\/\.aws\/credentials$/,
  },
  {
    name: 'an expired session token names the token settings',
    error: () => sdkError(400, s3Xml('ExpiredToken')),
    kind: 'auth',
    code: 'ExpiredToken',
    retryable: false,
    fatal: true,
    hint: /check PROFILE1__AWS_SESSION_TOKEN or \[profile1\]/,
  },
  {
    name: 'the hint says where the rejected secret came from',
    spec: spec({
      sources: {
        secretAccessKey: {
          kind: 'file',
          path: join(homedir(), '.aws', 'credentials'),
          section: 'profile1',
          key: 'aws_secret_access_key',
        },
      },
    }),
    error: () => sdkError(403, s3Xml('SignatureDoesNotMatch')),
    kind: 'auth',
    code: 'SignatureDoesNotMatch',
    retryable: false,
    fatal: true,
    hint: /\(the value in use comes from \[profile1\] in ~\/\.aws\/credentials\)$/,
  },
  {
    name: 'access denied names the masked access key and is not fatal',
    error: () => sdkError(403, s3Xml('AccessDenied')),
    kind: 'permission',
    code: 'AccessDenied',
    retryable: false,
    fatal: false,
    hint: /^access key AKIA…MPLE has no permission for s3\+profile1:\/\/bkt\/k at http:\/\/127\.0\.0\.1:9204/,
  },
  {
    name: 'a bare 403 to HEAD says the secret key may be wrong',
    error: () => sdkError(403, '', 'head'),
    kind: 'permission',
    code: 'Forbidden',
    retryable: false,
    fatal: false,
    message: /secret key is wrong/,
  },
  {
    name: 'a missing bucket is fatal and names the bucket and the endpoint setting',
    spec: spec({ sources: { endpointUrl: { kind: 'env', name: 'PROFILE1__OSS_ENDPOINT' } } }),
    error: () => sdkError(404, s3Xml('NoSuchBucket')),
    kind: 'not-found',
    code: 'NoSuchBucket',
    retryable: false,
    fatal: true,
    hint: /^bucket 'bkt' does not exist at http:\/\/127\.0\.0\.1:9204: .*check PROFILE1__OSS_ENDPOINT/,
  },
  {
    name: 'a missing key is not-found and not fatal',
    error: () => sdkError(404, s3Xml('NoSuchKey')),
    kind: 'not-found',
    code: 'NoSuchKey',
    retryable: false,
    fatal: false,
  },
  {
    name: 'a bare 404 to HEAD is NotFound',
    error: () => sdkError(404, '', 'head'),
    kind: 'not-found',
    code: 'NotFound',
    retryable: false,
    fatal: false,
  },
  {
    name: 'SlowDown is throttling and retryable',
    error: () => sdkError(503, s3Xml('SlowDown')),
    kind: 'throttled',
    code: 'SlowDown',
    retryable: true,
    fatal: false,
  },
  {
    name: 'HTTP 429 is throttling and retryable',
    error: () => sdkError(429, ''),
    kind: 'throttled',
    code: 'TooManyRequests',
    retryable: true,
    fatal: false,
  },
  {
    name: "a vendor throttling code is retryable whatever its status (megfile's list)",
    error: () => sdkError(400, s3Xml('ExceedBucketQPSLimit')),
    kind: 'throttled',
    code: 'ExceedBucketQPSLimit',
    retryable: true,
    fatal: false,
  },
  {
    name: 'a bare 503 to HEAD is a retryable server error',
    error: () => sdkError(503, '', 'head'),
    kind: 'server',
    code: 'ServiceUnavailable',
    retryable: true,
    fatal: false,
  },
  {
    name: 'a 500 with an unparsable body is a retryable server error',
    error: () => sdkError(500, 'not xml at all'),
    kind: 'server',
    code: 'InternalServerError',
    retryable: true,
    fatal: false,
  },
  {
    name: 'NotImplemented (HTTP 501) is a missing feature, not retried',
    error: () => sdkError(501, s3Xml('NotImplemented')),
    kind: 'server',
    code: 'NotImplemented',
    retryable: false,
    fatal: false,
  },
  {
    name: 'a bare 501 is not retried either',
    error: () => sdkError(501, ''),
    kind: 'server',
    code: 'NotImplemented',
    retryable: false,
    fatal: false,
  },
  {
    name: 'RequestTimeout (HTTP 400) is retryable',
    error: () => sdkError(400, s3Xml('RequestTimeout')),
    kind: 'server',
    code: 'RequestTimeout',
    retryable: true,
    fatal: false,
  },
  {
    name: 'HTTP 499 is retryable',
    error: () => sdkError(499, ''),
    kind: 'server',
    code: 'Http499',
    retryable: true,
    fatal: false,
  },
  {
    name: '411 MissingContentLength names the request checksum setting',
    error: () => sdkError(411, s3Xml('MissingContentLength'), 'put'),
    kind: 'client',
    code: 'MissingContentLength',
    retryable: false,
    fatal: true,
    hint: /AWS_REQUEST_CHECKSUM_CALCULATION=when_required/,
    message: /aws-chunked/,
  },
  {
    name: 'an unfollowed redirect names the redirect setting',
    error: () => sdkError(307, ''),
    kind: 'client',
    code: 'TemporaryRedirect',
    retryable: false,
    fatal: false,
    hint: /PROFILE1__AWS_S3_REDIRECT=true/,
  },
  {
    name: 'InvalidRange is a plain client error',
    error: () => sdkError(416, s3Xml('InvalidRange')),
    kind: 'client',
    code: 'InvalidRange',
    retryable: false,
    fatal: false,
  },
  {
    name: 'a connection reset is a retryable network error',
    error: () => Object.assign(sysError('ECONNRESET', 'read ECONNRESET'), { name: 'TimeoutError' }),
    kind: 'network',
    code: 'ECONNRESET',
    retryable: true,
    fatal: false,
  },
  {
    name: '"socket hang up" is a retryable reset',
    error: () => new Error('socket hang up'),
    kind: 'network',
    code: 'ECONNRESET',
    retryable: true,
    fatal: false,
  },
  {
    name: 'EPIPE is retryable',
    error: () => sysError('EPIPE'),
    kind: 'network',
    code: 'EPIPE',
    retryable: true,
    fatal: false,
  },
  {
    name: 'a socket timeout is retryable',
    error: () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
    kind: 'network',
    code: 'TimeoutError',
    retryable: true,
    fatal: false,
  },
  {
    name: 'connection refused is fatal and names the env var that set the endpoint',
    spec: spec({ sources: { endpointUrl: { kind: 'env', name: 'PROFILE1__OSS_ENDPOINT' } } }),
    error: () => sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9204'),
    kind: 'network',
    code: 'ECONNREFUSED',
    retryable: false,
    fatal: true,
    hint: /^cannot reach http:\/\/127\.0\.0\.1:9204: check PROFILE1__OSS_ENDPOINT$/,
  },
  {
    name: 'an unknown host names the file key that set the endpoint',
    spec: spec({
      sources: {
        endpointUrl: {
          kind: 'file',
          path: join(homedir(), '.aws', 'credentials'),
          section: 'profile1',
          key: 's3.endpoint_url',
        },
      },
    }),
    error: () => sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND s3.example.invalid'),
    kind: 'network',
    code: 'ENOTFOUND',
    retryable: false,
    fatal: true,
    hint: /check s3\.endpoint_url in \[profile1\] of ~\/\.aws\/credentials$/,
  },
  {
    name: 'with no endpoint source every endpoint variable is listed',
    error: () => sysError('ECONNREFUSED'),
    kind: 'network',
    code: 'ECONNREFUSED',
    retryable: false,
    fatal: true,
    hint: /set PROFILE1__OSS_ENDPOINT, PROFILE1__AWS_ENDPOINT_URL_S3 or PROFILE1__AWS_ENDPOINT_URL, or s3\.endpoint_url in \[profile1\]/,
  },
  {
    name: 'an untrusted certificate is fatal and names the CA bundle and verify settings',
    error: () => sysError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in chain'),
    kind: 'network',
    code: 'SELF_SIGNED_CERT_IN_CHAIN',
    retryable: false,
    fatal: true,
    hint: /PROFILE1__AWS_CA_BUNDLE.*PROFILE1__AWS_S3_VERIFY=false/,
  },
  {
    name: 'no credentials anywhere is a fatal auth error explaining how to configure them',
    spec: spec({ credentials: undefined }),
    error: () =>
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    kind: 'auth',
    code: 'NoCredentials',
    retryable: false,
    fatal: true,
    hint: /set PROFILE1__AWS_ACCESS_KEY_ID and PROFILE1__AWS_SECRET_ACCESS_KEY.*s3ferry config s3 KEY SECRET --profile-name profile1/,
  },
  {
    name: 'an aborted request is not retried',
    error: () => Object.assign(new Error('Request aborted'), { name: 'AbortError' }),
    kind: 'network',
    code: 'Aborted',
    retryable: false,
    fatal: false,
  },
  {
    name: 'a programming error is internal',
    error: () => new TypeError('x is not a function'),
    kind: 'internal',
    code: 'TypeError',
    retryable: false,
    fatal: false,
  },
];

describe('classifyS3Error', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const raw = await c.error();
      const s = c.spec ?? spec();
      const error = classifyS3Error(raw, { spec: s, bucket: 'bkt', key: 'k' });
      assert.ok(error instanceof S3FerryError);
      assert.equal(error.kind, c.kind);
      assert.equal(error.code, c.code);
      assert.equal(error.retryable, c.retryable);
      assert.equal(error.fatal, c.fatal);
      assert.equal(isRetryableS3Error(raw), c.retryable);
      if (c.hint !== undefined) assert.match(error.hint ?? '', c.hint);
      if (c.message !== undefined) assert.match(error.message, c.message);
      assert.equal(error.profile, 'profile1');
      assert.equal(error.endpoint, 'http://127.0.0.1:9204');
      assert.equal(error.url, 's3+profile1://bkt/k');
      const shown = JSON.stringify(error.toJSON());
      assert.ok(!shown.includes(SECRET), 'secret key leaked');
      assert.ok(!shown.includes(TOKEN), 'session token leaked');
      assert.ok(!shown.includes(ACCESS_KEY), 'unmasked access key shown');
    });
  }

  it('names the code of an error document without a message (RGW), not just the HTTP status', async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><RequestId>r1</RequestId></Error>';
    const error = classifyS3Error(await sdkError(403, body), { spec: spec() });
    assert.equal(error.code, 'SignatureDoesNotMatch');
    assert.equal(error.message, 'SignatureDoesNotMatch (HTTP 403)');
  });

  it('keeps the HTTP status of S3 errors', async () => {
    const error = classifyS3Error(await sdkError(503, s3Xml('SlowDown')), { spec: spec() });
    assert.equal(error.httpStatus, 503);
  });

  it('formats un-prefixed profiles as s3:// URLs', () => {
    const error = classifyS3Error(sysError('ECONNRESET'), {
      spec: spec({ name: 'default', envPrefix: '' }),
      bucket: 'b',
      key: 'dir/file',
    });
    assert.equal(error.url, 's3://b/dir/file');
  });

  it('names the AWS endpoint of the region when no endpoint is configured', () => {
    const error = classifyS3Error(sysError('ENOTFOUND'), {
      spec: spec({ endpointUrl: undefined, region: 'eu-west-1' }),
    });
    assert.equal(error.endpoint, 'https://s3.eu-west-1.amazonaws.com');
  });

  it('redacts a secret key or token echoed in a server message', async () => {
    const raw = await sdkError(400, s3Xml('InvalidArgument', `bad value ${SECRET} and ${TOKEN}`));
    const error = classifyS3Error(raw, { spec: spec() });
    assert.equal(error.message, 'bad value *** and ***');
  });

  it('says how many attempts were made when retries were spent', async () => {
    const raw = Object.assign((await sdkError(503, s3Xml('SlowDown', 'slow down'))) as object, {
      $metadata: { httpStatusCode: 503, attempts: 11 },
    });
    assert.equal(classifyS3Error(raw).message, 'slow down (after 11 attempts)');
  });

  it('passes an S3FerryError through unchanged', () => {
    const original = new S3FerryError('config', 'ConfigError', 'bad');
    assert.equal(classifyS3Error(original), original);
  });

  it('classifies without a profile, leaving profile, endpoint and hint unset', async () => {
    const error = classifyS3Error(await sdkError(403, s3Xml('SignatureDoesNotMatch')));
    assert.equal(error.kind, 'auth');
    assert.equal(error.hint, undefined);
    assert.equal(error.profile, undefined);
    assert.equal(error.url, undefined);
  });

  it('explains credentials that came from the SDK chain (role, SSO, process)', async () => {
    const error = classifyS3Error(await sdkError(403, s3Xml('InvalidAccessKeyId')), {
      spec: spec({ credentials: undefined }),
    });
    assert.match(
      error.hint ?? '',
      /profile profile1 has no static keys.*\[profile profile1\] in ~\/\.aws\/config/,
    );
  });
});
