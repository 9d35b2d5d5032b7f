// The lean signed path (src/s3/signed-request.ts) copies the SDK's endpoint rules and signs with its
// own SigV4 call. The SDK is the reference, and this test holds the lean path to it, so that an SDK
// upgrade cannot drift from it silently. For a table of endpoints, addressing styles, regions,
// bucket names, awkward keys and the operations the lean path sends (GetObject, PutObject with
// Content-MD5, CopyObject, UploadPartCopy, ListObjectsV2, the multipart upload's Create, Complete
// and Abort, HeadObject, GetObjectTagging, HeadBucket and CreateBucket), the request buildSignedHttpRequest returns is compared
// with the request an S3Client from createS3Client signs for the same command. No network: a
// middleware right after the SDK's signing step captures the signed request and answers for the
// server.
//
// What is compared, and why:
// - method, protocol, hostname, port and path, as strings: the path is what goes on the wire;
// - the query, as a parsed map, except the SDK's `x-id=<Operation>` (an operation hint that S3
//   ignores), which the lean path does not send;
// - every header, byte for byte, `authorization` included. To make that a comparison of the same
//   canonical request, a middleware just before the SDK's signing step removes what only the SDK
//   sends (isSdkOnly: its invocation id and retry count, user agent, flexible-checksum headers,
//   Expect) and `x-id`, and, for a body, sets the lean path's `x-amz-content-sha256:
//   UNSIGNED-PAYLOAD` (S3 takes either; the lean path has the server check Content-MD5 instead of
//   hashing the body twice). The lean builder signs at the SDK's own `x-amz-date`. Bodies
//   (PutObject's, Complete's XML) are compared byte for byte. Any other
//   header the SDK starts to send fails here, to be judged; a difference in path or query
//   encoding, header canonicalisation, credential scope or date shows as a different signature.
// The cases the lean path declines (leanAddressing undefined, so canSendSigned is false and the
// caller sends the SDK's command) are checked too: they must be exactly the expected ones.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity, FinalizeRequestMiddleware, HttpRequest } from '@smithy/types';
import { createBucketRequest, headBucketRequest } from '../../src/s3/buckets.ts';
import { createS3Client, usesPathStyle } from '../../src/s3/client.ts';
import { listPageRequest } from '../../src/s3/list-page.ts';
import { buildSignedHttpRequest, leanAddressing } from '../../src/s3/signed-request.ts';
import type { SignedRequest, SignedTarget } from '../../src/s3/signed-request.ts';
import { encodeCopySource } from '../../src/s3/transfer/context.ts';
import { headObjectRequest } from '../../src/s3/transfer/head.ts';
import {
  abortUploadRequest,
  completeUploadRequest,
  createUploadRequest,
} from '../../src/s3/transfer/multipart-requests.ts';
import { getTaggingRequest } from '../../src/s3/transfer/tags.ts';
import { uploadPartCopyRequest } from '../../src/s3/transfer/server-side.ts';
import type { AddressingStyle } from '../../src/shared/profile.ts';
import { makeSpec } from '../helpers/profile-spec.ts';

type Endpoint = { url: string | undefined; region: string };

const ENDPOINTS: Endpoint[] = [
  { url: 'http://127.0.0.1:8000', region: 'us-east-1' },
  { url: 'http://localhost:9000', region: 'us-east-1' },
  { url: 'http://minio:9000', region: 'cn-hangzhou' },
  { url: 'https://s3.amazonaws.com', region: 'us-east-1' },
  { url: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1' },
  { url: 'https://oss-cn-hangzhou.aliyuncs.com', region: 'cn-hangzhou' },
  { url: 'http://gateway.example:8080/s3/', region: 'us-east-1' },
  { url: 'https://storage.example.com:8443', region: 'eu-west-1' },
  { url: 'https://storage.example.com:443', region: 'us-east-1' },
  { url: 'http://[::1]:9000', region: 'us-east-1' },
  { url: undefined, region: 'us-east-1' },
  { url: undefined, region: 'eu-west-1' },
  { url: undefined, region: 'cn-north-1' },
];

const STYLES: AddressingStyle[] = ['auto', 'path', 'virtual'];

type Bucket = { name: string; dnsLabel: boolean };

const BUCKETS: Bucket[] = [
  { name: 'my-bucket-01', dnsLabel: true },
  { name: 'my.dotted.bucket', dnsLabel: false },
  { name: 'My_Bucket', dnsLabel: false },
];

const KEYS: string[] = [
  'dir/file.txt',
  'with space/and  two spaces ',
  'plus+sign+',
  'percent%41%2F%',
  'ünïcödé/日本語/😀',
  'tilde~name',
  "sub-delims!*'()",
  '//double//slash',
  '/leading',
  '../dot/./segments/..',
  '..',
  'query?hash#amp&eq=',
  'trailing/',
  `long/${'k'.repeat(900)}/${'é'.repeat(50)}`,
  'semi;colon,comma$dollar@at:colon',
  '[brackets]{braces}|pipe^caret`tick"quote<lt>gt\\backslash',
  'ctl\u0001tab\tdel\u007f',
];

const LIST_QUERY_VALUES: string[] = [
  'dir/',
  'with space/',
  'plus+',
  '%2F%',
  'ünï/😀',
  "~!*'()",
  '//x//',
  '?#&=',
  'a=b&c=d',
  `${'p'.repeat(500)}/`,
];

const CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIADRIFTEXAMPLE0001',
  secretAccessKey: 'drift/secret+key=example',
};
const SESSION: AwsCredentialIdentity = {
  accessKeyId: 'ASIADRIFTEXAMPLE0002',
  secretAccessKey: 'drift-session-secret',
  sessionToken: 'FwoGZXIvYXdzE//session+token/=',
};

/**
 * Headers only the SDK sends, removed before it signs: retry bookkeeping, user agent, Expect, and
 * flexible checksums (not sent under the default `when_required`, allowed anyway).
 */
function isSdkOnly(name: string): boolean {
  return (
    [
      'amz-sdk-invocation-id',
      'amz-sdk-request',
      'user-agent',
      'x-amz-user-agent',
      'expect',
    ].includes(name) ||
    name.startsWith('x-amz-checksum-') ||
    name === 'x-amz-sdk-checksum-algorithm'
  );
}

type Snapshot = {
  method: string;
  protocol: string;
  hostname: string;
  port: number | null;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
};

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function snapshot(request: HttpRequest): Snapshot {
  return {
    method: request.method,
    protocol: request.protocol,
    hostname: request.hostname,
    port: request.port ?? null,
    path: request.path,
    query: { ...request.query },
    headers: lowerKeys(request.headers),
  };
}

/** `x-amz-date` (`20250102T030405Z`) as a Date. */
function amzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  assert.ok(m !== null, `x-amz-date ${value}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** An SDK client whose requests are captured after signing and never sent. */
type Probe = {
  client: S3Client;
  target: SignedTarget;
  credentials: AwsCredentialIdentity;
  /** Set before a send: the request has a body (the lean path signs UNSIGNED-PAYLOAD). */
  hasBody: boolean;
  /** The SDK's request before anything was removed from it. */
  sent?: Snapshot;
  /** The SDK's request as signed. */
  signed?: HttpRequest;
  /** The body the SDK sends, as bytes. */
  body?: Buffer | undefined;
};

const probes = new Map<string, Probe>();

after(() => {
  for (const probe of probes.values()) probe.client.destroy();
});

function probeFor(endpoint: Endpoint, style: AddressingStyle, credentials: AwsCredentialIdentity) {
  const id = JSON.stringify([endpoint, style, credentials.accessKeyId]);
  const known = probes.get(id);
  if (known !== undefined) return known;
  const spec = makeSpec({
    name: 'drift',
    endpointUrl: endpoint.url,
    region: endpoint.region,
    addressingStyle: style,
    credentials,
  });
  const client = createS3Client(spec);
  // What createS3Client registers as the lean path's transport.
  const probe: Probe = {
    client,
    target: { spec, pathStyle: usesPathStyle(spec) },
    credentials,
    hasBody: false,
  };
  const strip: FinalizeRequestMiddleware<object, object> = (next) => (args) => {
    const request = args.request as HttpRequest;
    probe.sent = snapshot(request);
    request.headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !isSdkOnly(name.toLowerCase())),
    );
    if (request.query !== undefined) delete request.query['x-id'];
    if (probe.hasBody) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  };
  const capture: FinalizeRequestMiddleware<object, object> = () => (args) => {
    probe.signed = args.request as HttpRequest;
    const body = (args.request as HttpRequest).body as unknown;
    probe.body = body === undefined ? undefined : Buffer.from(body as Uint8Array | string);
    return Promise.resolve({
      output: { $metadata: {} },
      response: { statusCode: 200, headers: {} },
    });
  };
  const stack = client.middlewareStack as unknown as {
    addRelativeTo(
      middleware: FinalizeRequestMiddleware<object, object>,
      options: { relation: 'before' | 'after'; toMiddleware: string; name: string },
    ): void;
  };
  stack.addRelativeTo(strip, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'driftStrip',
  });
  stack.addRelativeTo(capture, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    name: 'driftCapture',
  });
  probes.set(id, probe);
  return probe;
}

/** One operation as the lean path's callers build it, and as the SDK command they replace. */
type Operation = { lean: SignedRequest; sdk: (client: S3Client) => Promise<unknown> };

function getObject(bucket: string, key: string): Operation {
  // transfer/small-object.ts
  return {
    lean: { operation: 'GetObject', method: 'GET', bucket, key, headers: {} },
    sdk: (client) => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  };
}

function putObject(bucket: string, key: string): Operation {
  // transfer/small-object.ts: the source's representation headers and metadata, Content-MD5.
  const body = Buffer.from(`drift ${key}`);
  const md5 = createHash('md5').update(body).digest('base64');
  return {
    lean: {
      operation: 'PutObject',
      method: 'PUT',
      bucket,
      key,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'max-age=60',
        'x-amz-meta-origin': 'drift test',
        'content-md5': md5,
      },
      body,
    },
    sdk: (client) =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain; charset=utf-8',
          CacheControl: 'max-age=60',
          Metadata: { origin: 'drift test' },
          ContentMD5: md5,
        }),
      ),
  };
}

function copyObject(bucket: string, key: string): Operation {
  // transfer/server-side.ts
  const copySource = encodeCopySource('src-bucket', `from/${key}`);
  return {
    lean: {
      operation: 'CopyObject',
      method: 'PUT',
      bucket,
      key,
      headers: { 'x-amz-copy-source': copySource, 'x-amz-metadata-directive': 'COPY' },
    },
    sdk: (client) =>
      client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: copySource,
          MetadataDirective: 'COPY',
        }),
      ),
  };
}

function uploadPartCopy(bucket: string, key: string): Operation {
  // transfer/server-side.ts: a ranged part of the source, pinned to its ETag; an upload id with
  // the characters RGW (`~`) and other servers (`+/=`) put in theirs.
  const copySource = encodeCopySource('src-bucket', `from/${key}`);
  const part = { partNumber: 3, offsetBytes: 10 * 1024 * 1024, sizeBytes: 5 * 1024 * 1024 };
  const uploadId = '2~up.load_id+with/odd=';
  const etag = '"0123456789abcdef0123456789abcdef"';
  return {
    lean: uploadPartCopyRequest({ bucket, key }, copySource, part, uploadId, etag),
    sdk: (client) =>
      client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: 3,
          CopySource: copySource,
          CopySourceRange: 'bytes=10485760-15728639',
          CopySourceIfMatch: etag,
        }),
      ),
  };
}

function createUpload(bucket: string, key: string): Operation {
  // transfer/multipart-requests.ts: every field a multipart copy or upload may set.
  const fields = {
    ContentType: 'text/plain; charset=utf-8',
    CacheControl: 'max-age=60',
    ContentDisposition: 'attachment; filename="a b.txt"',
    ContentEncoding: '',
    ContentLanguage: 'de-CH',
    Metadata: { Origin: 'drift test', 'second-key': 'v2' },
    StorageClass: 'STANDARD_IA' as const,
    ServerSideEncryption: 'aws:kms' as const,
    SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/drift',
    ACL: 'bucket-owner-full-control' as const,
    Tagging: 'team=a%20b&k%3D=v%26',
  };
  const lean = createUploadRequest({ bucket, key }, fields);
  assert.ok(lean !== undefined, 'every field is one the lean path sends');
  return {
    lean,
    sdk: (client) =>
      client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...fields })),
  };
}

function completeUpload(bucket: string, key: string): Operation {
  // transfer/multipart-requests.ts: ETags as parts answer them, one with characters to escape.
  const uploadId = '2~up.load_id+with/odd=';
  const parts = [
    { partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' },
    { partNumber: 2, etag: `"a&b<c>'d'\r\n"` },
  ];
  return {
    lean: completeUploadRequest({ bucket, key }, uploadId, parts),
    sdk: (client) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
      ),
  };
}

function abortUpload(bucket: string, key: string): Operation {
  const uploadId = '2~up.load_id+with/odd=';
  return {
    lean: abortUploadRequest({ bucket, key }, uploadId),
    sdk: (client) =>
      client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
      ),
  };
}

function headObject(bucket: string, key: string): Operation {
  return {
    lean: headObjectRequest({ bucket, key }),
    sdk: (client) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
  };
}

function getTagging(bucket: string, key: string): Operation {
  return {
    lean: getTaggingRequest({ bucket, key }),
    sdk: (client) => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })),
  };
}

function headBucket(bucket: string): Operation {
  // buckets.ts (--create-bucket)
  return {
    lean: headBucketRequest(bucket),
    sdk: (client) => client.send(new HeadBucketCommand({ Bucket: bucket })),
  };
}

function createBucket(bucket: string, region: string): Operation {
  // buckets.ts (--create-bucket): a LocationConstraint outside us-east-1.
  return {
    lean: createBucketRequest(bucket, region),
    sdk: (client) =>
      client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        }),
      ),
  };
}

type ListQuery = { prefix?: string; startAfter?: string; token?: string; delimiter?: string };

function listObjects(bucket: string, q: ListQuery): Operation {
  // list-page.ts; a delimiter is added here only (list-delimited.ts sends the SDK's command).
  const input = {
    Bucket: bucket,
    MaxKeys: 1000,
    ...(q.prefix === undefined ? {} : { Prefix: q.prefix }),
    ...(q.startAfter === undefined ? {} : { StartAfter: q.startAfter }),
    ...(q.token === undefined ? {} : { ContinuationToken: q.token }),
  };
  const lean = listPageRequest(input);
  if (q.delimiter !== undefined) lean.query = { ...lean.query, delimiter: q.delimiter };
  return {
    lean,
    sdk: (client) =>
      client.send(
        new ListObjectsV2Command({
          ...input,
          ...(q.delimiter === undefined ? {} : { Delimiter: q.delimiter }),
        }),
      ),
  };
}

type Case = {
  endpoint: Endpoint;
  style: AddressingStyle;
  bucket: Bucket;
  credentials: AwsCredentialIdentity;
  operation: Operation;
  /** For the test's name. */
  what: string;
};

/**
 * Where the lean path hands a request to the SDK, stated here so that a change shows: without an
 * endpoint URL outside AWS's main partition (cn-north-1 is amazonaws.com.cn), and where the SDK
 * would put a bucket name in the path although virtual hosting was asked for (dots, upper case,
 * `_`) — except at an IP endpoint, which the SDK never virtual-hosts.
 */
function expectDeclined(c: Case, pathStyle: boolean): boolean {
  if (c.endpoint.url === undefined && c.endpoint.region === 'cn-north-1') return true;
  const ipEndpoint = c.endpoint.url !== undefined && /\/\/(\d|\[)/.test(c.endpoint.url);
  return !pathStyle && !ipEndpoint && !c.bucket.dnsLabel;
}

function caseName(c: Case): string {
  const creds = c.credentials.sessionToken === undefined ? '' : ', session token';
  return `${c.what} ${c.bucket.name} at ${c.endpoint.url ?? '(AWS)'} ${c.endpoint.region}, ${c.style}${creds}`;
}

async function compare(c: Case): Promise<void> {
  const probe = probeFor(c.endpoint, c.style, c.credentials);
  const addressing = leanAddressing(probe.target, c.bucket.name);
  assert.equal(addressing === undefined, expectDeclined(c, probe.target.pathStyle), 'declined');
  if (addressing === undefined) return;

  probe.hasBody = c.operation.lean.body !== undefined;
  probe.sent = undefined;
  probe.signed = undefined;
  await c.operation.sdk(probe.client);
  const sent = probe.sent as Snapshot | undefined;
  const signedRequest = probe.signed as HttpRequest | undefined;
  assert.ok(sent !== undefined && signedRequest !== undefined, 'the SDK request was captured');
  const signed = snapshot(signedRequest);
  const date = amzDate(signed.headers['x-amz-date'] ?? '');
  const lean = snapshot(
    buildSignedHttpRequest(probe.target, c.operation.lean, probe.credentials, date),
  );

  const where = (s: Snapshot) => ({
    method: s.method,
    protocol: s.protocol,
    hostname: s.hostname,
    port: s.port,
    path: s.path,
  });
  assert.deepEqual(where(lean), where(signed), 'where the request goes');
  const sdkQuery = { ...sent.query };
  delete sdkQuery['x-id'];
  assert.deepEqual(lean.query, sdkQuery, 'query');
  assert.deepEqual(signed.query, sdkQuery, 'query as the SDK signed it');
  // A real signature over at least the host, the payload hash and the date: not a vacuous match.
  const auth =
    /^AWS4-HMAC-SHA256 Credential=\S+, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
      lean.headers['authorization'] ?? '',
    );
  assert.ok(auth !== null, 'authorization');
  const signedHeaders = auth[1]!.split(';');
  for (const name of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
    assert.ok(signedHeaders.includes(name), `${name} is signed`);
  }
  assert.deepEqual(lean.headers, signed.headers, 'headers, signature included');
  assert.deepEqual(c.operation.lean.body, probe.body, 'body');
}

function* locationCases(): Generator<Case> {
  for (const endpoint of ENDPOINTS) {
    for (const style of STYLES) {
      for (const bucket of BUCKETS) {
        const base = { endpoint, style, bucket, credentials: CREDENTIALS };
        yield { ...base, operation: getObject(bucket.name, 'dir/file.txt'), what: 'GetObject' };
        yield {
          ...base,
          operation: listObjects(bucket.name, { prefix: 'dir/', token: 'tok+/=' }),
          what: 'ListObjectsV2',
        };
        yield { ...base, operation: headBucket(bucket.name), what: 'HeadBucket' };
        yield {
          ...base,
          operation: createBucket(bucket.name, endpoint.region),
          what: 'CreateBucket',
        };
      }
    }
  }
}

/** Locations for the key and query tables: path style, virtual host on AWS, a base path. */
const KEY_LOCATIONS: {
  endpoint: Endpoint;
  style: AddressingStyle;
  creds: AwsCredentialIdentity;
}[] = [
  {
    endpoint: { url: 'http://127.0.0.1:8000', region: 'us-east-1' },
    style: 'auto',
    creds: CREDENTIALS,
  },
  {
    endpoint: { url: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1' },
    style: 'auto',
    creds: SESSION,
  },
  {
    endpoint: { url: 'http://gateway.example:8080/s3/', region: 'us-east-1' },
    style: 'virtual',
    creds: CREDENTIALS,
  },
];

const DNS_BUCKET: Bucket = { name: 'my-bucket-01', dnsLabel: true };

function* keyCases(): Generator<Case> {
  for (const { endpoint, style, creds } of KEY_LOCATIONS) {
    for (const key of KEYS) {
      const base = { endpoint, style, bucket: DNS_BUCKET, credentials: creds };
      const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
      yield { ...base, operation: getObject(DNS_BUCKET.name, key), what: `GetObject ${shown} of` };
      yield { ...base, operation: putObject(DNS_BUCKET.name, key), what: `PutObject ${shown} to` };
      yield {
        ...base,
        operation: copyObject(DNS_BUCKET.name, key),
        what: `CopyObject ${shown} in`,
      };
      yield {
        ...base,
        operation: uploadPartCopy(DNS_BUCKET.name, key),
        what: `UploadPartCopy ${shown} in`,
      };
      const more: [string, (bucket: string, key: string) => Operation][] = [
        ['CreateMultipartUpload', createUpload],
        ['CompleteMultipartUpload', completeUpload],
        ['AbortMultipartUpload', abortUpload],
        ['HeadObject', headObject],
        ['GetObjectTagging', getTagging],
      ];
      for (const [name, build] of more) {
        yield { ...base, operation: build(DNS_BUCKET.name, key), what: `${name} ${shown} in` };
      }
    }
  }
}

function* queryCases(): Generator<Case> {
  for (const { endpoint, style, creds } of KEY_LOCATIONS) {
    for (const value of LIST_QUERY_VALUES) {
      const base = { endpoint, style, bucket: DNS_BUCKET, credentials: creds };
      const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      yield {
        ...base,
        operation: listObjects(DNS_BUCKET.name, {
          prefix: value,
          startAfter: `${value}after`,
          token: `${value}token`,
          delimiter: value.slice(0, 1),
        }),
        what: `ListObjectsV2 ${shown} in`,
      };
    }
  }
}

describe('the lean signed path builds the request the SDK builds', () => {
  describe('endpoints × addressing styles × regions × bucket names', () => {
    for (const c of locationCases()) it(caseName(c), () => compare(c));
  });
  describe('awkward keys: GetObject, PutObject with Content-MD5, CopyObject, UploadPartCopy, Create/Complete/AbortMultipartUpload, HeadObject, GetObjectTagging', () => {
    for (const c of keyCases()) it(caseName(c), () => compare(c));
  });
  describe('ListObjectsV2 with awkward prefix, start-after, continuation-token, delimiter', () => {
    for (const c of queryCases()) it(caseName(c), () => compare(c));
  });
});
