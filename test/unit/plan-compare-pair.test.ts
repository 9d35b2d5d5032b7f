// How `check` compares a key present at both sides (planPair, pure): size first, then ETags, local
// MD5s or, with --download, both sides read; what cannot be compared is compared by size only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPair } from '../../src/plan/compare-pair.ts';
import type { PairPlan } from '../../src/plan/compare-pair.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

const MD5_A = '0bee89b07a248e27c83fc3d5951213c1';
const MD5_B = '8f0abafc5f8e6686a882c78cac4bcb9f';
const MULTI_A = `${MD5_A}-3`;
const MULTI_B = `${MD5_B}-3`;

function entry(sizeBytes: number, etag?: string): ListEntry {
  return { key: 'k', sizeBytes, mtimeMs: 0, ...(etag === undefined ? {} : { etag }) };
}

const s3s3 = { isSrcLocal: false, isDstLocal: false, isDownload: false };
const upload = { isSrcLocal: true, isDstLocal: false, isDownload: false };
const download = { isSrcLocal: false, isDstLocal: true, isDownload: false };
const local = { isSrcLocal: true, isDstLocal: true, isDownload: false };

describe('planPair', () => {
  const cases: [string, ListEntry, ListEntry, typeof s3s3, PairPlan][] = [
    [
      'different sizes differ without any hashing',
      entry(10, MD5_A),
      entry(12, MD5_A),
      s3s3,
      { action: 'size-differs' },
    ],
    [
      'different sizes differ even with --download',
      entry(10),
      entry(12),
      { ...local, isDownload: true },
      { action: 'size-differs' },
    ],
    [
      'equal plain ETags are the same content',
      entry(5, MD5_A),
      entry(5, MD5_A.toUpperCase()),
      s3s3,
      { action: 'compared', isSame: true, comparedBy: 'etag' },
    ],
    [
      'different plain ETags differ',
      entry(5, MD5_A),
      entry(5, MD5_B),
      s3s3,
      { action: 'compared', isSame: false, comparedBy: 'etag' },
    ],
    [
      'identical multipart ETags are the same content',
      entry(5, MULTI_A),
      entry(5, MULTI_A),
      s3s3,
      { action: 'compared', isSame: true, comparedBy: 'etag' },
    ],
    [
      'different multipart ETags cannot be compared: size only',
      entry(5, MULTI_A),
      entry(5, MULTI_B),
      s3s3,
      { action: 'compared', isSame: true, comparedBy: 'size-only' },
    ],
    [
      'multipart against plain: size only',
      entry(5, MULTI_A),
      entry(5, MD5_A),
      s3s3,
      { action: 'compared', isSame: true, comparedBy: 'size-only' },
    ],
    [
      'empty ETags: size only',
      entry(5),
      entry(5),
      s3s3,
      { action: 'compared', isSame: true, comparedBy: 'size-only' },
    ],
    [
      'upload against a plain ETag: hash the local source',
      entry(5),
      entry(5, MD5_A),
      upload,
      { action: 'hash', src: true, dst: false, comparedBy: 'md5' },
    ],
    [
      'download against a plain ETag: hash the local destination',
      entry(5, MD5_A),
      entry(5),
      download,
      { action: 'hash', src: false, dst: true, comparedBy: 'md5' },
    ],
    [
      'a local file against a multipart ETag: nothing hashed, size only',
      entry(5),
      entry(5, MULTI_A),
      upload,
      { action: 'compared', isSame: true, comparedBy: 'size-only' },
    ],
    [
      'local against local: hash both',
      entry(5),
      entry(5),
      local,
      { action: 'hash', src: true, dst: true, comparedBy: 'md5' },
    ],
    [
      '--download reads both S3 sides, even with equal ETags',
      entry(5, MD5_A),
      entry(5, MD5_A),
      { ...s3s3, isDownload: true },
      { action: 'hash', src: true, dst: true, comparedBy: 'download' },
    ],
    [
      '--download reads a multipart object and a local file',
      entry(5, MULTI_A),
      entry(5),
      { ...download, isDownload: true },
      { action: 'hash', src: true, dst: true, comparedBy: 'download' },
    ],
  ];
  for (const [name, src, dst, sides, expected] of cases) {
    it(name, () => {
      assert.deepEqual(planPair(src, dst, sides), expected);
    });
  }
});
