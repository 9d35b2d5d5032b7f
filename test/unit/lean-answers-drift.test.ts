// The lean path reads some answers itself (src/s3/transfer/head.ts, tags.ts, multipart-requests.ts)
// where the SDK's deserialisers would. The SDK is the reference: each canned answer below is read
// both ways — by an S3Client whose request handler returns it, and by the lean reader — and the
// fields s3ferry uses must come out the same, so an SDK upgrade that reads them differently fails
// here. No network.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import {
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { objectHeadOf } from '../../src/s3/transfer/head.ts';
import type { ObjectHead } from '../../src/s3/transfer/head.ts';
import { uploadIdOf } from '../../src/s3/transfer/multipart-requests.ts';
import { tagSetOf } from '../../src/s3/transfer/tags.ts';

let answer: { headers: Record<string, string>; body: string } = { headers: {}, body: '' };

const client = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
  requestHandler: {
    handle: () =>
      Promise.resolve({
        // What @smithy/protocol-http's HttpResponse holds (not a dependency of s3ferry's own).
        response: {
          statusCode: 200,
          headers: answer.headers,
          body: Readable.from([Buffer.from(answer.body)]),
        },
      }),
  },
});
after(() => {
  client.destroy();
});

/** The fields of ObjectHead, from an SDK output. */
function sdkHead(out: Record<string, unknown>): ObjectHead {
  const fields: (keyof ObjectHead)[] = [
    'ContentLength',
    'ETag',
    'LastModified',
    'VersionId',
    'ContentType',
    'CacheControl',
    'ContentDisposition',
    'ContentEncoding',
    'ContentLanguage',
    'Metadata',
    'ServerSideEncryption',
    'SSECustomerAlgorithm',
  ];
  const head: Record<string, unknown> = {};
  for (const field of fields) if (out[field] !== undefined) head[field] = out[field];
  return head;
}

const HEADS: { what: string; headers: Record<string, string> }[] = [
  {
    what: 'RGW-like: size, ETag, date, type, metadata',
    headers: {
      'content-length': '67108864',
      etag: '"9b2cf535f27731c974343645a3985328-8"',
      'last-modified': 'Sat, 05 Dec 2026 23:59:59 GMT',
      'content-type': 'application/octet-stream',
      'x-amz-meta-origin': 'seed',
      'x-amz-meta-mtime': '1764979199.5',
      'accept-ranges': 'bytes',
    },
  },
  {
    what: 'every carried header, a version, encryption',
    headers: {
      'content-length': '0',
      etag: '"d41d8cd98f00b204e9800998ecf8427e"',
      'last-modified': 'Thu, 01 Jan 1970 00:00:00 GMT',
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'max-age=60, public',
      'content-disposition': 'attachment; filename="a b.txt"',
      'content-encoding': 'gzip',
      'content-language': 'de-CH',
      'x-amz-version-id': '3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    },
  },
  {
    what: 'no metadata, no type, an empty encoding',
    headers: {
      'content-length': '5',
      etag: 'unquoted',
      'last-modified': 'Mon, 29 Feb 2016 12:00:00 GMT',
      'content-encoding': '',
    },
  },
  {
    what: 'metadata with odd names and values',
    headers: {
      'content-length': '1',
      'x-amz-meta-': 'empty name',
      'x-amz-meta-a.b_c-d': 'x=y&z',
      'x-amz-meta-unicode': '=?UTF-8?B?w7xuw68=?=',
      'x-amz-meta-spaces': '  two  ',
    },
  },
];

const TAGGINGS: { what: string; body: string }[] = [
  { what: 'no tags', body: '<Tagging><TagSet></TagSet></Tagging>' },
  {
    what: 'two tags, declaration and namespace (RGW, AWS)',
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<TagSet><Tag><Key>team</Key><Value>a b</Value></Tag><Tag><Key>k=</Key><Value>v&amp;w</Value></Tag></TagSet></Tagging>',
  },
  {
    what: 'entities, an empty value, white space kept',
    body:
      '<Tagging><TagSet><Tag><Key>&lt;x&gt;&#233;&#x4E2D;</Key><Value></Value></Tag>' +
      '<Tag><Key> padded </Key><Value>&quot;q&apos;</Value></Tag></TagSet></Tagging>',
  },
  {
    what: 'moto-like: pretty-printed',
    body: '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n  <TagSet>\n    <Tag>\n      <Key>a</Key>\n      <Value>1</Value>\n    </Tag>\n  </TagSet>\n</Tagging>',
  },
];

const CREATES: { what: string; body: string }[] = [
  {
    what: 'RGW id',
    body:
      '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Bucket>b</Bucket><Key>k</Key><UploadId>2~Qf0jBhMGE8yXxXz3uXv1v8LEqCk9Ry5</UploadId></InitiateMultipartUploadResult>',
  },
  {
    what: 'AWS-like id with entities',
    body:
      '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>a&amp;b</Key>' +
      '<UploadId>VXBsb2FkIElE+/=&amp;x</UploadId></InitiateMultipartUploadResult>',
  },
];

describe('the lean path reads answers as the SDK does', () => {
  describe('HeadObject', () => {
    for (const c of HEADS) {
      it(c.what, async () => {
        answer = { headers: c.headers, body: '' };
        const out = await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
        const expected = sdkHead(out as unknown as Record<string, unknown>);
        assert.ok(Object.keys(expected).length > 1, 'the SDK read fields');
        assert.deepEqual(objectHeadOf(c.headers), expected);
      });
    }
  });
  describe('GetObjectTagging', () => {
    for (const c of TAGGINGS) {
      it(c.what, async () => {
        answer = { headers: { 'content-type': 'application/xml' }, body: c.body };
        const out = await client.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'k' }));
        assert.deepEqual(tagSetOf(c.body), out.TagSet ?? []);
      });
    }
  });
  describe('CreateMultipartUpload', () => {
    for (const c of CREATES) {
      it(c.what, async () => {
        answer = { headers: { 'content-type': 'application/xml' }, body: c.body };
        const out = await client.send(new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'k' }));
        assert.ok(out.UploadId !== undefined && out.UploadId !== '');
        assert.equal(uploadIdOf(Buffer.from(c.body)), out.UploadId);
      });
    }
  });
});
