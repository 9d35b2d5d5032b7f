// Which uploads a lost CreateMultipartUpload answer left, whether a failed Create may have made
// one, and when an object is the one a lost CompleteMultipartUpload answer completed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLOCK_SKEW_MS,
  INITIATED_MARGIN_MS,
  isCompletedObject,
  lostCreates,
  mayHaveCreated,
} from '../../src/s3/transfer/lost-answers.ts';
import type { S3Upload } from '../../src/s3/uploads.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

const T = Date.parse('2026-12-04T12:00:00.000Z');
const upload = (uploadId: string, initiatedMs: number | undefined, key = 'dir/k'): S3Upload => ({
  key,
  uploadId,
  initiatedMs,
});
const ids = (uploads: S3Upload[]): string[] => uploads.map((u) => u.uploadId);

describe('lostCreates', () => {
  // The task sent its first attempt at T and had the answer 3 s later (our clock).
  const timing = { sentAtMs: T, answeredAtMs: T + 3000 };

  describe('after a Create that succeeded: dated by our upload, on the server clock', () => {
    // The server's clock is 1 hour behind ours: our upload is dated T − 1 h + 2.9 s.
    const oursAt = T - 3_600_000 + 2900;
    const lost = { key: 'dir/k', uploadId: 'ours', timing };

    it('takes the uploads of the key initiated while the attempts ran', () => {
      const listed = [
        upload('first-attempt', oursAt - 2900),
        upload('ours', oursAt),
        upload('second-attempt', oursAt - 1000),
      ];
      assert.deepEqual(ids(lostCreates(listed, lost)), ['first-attempt', 'second-attempt']);
    });

    it('never takes our own upload, another key (the prefix lists longer keys) or an undated one', () => {
      const listed = [
        upload('ours', oursAt),
        upload('longer-key', oursAt - 10, 'dir/k2'),
        upload('undated', undefined),
      ];
      assert.deepEqual(lostCreates(listed, lost), []);
    });

    it('leaves uploads of the key from before the first attempt or after the answer alone', () => {
      const tookMs = timing.answeredAtMs - timing.sentAtMs;
      const listed = [
        upload('ours', oursAt),
        upload('older', oursAt - tookMs - INITIATED_MARGIN_MS - 1),
        upload('edge-before', oursAt - tookMs - INITIATED_MARGIN_MS),
        upload('edge-after', oursAt + INITIATED_MARGIN_MS),
        upload('later', oursAt + INITIATED_MARGIN_MS + 1),
      ];
      assert.deepEqual(ids(lostCreates(listed, lost)), ['edge-before', 'edge-after']);
    });

    it('our clock does not matter: a server clock far behind still finds them', () => {
      const listed = [upload('ours', oursAt), upload('lost', oursAt - 1500)];
      // Against our clock both are an hour before the first attempt.
      assert.deepEqual(ids(lostCreates(listed, lost)), ['lost']);
    });
  });

  describe('after a Create that failed (or whose upload is not listed): our clock ± skew', () => {
    const lost = { key: 'dir/k', timing };

    it('takes the uploads of the key initiated from the first attempt − skew to the answer + skew', () => {
      const listed = [
        upload('too-old', T - CLOCK_SKEW_MS - 1),
        upload('skewed-behind', T - CLOCK_SKEW_MS),
        upload('in-time', T + 1000),
        upload('skewed-ahead', T + 3000 + CLOCK_SKEW_MS),
        upload('too-new', T + 3000 + CLOCK_SKEW_MS + 1),
        upload('other-key', T + 1000, 'dir/k/x'),
      ];
      assert.deepEqual(ids(lostCreates(listed, lost)), [
        'skewed-behind',
        'in-time',
        'skewed-ahead',
      ]);
    });

    it('falls back to our clock when the id it got is not listed', () => {
      const listed = [upload('lost', T + 10)];
      assert.deepEqual(ids(lostCreates(listed, { ...lost, uploadId: 'not-listed' })), ['lost']);
    });
  });
});

describe('mayHaveCreated', () => {
  const answered = (status: number): S3FerryError =>
    new S3FerryError('client', 'X', 'x', { httpStatus: status });

  it('is true after more than one attempt, whatever the last answer', () => {
    assert.equal(mayHaveCreated(answered(403), 2), true);
  });

  it('is true when the one attempt got no S3 answer, or a 5xx', () => {
    assert.equal(mayHaveCreated(new S3FerryError('network', 'ECONNRESET', 'reset'), 1), true);
    assert.equal(mayHaveCreated(new Error('not classified'), 1), true);
    assert.equal(mayHaveCreated(answered(500), 1), true);
    assert.equal(mayHaveCreated(answered(503), 1), true);
  });

  it('is false when the one attempt was refused with a 4xx', () => {
    assert.equal(mayHaveCreated(answered(403), 1), false);
    assert.equal(mayHaveCreated(answered(404), 1), false);
  });
});

describe('isCompletedObject', () => {
  const expected = { sizeBytes: 100, etag: '96641e8660f1bb9b39c92b0be753b74c-1' };

  it('matches the size and the composite ETag, quoted or not, any case', () => {
    const etag = '"96641E8660F1BB9B39C92B0BE753B74C-1"';
    assert.equal(isCompletedObject({ ContentLength: 100, ETag: etag }, expected), true);
  });

  it('is false for another size, another ETag, or none', () => {
    const etag = expected.etag;
    assert.equal(isCompletedObject({ ContentLength: 99, ETag: etag }, expected), false);
    assert.equal(isCompletedObject({ ContentLength: 100, ETag: `${etag}0` }, expected), false);
    assert.equal(isCompletedObject({ ContentLength: 100 }, expected), false);
    assert.equal(isCompletedObject({ ETag: etag }, expected), false);
  });
});
