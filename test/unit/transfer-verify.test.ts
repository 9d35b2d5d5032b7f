// Unit: which source ETags are an MD5 of the bytes (src/s3/transfer/verify.ts), the Content-MD5
// made of one, and the error a mismatch becomes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checksumMismatch,
  contentMd5Of,
  isDigestRefusal,
  sourceMd5,
} from '../../src/s3/transfer/verify.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const MD5 = '5d41402abc4b2a76b9719d911017c592';

describe('sourceMd5', () => {
  const cases: [string, Parameters<typeof sourceMd5>[0], string | undefined][] = [
    ['a quoted single-part ETag', { etag: `"${MD5}"` }, MD5],
    ['an unquoted upper-case one', { etag: MD5.toUpperCase() }, MD5],
    ['SSE-S3 (AES256): still the MD5', { etag: `"${MD5}"`, encryption: 'AES256' }, MD5],
    ['a multipart ETag', { etag: `"${MD5}-3"` }, undefined],
    ['SSE-KMS', { etag: `"${MD5}"`, encryption: 'aws:kms' }, undefined],
    ['DSSE-KMS', { etag: `"${MD5}"`, encryption: 'aws:kms:dsse' }, undefined],
    ['SSE-C', { etag: `"${MD5}"`, customerAlgorithm: 'AES256' }, undefined],
    ['no ETag', { etag: undefined }, undefined],
    ['an empty ETag', { etag: '""' }, undefined],
    ['not hex', { etag: '"zz41402abc4b2a76b9719d911017c592"' }, undefined],
  ];
  for (const [name, source, expected] of cases) {
    it(`${name} → ${expected ?? 'none'}`, () => {
      assert.equal(sourceMd5(source), expected);
    });
  }
});

describe('integrity errors', () => {
  it('Content-MD5 is the base64 of the MD5 bytes', () => {
    assert.equal(contentMd5Of(MD5), Buffer.from(MD5, 'hex').toString('base64'));
  });

  it('a mismatch is a retryable ChecksumMismatch naming the object', () => {
    const error = checksumMismatch({ profile: 'p', bucket: 'b', key: 'k/x' }, 'MD5 1, ETag 2');
    assert.equal(error.code, 'ChecksumMismatch');
    assert.equal(error.retryable, true);
    assert.match(
      error.message,
      /^the bytes read from s3:\/\/b\/k\/x did not match the source's MD5/,
    );
  });

  it('recognises the servers’ refusals of a body that does not match its Content-MD5', () => {
    assert.equal(isDigestRefusal(new S3FerryError('client', 'BadDigest', 'x')), true);
    assert.equal(isDigestRefusal(new S3FerryError('client', 'InvalidDigest', 'x')), true);
    assert.equal(isDigestRefusal(new S3FerryError('client', 'AccessDenied', 'x')), false);
  });
});
