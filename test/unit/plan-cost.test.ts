// The arithmetic of the cost estimator: part counts at the threshold and part-size boundaries,
// empty objects, multipart sources' layouts, delete batches and sums. That it equals what a real
// run sends is proven against real servers in test/integration/cost.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addEstimate,
  copyPartCount,
  emptyEstimate,
  estimateCopy,
  estimateDeletes,
  etagPartCount,
} from '../../src/plan/cost.ts';
import type { CopyCostInput } from '../../src/plan/cost.ts';
import { GiB, MiB, TiB, choosePartSize } from '../../src/plan/parts.ts';
import type { CopyMethod } from '../../src/shared/protocol.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const THRESHOLD = 8 * MiB;
const PART = 5 * MiB;
const MD5 = '9b2cf535f27731c974343645a3985328';

function input(method: CopyMethod, sizeBytes: number, extra: Partial<CopyCostInput> = {}) {
  return {
    method,
    sizeBytes,
    multipartThresholdBytes: THRESHOLD,
    partSizeBytes: choosePartSize(sizeBytes, PART),
    ...extra,
  };
}

/** The requests of every method for one multipart copy of `n` parts (single-part source). */
function multipart(n: number): Record<CopyMethod, Record<string, number>> {
  return {
    'server-side': {
      HeadObject: 2,
      CreateMultipartUpload: 1,
      UploadPartCopy: n,
      CompleteMultipartUpload: 1,
    },
    stream: {
      HeadObject: 1,
      CreateMultipartUpload: 1,
      GetObject: n,
      UploadPart: n,
      CompleteMultipartUpload: 1,
    },
    upload: { CreateMultipartUpload: 1, UploadPart: n, CompleteMultipartUpload: 1 },
    download: { HeadObject: 1, GetObject: n },
    local: {},
  };
}

const SINGLE: Record<CopyMethod, Record<string, number>> = {
  'server-side': { CopyObject: 1 },
  stream: { GetObject: 1, PutObject: 1 },
  upload: { PutObject: 1 },
  download: { GetObject: 1 },
  local: {},
};

const METHODS: CopyMethod[] = ['server-side', 'stream', 'upload', 'download', 'local'];

describe('estimateCopy: one request below the threshold, parts at and above it', () => {
  const cases: [string, number, number][] = [
    ['0 bytes', 0, 0],
    ['1 byte', 1, 0],
    ['threshold - 1', THRESHOLD - 1, 0],
    ['threshold', THRESHOLD, 2],
    ['threshold + 1', THRESHOLD + 1, 2],
    ['2 × part size', 2 * PART, 2],
    ['2 × part size + 1', 2 * PART + 1, 3],
    ['3 × part size', 3 * PART, 3],
    ['3 × part size + 1', 3 * PART + 1, 4],
  ];
  for (const [label, sizeBytes, parts] of cases) {
    it(`${label}: ${parts === 0 ? 'single' : `${parts} parts`}`, () => {
      for (const method of METHODS) {
        const expected =
          method === 'local' || parts === 0 ? SINGLE[method] : multipart(parts)[method];
        const got = estimateCopy(input(method, sizeBytes, { srcEtag: MD5 }));
        assert.deepEqual(got.requests, expected, method);
        assert.equal(copyPartCount(input(method, sizeBytes)), method === 'local' ? 0 : parts);
        const isServerSide = method === 'server-side';
        assert.equal(got.bytesThrough, isServerSide ? 0 : sizeBytes, method);
        assert.equal(got.bytesServerSide, isServerSide ? sizeBytes : 0, method);
      }
    });
  }

  it('a threshold below the part size: one part from 1 byte on', () => {
    const one = { multipartThresholdBytes: 1 };
    assert.deepEqual(estimateCopy(input('upload', 1, one)).requests, multipart(1).upload);
    assert.deepEqual(estimateCopy(input('upload', 0, one)).requests, SINGLE.upload);
    assert.deepEqual(estimateCopy(input('upload', PART, one)).requests, multipart(1).upload);
    assert.deepEqual(estimateCopy(input('upload', PART + 1, one)).requests, multipart(2).upload);
  });

  it('always multipart above 5 GiB, whatever the threshold', () => {
    const size = 6 * GiB;
    const got = estimateCopy(input('server-side', size, { multipartThresholdBytes: 5 * GiB + 1 }));
    assert.deepEqual(got.requests, multipart(1229)['server-side']); // 6 GiB / 5 MiB = 1228.8
    assert.deepEqual(
      estimateCopy(input('server-side', 5 * GiB, { multipartThresholdBytes: 5 * GiB + 1 }))
        .requests,
      SINGLE['server-side'],
    );
  });

  it('the preferred part size gives what the task part size gives (choosePartSize again)', () => {
    const size = 100 * GiB; // 10,000 parts of at least 10.24 MiB: 11 MiB parts
    const task = input('upload', size);
    assert.equal(task.partSizeBytes, 11 * MiB);
    assert.equal(copyPartCount(task), Math.ceil(size / (11 * MiB)));
    assert.equal(copyPartCount({ ...task, partSizeBytes: PART }), copyPartCount(task));
    assert.ok(copyPartCount(task) <= 10_000);
  });

  it('throws above 5 TiB, as choosePartSize does', () => {
    assert.throws(
      () =>
        estimateCopy({
          method: 'upload',
          sizeBytes: 5 * TiB + 1,
          multipartThresholdBytes: THRESHOLD,
          partSizeBytes: PART,
        }),
      (error: unknown) => error instanceof S3FerryError && error.code === 'EntityTooLarge',
    );
  });
});

describe('estimateCopy: multipart sources of streams and downloads', () => {
  const size = 16 * MiB; // s3ferry's own layout: 4 parts of 5 MiB

  it('reads a source of N > 1 parts in N parts after a second HEAD (partNumber answered)', () => {
    const got = estimateCopy(input('stream', size, { srcEtag: `${MD5}-2` }));
    assert.deepEqual(got.requests, {
      HeadObject: 2,
      CreateMultipartUpload: 1,
      GetObject: 2,
      UploadPart: 2,
      CompleteMultipartUpload: 1,
    });
    assert.deepEqual(estimateCopy(input('download', size, { srcEtag: `"${MD5}-2"` })).requests, {
      HeadObject: 2,
      GetObject: 2,
    });
  });

  it('where partNumber is not answered: its own part size (which here makes 4 parts)', () => {
    const unanswered = { srcEtag: `${MD5}-2`, isPartNumberAnswered: false };
    assert.equal(copyPartCount(input('stream', size, unanswered)), 4);
    assert.deepEqual(estimateCopy(input('download', size, unanswered)).requests, {
      HeadObject: 2,
      GetObject: 4,
    });
    // When its own part size makes N parts, the guess is the source's layout either way.
    const guessed = { srcEtag: `${MD5}-4`, isPartNumberAnswered: false };
    assert.equal(copyPartCount(input('stream', size, guessed)), 4);
  });

  it('a 1-part multipart source is read in one part, without a second HEAD', () => {
    assert.deepEqual(estimateCopy(input('stream', size, { srcEtag: `${MD5}-1` })).requests, {
      HeadObject: 1,
      CreateMultipartUpload: 1,
      GetObject: 1,
      UploadPart: 1,
      CompleteMultipartUpload: 1,
    });
    assert.deepEqual(estimateCopy(input('download', size, { srcEtag: `${MD5}-1` })).requests, {
      HeadObject: 1,
      GetObject: 1,
    });
  });

  it('server-side copies and uploads ignore the source layout; single copies too', () => {
    const etag = { srcEtag: `${MD5}-2` };
    assert.deepEqual(
      estimateCopy(input('server-side', size, etag)).requests,
      multipart(4)['server-side'],
    );
    assert.deepEqual(estimateCopy(input('upload', size, etag)).requests, multipart(4).upload);
    assert.deepEqual(estimateCopy(input('stream', THRESHOLD - 1, etag)).requests, SINGLE.stream);
    assert.deepEqual(estimateCopy(input('download', 0, etag)).requests, SINGLE.download);
  });
});

describe('etagPartCount', () => {
  it('reads the part count of a multipart ETag, quoted or not, any hex case', () => {
    assert.equal(etagPartCount(`${MD5}-3`), 3);
    assert.equal(etagPartCount(`"${MD5}-10000"`), 10_000);
    assert.equal(etagPartCount(`${MD5.toUpperCase()}-12`), 12);
  });

  it('0 for anything else', () => {
    for (const etag of [
      undefined,
      '',
      MD5,
      `"${MD5}"`,
      `${MD5}-0`,
      `${MD5}-123456`,
      'abc-2',
      `${MD5}-`,
    ]) {
      assert.equal(etagPartCount(etag), 0, String(etag));
    }
  });
});

describe('estimateDeletes', () => {
  it('one DeleteObjects per batch of keys at an S3 destination', () => {
    assert.deepEqual(estimateDeletes(0, 1000).requests, {});
    assert.deepEqual(estimateDeletes(1, 1000).requests, { DeleteObjects: 1 });
    assert.deepEqual(estimateDeletes(1000, 1000).requests, { DeleteObjects: 1 });
    assert.deepEqual(estimateDeletes(1001, 1000).requests, { DeleteObjects: 2 });
    assert.deepEqual(estimateDeletes(2500, 1000, 's3'), {
      requests: { DeleteObjects: 3 },
      bytesThrough: 0,
      bytesServerSide: 0,
    });
  });

  it('no request for a local destination', () => {
    assert.deepEqual(estimateDeletes(5000, 1000, 'local'), emptyEstimate());
  });

  it('refuses a batch size that is not positive', () => {
    assert.throws(() => estimateDeletes(1, 0), RangeError);
  });
});

describe('addEstimate', () => {
  it('adds operation by operation and both byte counts, into its first argument', () => {
    const total = emptyEstimate();
    const returned = addEstimate(total, estimateCopy(input('server-side', THRESHOLD)));
    assert.equal(returned, total);
    addEstimate(total, estimateCopy(input('server-side', 100)));
    addEstimate(total, estimateCopy(input('stream', 200)));
    addEstimate(total, estimateDeletes(1001, 1000));
    assert.deepEqual(total, {
      requests: {
        HeadObject: 2,
        CreateMultipartUpload: 1,
        UploadPartCopy: 2,
        CompleteMultipartUpload: 1,
        CopyObject: 1,
        GetObject: 1,
        PutObject: 1,
        DeleteObjects: 2,
      },
      bytesThrough: 200,
      bytesServerSide: THRESHOLD + 100,
    });
  });
});
