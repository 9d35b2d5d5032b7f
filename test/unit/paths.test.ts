import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, parsePath } from '../../src/paths/path.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

describe('parsePath', () => {
  const cases: [string, ReturnType<typeof parsePath>][] = [
    ['s3://bucket/key', { kind: 's3', profile: undefined, bucket: 'bucket', key: 'key' }],
    ['s3://bucket', { kind: 's3', profile: undefined, bucket: 'bucket', key: '' }],
    ['s3://bucket/', { kind: 's3', profile: undefined, bucket: 'bucket', key: '' }],
    ['s3://', { kind: 's3', profile: undefined, bucket: '', key: '' }],
    ['s3+prod://bkt/a/b', { kind: 's3', profile: 'prod', bucket: 'bkt', key: 'a/b' }],
    ['s3+my-prof.eu_1://bkt/k', { kind: 's3', profile: 'my-prof.eu_1', bucket: 'bkt', key: 'k' }],
    ['s3+default://bkt/k', { kind: 's3', profile: 'default', bucket: 'bkt', key: 'k' }],
    [
      's3://bkt//double//slash',
      { kind: 's3', profile: undefined, bucket: 'bkt', key: '/double//slash' },
    ],
    ['s3://bkt/./dot/../x', { kind: 's3', profile: undefined, bucket: 'bkt', key: './dot/../x' }],
    [
      's3://bkt/trailing space ',
      { kind: 's3', profile: undefined, bucket: 'bkt', key: 'trailing space ' },
    ],
    ['s3://bkt/a+b%20c?d#e', { kind: 's3', profile: undefined, bucket: 'bkt', key: 'a+b%20c?d#e' }],
    ['s3://bkt/dir/', { kind: 's3', profile: undefined, bucket: 'bkt', key: 'dir/' }],
    ['s3://Legacy_Bucket/k', { kind: 's3', profile: undefined, bucket: 'Legacy_Bucket', key: 'k' }],
    ['/abs/path/', { kind: 'local', path: '/abs/path/' }],
    ['rel/./path', { kind: 'local', path: 'rel/./path' }],
    ['file:///abs/a%20b', { kind: 'local', path: '/abs/a%20b' }],
    ['file://rel/x', { kind: 'local', path: 'rel/x' }],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parsePath(input), expected);
    });
  }

  it('keeps unicode keys byte for byte, without NFC/NFD normalisation', () => {
    const nfd = 'caf\u0065\u0301/\u{1F600}';
    const parsed = parsePath(`s3://bkt/${nfd}`);
    assert.equal(parsed.kind === 's3' && Buffer.from(parsed.key).equals(Buffer.from(nfd)), true);
  });

  const invalid: [string, RegExp][] = [
    ['', /empty path/],
    ['s3:///key', /missing bucket name/],
    ['s3://ab/k', /invalid bucket name 'ab'.*3 to 255/],
    ['s3://-bad/k', /must start and end with a letter or digit/],
    ['s3://bad!name/k', /may contain only letters/],
    ['s3://a..b/k', /must not contain '\.\.'/],
    ['s3+bad/name://b/k', /invalid S3 URL/],
    ['s3:/bucket/key', /invalid S3 URL/],
    ['s3+bad name://bkt/k', /profile name 'bad name'/],
    ['s3+://bkt/k', /profile name ''/],
    ['gs://bucket/key', /scheme 'gs:\/\/' is not supported/],
    ['file://', /file:\/\/ needs a path/],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)} as a usage error`, () => {
      assert.throws(
        () => parsePath(input),
        (error: unknown) =>
          error instanceof S3FerryError && error.kind === 'usage' && message.test(error.message),
      );
    });
  }
});

describe('formatPath', () => {
  for (const input of [
    's3://b-1/k//x ',
    's3+p.1://bkt/a?b',
    's3://',
    's3+p://',
    '/tmp/x/',
    'rel',
  ]) {
    it(`round-trips ${JSON.stringify(input)}`, () => {
      assert.equal(formatPath(parsePath(input)), input);
    });
  }
  it('formats a bucket root with a trailing slash', () => {
    assert.equal(formatPath(parsePath('s3://bucket')), 's3://bucket/');
  });
});
