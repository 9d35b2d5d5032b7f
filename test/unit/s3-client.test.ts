import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { createS3Client, profileWarnings, usesPathStyle } from '../../src/s3/client.ts';
import { RedirectingHandler } from '../../src/s3/redirect.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 's3ferry-s3-client-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function spec(overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return makeSpec({
    name: 'p1',
    envPrefix: 'P1__',
    endpointUrl: 'http://127.0.0.1:9000',
    credentials: { accessKeyId: 'AKIDSTATICKEY00001', secretAccessKey: 'static-secret' },
    maxRetryTimes: 3,
    credentialsFile: join(dir, 'credentials'),
    configFile: join(dir, 'config'),
    ...overrides,
  });
}

type SentRequest = {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
};

/**
 * Replaces the client's HTTP layer with a recorder answering 200 as S3 would (no network): the
 * document of a POST (DeleteObjects) or a bucket-list GET, an ETag for PUTs, a length for GETs.
 */
function recordRequests(client: S3Client): SentRequest[] {
  const sent: SentRequest[] = [];
  const stub = {
    handle: (request: SentRequest) => {
      sent.push(request);
      const isBucketList = request.method === 'GET' && /^\/?$/.test(request.path);
      const body =
        request.method === 'POST'
          ? '<DeleteResult></DeleteResult>'
          : isBucketList
            ? '<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>'
            : '';
      const headers: Record<string, string> = {
        'content-length': String(Buffer.byteLength(body)),
        ...(request.method === 'PUT' ? { etag: '"d41d8cd98f00b204e9800998ecf8427e"' } : {}),
      };
      return Promise.resolve({
        response: { statusCode: 200, headers, body: Readable.from([Buffer.from(body)]) },
      });
    },
  };
  (client.config as unknown as { requestHandler: typeof stub }).requestHandler = stub;
  return sent;
}

function header(request: SentRequest | undefined, name: string): string | undefined {
  if (request === undefined) return undefined;
  const entry = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name);
  return entry?.[1];
}

describe('usesPathStyle', () => {
  const cases: [ProfileSpec['addressingStyle'], string | undefined, boolean][] = [
    ['path', 'https://s3.example.com', true],
    ['virtual', 'http://127.0.0.1:9000', false],
    ['auto', 'http://127.0.0.1:9000', true],
    ['auto', 'http://[::1]:9000', true],
    ['auto', 'http://localhost:9000', true],
    ['auto', 'http://minio:9000', true],
    ['auto', 'https://oss-cn-hangzhou.aliyuncs.com', false],
    ['auto', undefined, false],
  ];
  for (const [style, endpoint, expected] of cases) {
    it(`${style} with ${endpoint ?? 'the AWS endpoint'} ${expected ? 'uses' : 'does not use'} path style`, () => {
      assert.equal(usesPathStyle({ addressingStyle: style, endpointUrl: endpoint }), expected);
    });
  }
});

describe('createS3Client', () => {
  it('sends path-style requests to the configured endpoint', async () => {
    const client = createS3Client(spec());
    const sent = recordRequests(client);
    await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'a/b.txt' }));
    const [first] = sent;
    assert.ok(first);
    assert.equal(first.hostname, '127.0.0.1');
    assert.equal(first.path, '/bkt/a/b.txt');
  });

  it('sends virtual-host requests when the profile says virtual', async () => {
    const client = createS3Client(
      spec({ addressingStyle: 'virtual', endpointUrl: 'https://s3.example.com' }),
    );
    const sent = recordRequests(client);
    await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'k' }));
    const [first] = sent;
    assert.ok(first);
    assert.equal(first.hostname, 'bkt.s3.example.com');
    assert.equal(first.path, '/k');
  });

  it("uses the region's AWS endpoint when no endpoint is configured", async () => {
    const client = createS3Client(
      spec({ endpointUrl: undefined, region: 'eu-west-1', addressingStyle: 'auto' }),
    );
    const sent = recordRequests(client);
    await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'k' }));
    assert.equal(sent[0]?.hostname, 'bkt.s3.eu-west-1.amazonaws.com');
  });

  it('signs with the static keys and sends the session token', async () => {
    const client = createS3Client(
      spec({
        credentials: { accessKeyId: 'AKIDSTATIC', secretAccessKey: 's', sessionToken: 'tok123' },
      }),
    );
    const sent = recordRequests(client);
    await client.send(new ListBucketsCommand({}));
    assert.match(header(sent[0], 'authorization') ?? '', /Credential=AKIDSTATIC\//);
    assert.equal(header(sent[0], 'x-amz-security-token'), 'tok123');
  });

  it('announces the retry budget as max attempts = maxRetryTimes + 1', async () => {
    const client = createS3Client(spec({ maxRetryTimes: 3 }));
    const sent = recordRequests(client);
    await client.send(new ListBucketsCommand({}));
    assert.equal(header(sent[0], 'amz-sdk-request'), 'attempt=1; max=4');
  });

  it('sends no checksum header on PutObject with when_required', async () => {
    const client = createS3Client(spec({ requestChecksumCalculation: 'when_required' }));
    const sent = recordRequests(client);
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('hi') }));
    assert.equal(header(sent[0], 'x-amz-checksum-crc32'), undefined);
  });

  it("sends the SDK's CRC32 checksum on PutObject with when_supported", async () => {
    const client = createS3Client(spec({ requestChecksumCalculation: 'when_supported' }));
    const sent = recordRequests(client);
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('hi') }));
    assert.equal(typeof header(sent[0], 'x-amz-checksum-crc32'), 'string');
  });

  it('adds Content-MD5 of the body to DeleteObjects', async () => {
    const client = createS3Client(spec());
    const sent = recordRequests(client);
    await client.send(
      new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } }),
    );
    const request = sent[0];
    assert.equal(typeof request?.body, 'string');
    const expected = createHash('md5')
      .update(request?.body as string)
      .digest('base64');
    assert.equal(header(request, 'content-md5'), expected);
  });

  it('adds Content-MD5 to DeleteObjects only', async () => {
    const client = createS3Client(spec());
    const sent = recordRequests(client);
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));
    assert.equal(header(sent[0], 'content-md5'), undefined);
  });

  it('refuses an unreadable CA bundle with a config error naming the file and its setting', () => {
    const missing = join(dir, 'missing-ca.pem');
    assert.throws(
      () =>
        createS3Client(
          spec({
            caBundle: missing,
            sources: { caBundle: { kind: 'env', name: 'P1__AWS_CA_BUNDLE' } },
          }),
        ),
      (error: unknown) => {
        assert.ok(error instanceof S3FerryError);
        assert.equal(error.kind, 'config');
        assert.equal(
          error.message,
          `cannot read the CA bundle ${missing} (set by P1__AWS_CA_BUNDLE): ENOENT`,
        );
        return true;
      },
    );
  });

  it('refuses a CA bundle that holds no PEM certificate', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    assert.throws(
      () => createS3Client(spec({ caBundle: junk })),
      /the CA bundle .*junk\.pem contains no PEM certificate/,
    );
  });
});

describe('credentials from the SDK chain', () => {
  const saved = { ...process.env };
  before(() => {
    // Un-prefixed keys in the environment must not reach a named profile.
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENVIRONMENT';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'env-secret';
    process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
    delete process.env['AWS_PROFILE'];
    delete process.env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];
    delete process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'];
    delete process.env['AWS_WEB_IDENTITY_TOKEN_FILE'];
  });
  after(() => {
    process.env = saved;
  });

  it("reads a named profile's section of its credentials file, not AWS_* variables", async () => {
    const file = join(dir, 'chain-credentials');
    writeFileSync(file, '[p1]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = f\n');
    const client = createS3Client(
      spec({ credentials: undefined, credentialsFile: file, configFile: join(dir, 'none') }),
    );
    const sent = recordRequests(client);
    await client.send(new ListBucketsCommand({}));
    assert.match(header(sent[0], 'authorization') ?? '', /Credential=AKIDFROMFILE\//);
  });

  it('reads the default profile through the SDK default chain', async () => {
    const file = join(dir, 'default-credentials');
    writeFileSync(
      file,
      '[default]\naws_access_key_id = AKIDDEFAULTFILE\naws_secret_access_key = f\n',
    );
    const client = createS3Client(
      spec({
        name: 'default',
        envPrefix: '',
        credentials: undefined,
        credentialsFile: file,
        configFile: join(dir, 'none'),
      }),
    );
    const sent = recordRequests(client);
    await client.send(new ListBucketsCommand({}));
    assert.match(header(sent[0], 'authorization') ?? '', /Credential=AKIDDEFAULTFILE\//);
  });

  it('fails with a fatal NoCredentials error when a named profile has no keys anywhere', async () => {
    const s = spec({
      credentials: undefined,
      credentialsFile: join(dir, 'empty'),
      configFile: join(dir, 'none'),
    });
    const client = createS3Client(s);
    recordRequests(client);
    let caught: unknown;
    try {
      await client.send(new ListBucketsCommand({}));
    } catch (error) {
      caught = error;
    }
    const error = classifyS3Error(caught, { spec: s });
    assert.equal(error.kind, 'auth');
    assert.equal(error.code, 'NoCredentials');
    assert.equal(error.fatal, true);
    assert.match(error.hint ?? '', /P1__AWS_ACCESS_KEY_ID/);
  });
});

describe('profileWarnings', () => {
  it('warns once that TLS verification is off, naming the profile and the setting', () => {
    const warnings = profileWarnings(
      spec({ verify: false, sources: { verify: { kind: 'env', name: 'P1__AWS_S3_VERIFY' } } }),
    );
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /^TLS certificate verification is off for profile p1 \(set by P1__AWS_S3_VERIFY\)/,
    );
  });

  it('has nothing to say about a verified profile', () => {
    assert.deepEqual(profileWarnings(spec()), []);
  });
});

describe('RedirectingHandler', () => {
  type Req = Parameters<NodeHttpHandler['handle']>[0];
  type Answer = { status: number; location?: string };

  function fakeInner(answers: Answer[]): { inner: NodeHttpHandler; seen: Req[] } {
    const seen: Req[] = [];
    const inner = {
      handle: (request: Req) => {
        seen.push(request);
        const answer = answers[seen.length - 1] ?? { status: 200 };
        const headers: Record<string, string> =
          answer.location === undefined ? {} : { location: answer.location };
        return Promise.resolve({
          response: { statusCode: answer.status, headers, body: Readable.from([]) },
        });
      },
      destroy: () => undefined,
    };
    return { inner: inner as unknown as NodeHttpHandler, seen };
  }

  function request(method: string): Req {
    return {
      method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path: '/bkt/key',
      query: {},
      headers: {
        host: '127.0.0.1:9000',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID/…',
        'x-amz-security-token': 'tok',
        'x-amz-date': '20260101T000000Z',
      },
    } as unknown as Req;
  }

  it('follows a GET redirect to another host once, without credentials', async () => {
    const { inner, seen } = fakeInner([
      { status: 307, location: 'http://127.0.0.1:9999/bkt/key?x-id=GetObject' },
    ]);
    const handler = new RedirectingHandler(inner, { follow: true });
    const { response } = await handler.handle(request('GET'));
    assert.equal(response.statusCode, 200);
    assert.equal(seen.length, 2);
    const second = seen[1];
    assert.ok(second);
    assert.equal(second.port, 9999);
    assert.equal(second.path, '/bkt/key');
    assert.deepEqual(second.query, { 'x-id': 'GetObject' });
    assert.equal(second.headers['host'], '127.0.0.1:9999');
    assert.equal(second.headers['authorization'], undefined);
    assert.equal(second.headers['x-amz-security-token'], undefined);
    assert.equal(second.headers['x-amz-date'], '20260101T000000Z');
  });

  it('keeps credentials when the redirect stays on the same host', async () => {
    const { inner, seen } = fakeInner([{ status: 301, location: '/other/key' }]);
    await new RedirectingHandler(inner, { follow: true }).handle(request('GET'));
    const second = seen[1];
    assert.ok(second);
    assert.equal(second.path, '/other/key');
    assert.equal(typeof second.headers['authorization'], 'string');
  });

  it('follows only once', async () => {
    const { inner, seen } = fakeInner([
      { status: 302, location: 'http://127.0.0.1:9001/a' },
      { status: 302, location: 'http://127.0.0.1:9002/b' },
    ]);
    const { response } = await new RedirectingHandler(inner, { follow: true }).handle(
      request('GET'),
    );
    assert.equal(response.statusCode, 302);
    assert.equal(seen.length, 2);
  });

  it('never follows a redirect of a PUT', async () => {
    const { inner, seen } = fakeInner([{ status: 307, location: 'http://127.0.0.1:9999/x' }]);
    const { response } = await new RedirectingHandler(inner, { follow: true }).handle(
      request('PUT'),
    );
    assert.equal(response.statusCode, 307);
    assert.equal(seen.length, 1);
  });

  it('never follows when redirects are off', async () => {
    const { inner, seen } = fakeInner([{ status: 307, location: 'http://127.0.0.1:9999/x' }]);
    const { response } = await new RedirectingHandler(inner, { follow: false }).handle(
      request('GET'),
    );
    assert.equal(response.statusCode, 307);
    assert.equal(seen.length, 1);
  });

  it('ignores a redirect without a Location header', async () => {
    const { inner, seen } = fakeInner([{ status: 301 }]);
    const { response } = await new RedirectingHandler(inner, { follow: true }).handle(
      request('GET'),
    );
    assert.equal(response.statusCode, 301);
    assert.equal(seen.length, 1);
  });
});
