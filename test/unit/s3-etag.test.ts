import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEtag } from '../../src/s3/etag.ts';

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
