import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import {
  classifyEtag,
  compositeEtag,
  compositeOfPartEtags,
  normalizeEtag,
} from '../../src/s3/etag.ts';
import type { EtagKind } from '../../src/s3/etag.ts';

describe('normalizeEtag', () => {
  const md5 = '9b2cf535f27731c974343645a3985328';
  const cases: [string | undefined, string | undefined][] = [
    [`"${md5}"`, md5],
    [md5, md5], // RGW's CopyObject / UploadPartCopy answers
    [`"${md5}-3"`, `${md5}-3`],
    [`W/"${md5}-3"`, `${md5}-3`],
    ['&quot;abc&quot;', 'abc'],
    ['""', undefined], // RGW's CompleteMultipartUpload answer
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [raw, expected] of cases) {
    it(`normalises ${JSON.stringify(raw)} to ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizeEtag(raw), expected);
    });
  }
});

describe('classifyEtag', () => {
  const md5 = '9b2cf535f27731c974343645a3985328';
  const cases: [string, Parameters<typeof classifyEtag>[0], EtagKind][] = [
    ['a quoted single-part ETag', { etag: `"${md5}"` }, { kind: 'md5', md5 }],
    ['upper case, unquoted', { etag: md5.toUpperCase() }, { kind: 'md5', md5 }],
    ['SSE-S3 keeps the MD5', { etag: `"${md5}"`, encryption: 'AES256' }, { kind: 'md5', md5 }],
    [
      'a multipart ETag',
      { etag: `"${md5}-12"` },
      { kind: 'multipart', etag: `${md5}-12`, partCount: 12 },
    ],
    [
      'a one-part multipart ETag',
      { etag: `${md5}-1` },
      { kind: 'multipart', etag: `${md5}-1`, partCount: 1 },
    ],
    ['SSE-KMS single part', { etag: `"${md5}"`, encryption: 'aws:kms' }, { kind: 'opaque' }],
    ['SSE-KMS multipart', { etag: `"${md5}-2"`, encryption: 'aws:kms' }, { kind: 'opaque' }],
    ['DSSE-KMS', { etag: `"${md5}"`, encryption: 'aws:kms:dsse' }, { kind: 'opaque' }],
    ['SSE-C', { etag: `"${md5}"`, customerAlgorithm: 'AES256' }, { kind: 'opaque' }],
    ['no ETag', { etag: undefined }, { kind: 'opaque' }],
    ['an empty ETag (RGW Complete)', { etag: '""' }, { kind: 'opaque' }],
    ['too short', { etag: `"${md5.slice(1)}"` }, { kind: 'opaque' }],
    ['not hex', { etag: `"zz${md5.slice(2)}"` }, { kind: 'opaque' }],
    ['part count 0', { etag: `"${md5}-0"` }, { kind: 'opaque' }],
    ['part count above 10,000 digits', { etag: `"${md5}-123456"` }, { kind: 'opaque' }],
  ];
  for (const [name, object, expected] of cases) {
    it(`${name} → ${expected.kind}`, () => {
      assert.deepEqual(classifyEtag(object), expected);
    });
  }
});

describe('compositeEtag', () => {
  const digest = (data: string): Buffer => createHash('md5').update(data).digest();
  it('is the MD5 of the concatenated binary part MD5s, then -N', () => {
    const parts = [digest('part one'), digest('part two'), digest('3')];
    const expected = createHash('md5').update(Buffer.concat(parts)).digest('hex');
    assert.equal(compositeEtag(parts), `${expected}-3`);
  });
  it('of one part is the MD5 of its MD5, then -1 (not the part MD5 itself)', () => {
    const part = digest('only');
    assert.equal(compositeEtag([part]), `${createHash('md5').update(part).digest('hex')}-1`);
    assert.notEqual(compositeEtag([part]).split('-')[0], part.toString('hex'));
  });
});

describe('compositeOfPartEtags', () => {
  // Measured on RGW 16 and moto: one part of 100 bytes of 0x01, then its object's ETag.
  it('predicts the ETag of an object completed from parts with these ETags', () => {
    assert.equal(
      compositeOfPartEtags(['"7806c0bf75f9f9b46ba74ebb8aff2de4"']),
      '96641e8660f1bb9b39c92b0be753b74c-1',
    );
  });
  it('takes quoted, bare and upper-case ETags alike', () => {
    const md5s = ['part one', 'part two'].map((p) => createHash('md5').update(p).digest());
    const expected = compositeEtag(md5s);
    const hex = md5s.map((d) => d.toString('hex'));
    assert.equal(compositeOfPartEtags([`"${hex[0]}"`, hex[1]!.toUpperCase()]), expected);
  });
  it('is undefined when a part has no ETag or one that is not an MD5 (SSE-KMS parts)', () => {
    const ok = '"7806c0bf75f9f9b46ba74ebb8aff2de4"';
    assert.equal(compositeOfPartEtags([ok, undefined]), undefined);
    assert.equal(compositeOfPartEtags([ok, '"not-an-md5"']), undefined);
    assert.equal(compositeOfPartEtags([]), undefined);
  });
});
