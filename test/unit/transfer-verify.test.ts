// Unit: which source ETags are an MD5 of the bytes (src/s3/transfer/verify.ts), the Content-MD5
// made of one, the error a mismatch becomes, composite ETags of parts read whole or in ranges,
// part layouts, and the checks of a ranged GET's answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { compositeEtag } from '../../src/s3/etag.ts';
import {
  PartMd5s,
  checkRangeAnswer,
  checksumMismatch,
  contentMd5Of,
  isDigestRefusal,
  isLayoutOf,
  judgeParts,
  parseContentRange,
  sourceMd5,
} from '../../src/s3/transfer/verify.ts';
import type { PartsCheck } from '../../src/s3/transfer/verify.ts';
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

const MiB = 1024 * 1024;
const digest = (data: Uint8Array): Buffer => createHash('md5').update(data).digest();

describe('PartMd5s', () => {
  // Uploaded to RGW 16 as parts of 5, 5 and 1 MiB; the ETag it gave the object:
  const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.alloc(MiB, 3)];
  const RGW_ETAG = '9874e3d5b93e67a3c90859515d6035a1-3';

  it('reproduces a real server’s multipart ETag from the whole stream, whatever the chunks', () => {
    const whole = Buffer.concat(parts);
    for (const chunkBytes of [whole.length, 64 * 1024, 5 * MiB, 5 * MiB + 1, 333_333]) {
      const md5s = new PartMd5s(5 * MiB);
      for (let i = 0; i < whole.length; i += chunkBytes) {
        md5s.update(whole.subarray(i, i + chunkBytes));
      }
      assert.equal(md5s.etag(), RGW_ETAG, `chunks of ${chunkBytes}`);
    }
    assert.equal(compositeEtag(parts.map(digest)), RGW_ETAG);
  });

  it('ends on an exact boundary without an empty extra part, and an empty stream is one part', () => {
    const md5s = new PartMd5s(4);
    md5s.update(Buffer.from('abcdefgh'));
    assert.equal(
      md5s.etag(),
      compositeEtag([digest(Buffer.from('abcd')), digest(Buffer.from('efgh'))]),
    );
    assert.equal(new PartMd5s(4).etag(), compositeEtag([digest(Buffer.alloc(0))]));
  });
});

describe('isLayoutOf', () => {
  it('accepts a layout that makes that many parts within S3’s limits', () => {
    assert.equal(isLayoutOf(11 * MiB, 5 * MiB, 3), true);
    assert.equal(isLayoutOf(10 * MiB, 5 * MiB, 2), true);
    assert.equal(isLayoutOf(3 * MiB, 3 * MiB, 1), true, 'one part may be small');
  });
  it('refuses other counts, parts under 5 MiB, over 5 GiB, and nonsense', () => {
    assert.equal(isLayoutOf(11 * MiB, 5 * MiB, 2), false);
    assert.equal(isLayoutOf(10 * MiB, 5 * MiB, 3), false);
    assert.equal(isLayoutOf(8 * MiB, 4 * MiB, 2), false);
    assert.equal(isLayoutOf(12 * 1024 * MiB, 6 * 1024 * MiB, 2), false);
    assert.equal(isLayoutOf(10 * MiB, 0, 1), false);
    assert.equal(isLayoutOf(10 * MiB, 1.5, 1), false);
  });
});

describe('parseContentRange and checkRangeAnswer', () => {
  const src = { profile: 'p', bucket: 'b', key: 'k' };
  const part = { offsetBytes: 5, sizeBytes: 10 };
  it('parses bytes a-b/n and a-b/*', () => {
    assert.deepEqual(parseContentRange('bytes 5-14/100'), {
      firstByte: 5,
      lastByte: 14,
      totalBytes: 100,
    });
    assert.equal(parseContentRange('bytes 5-14/*')?.totalBytes, undefined);
    assert.equal(parseContentRange('bytes 14-5/100'), undefined);
    assert.equal(parseContentRange('items 5-14/100'), undefined);
    assert.equal(parseContentRange(undefined), undefined);
  });
  it('passes the range asked with its length', () => {
    checkRangeAnswer(src, part, 100, { ContentLength: 10, ContentRange: 'bytes 5-14/100' });
    checkRangeAnswer(src, part, 100, { ContentLength: 10, ContentRange: 'bytes 5-14/*' });
  });
  const bad: [string, { ContentLength?: number; ContentRange?: string }][] = [
    ['another range', { ContentLength: 10, ContentRange: 'bytes 6-15/100' }],
    ['another total', { ContentLength: 10, ContentRange: 'bytes 5-14/99' }],
    ['no Content-Range (the whole object)', { ContentLength: 100 }],
    ['a short Content-Length', { ContentLength: 9, ContentRange: 'bytes 5-14/100' }],
  ];
  for (const [name, answer] of bad) {
    it(`refuses ${name} as a retryable MalformedAnswer`, () => {
      assert.throws(
        () => {
          checkRangeAnswer(src, part, 100, answer);
        },
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.code === 'MalformedAnswer' &&
          error.retryable &&
          error.message.includes('asked bytes 5-14/100'),
      );
    });
  }
});

describe('judgeParts', () => {
  const a = [digest(Buffer.from('a')), digest(Buffer.from('b'))];
  const flipped = [digest(Buffer.from('a')), digest(Buffer.from('c'))];
  const known: PartsCheck = { kind: 'composite', etag: compositeEtag(a), isGuessed: false };
  const guessed: PartsCheck = { ...known, isGuessed: true };
  const otherLayout: PartsCheck = {
    kind: 'composite',
    etag: `${'0'.repeat(32)}-2`,
    isGuessed: true,
  };

  it('verifies parts whose composite is the ETag', () => {
    assert.equal(judgeParts(known, a, undefined), 'verified');
    assert.equal(judgeParts(guessed, a, flipped), 'verified');
  });
  it('a mismatch under a known layout is a mismatch, even when read twice the same', () => {
    assert.equal(judgeParts(known, flipped, undefined), 'mismatch');
    assert.equal(judgeParts(known, flipped, flipped), 'mismatch');
  });
  it('under a guessed layout: a mismatch, until two reads agree (then the guess was wrong)', () => {
    assert.equal(judgeParts(otherLayout, a, undefined), 'mismatch');
    assert.equal(judgeParts(otherLayout, a, flipped), 'mismatch');
    assert.equal(judgeParts(otherLayout, a, [...a]), 'unverified');
  });
  it('nothing to check against is unverified', () => {
    assert.equal(judgeParts({ kind: 'none' }, a, undefined), 'unverified');
    assert.equal(judgeParts({ kind: 'md5', md5: '0'.repeat(32) }, a, undefined), 'unverified');
  });
});
