// The text forms of a check (src/cli/check-output.ts): difference lines, -v lines, failure lines,
// the summary (including the "not verified by content" count), status lines and exit codes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckProgress, CheckSummary } from '../../src/engine/check.ts';
import {
  checkExitCode,
  checkFailureLine,
  checkStatusLine,
  checkSummaryText,
  createCheckProgressDisplay,
  differenceLine,
  sameLine,
} from '../../src/cli/check-output.ts';

const MiB = 1024 * 1024;

function summary(overrides: Partial<CheckSummary> = {}): CheckSummary {
  return {
    status: 'match',
    src: 's3+a://bucket/data/',
    dst: 's3+b://backup/data/',
    isDownload: false,
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 2_500,
    objects: {
      listed: 1_200,
      listedDestination: 1_200,
      same: 1_200,
      missing: 0,
      extra: 0,
      sizeDiffers: 0,
      md5Differs: 0,
      failed: 0,
      cancelled: 0,
    },
    comparedBy: { etag: 1_200, md5: 0, download: 0, sizeOnly: 0 },
    bytes: { listed: 12 * MiB, hashed: 0 },
    requests: { ListObjectsV2: 4 },
    requestsTotal: 4,
    responses: { 200: 4 },
    retries: 0,
    clientCacheMode: 'thread_local',
    clientsBuilt: { a: 1, b: 1 },
    workers: 4,
    differences: [],
    isDifferenceListTruncated: false,
    isSourceEmpty: false,
    failures: [],
    isFailureListTruncated: false,
    ...overrides,
  };
}

const paths = { src: 's3+a://b/k', dst: 's3+b://c/k' };

describe('check output', () => {
  it('prints one line per difference, key relative, source size first', () => {
    assert.equal(
      differenceLine({ kind: 'difference', key: 'a/b', difference: 'missing', ...paths }),
      'missing: a/b\n',
    );
    assert.equal(
      differenceLine({ kind: 'difference', key: 'z', difference: 'extra', ...paths }),
      'extra: z\n',
    );
    assert.equal(
      differenceLine({
        kind: 'difference',
        key: 'k',
        difference: 'size-differs',
        srcSizeBytes: 10,
        dstSizeBytes: 12,
        ...paths,
      }),
      'differs (size 10 ≠ 12): k\n',
    );
    assert.equal(
      differenceLine({
        kind: 'difference',
        key: 'k',
        difference: 'md5-differs',
        comparedBy: 'download',
        ...paths,
      }),
      'differs (md5): k\n',
    );
  });

  it('escapes a key that would break the line, and names a single object', () => {
    assert.equal(
      differenceLine({ kind: 'difference', key: 'a\nb', difference: 'missing', ...paths }),
      'missing: a\\nb\n',
    );
    assert.equal(
      differenceLine({ kind: 'difference', key: '', difference: 'missing', ...paths }),
      'missing: (the object)\n',
    );
  });

  it('-v lines say how a key was found the same', () => {
    assert.equal(
      sameLine({ kind: 'same', key: 'k', sizeBytes: 1, comparedBy: 'etag' }),
      'same (etag): k\n',
    );
    assert.equal(
      sameLine({ kind: 'same', key: 'k', sizeBytes: 1, comparedBy: 'size-only' }),
      'same (size only): k\n',
    );
  });

  it('a key that could not be compared: code, message and hint on one line', () => {
    const line = checkFailureLine({
      kind: 'failure',
      key: 'k',
      ...paths,
      error: {
        kind: 'permission',
        code: 'AccessDenied',
        message: 'access denied',
        hint: 'check b',
        retryable: false,
        fatal: false,
      },
    });
    assert.equal(line, 's3ferry: not compared: k: AccessDenied: access denied. Hint: check b\n');
  });

  it('the summary of a match says how the content was verified', () => {
    const text = checkSummaryText(summary());
    assert.match(
      text,
      /^s3ferry: check: the destination matches the source: s3\+a:\/\/bucket\/data\/ -> s3\+b:\/\/backup\/data\/ in 2\.5 s$/m,
    );
    assert.match(
      text,
      /keys: 1,200 at the source, 1,200 at the destination: 1,200 same, 0 missing, 0 extra, 0 differ, 0 not compared/,
    );
    assert.match(
      text,
      /content: 1,200 of the same keys verified \(1,200 by ETag\), 0 compared by size only/,
    );
    assert.doesNotMatch(text, /not verified by content/);
    assert.match(text, /requests: 4 \(ListObjectsV2 4\)/);
  });

  it('the summary counts the keys compared by size only and points at --download', () => {
    const text = checkSummaryText(
      summary({ comparedBy: { etag: 1_000, md5: 0, download: 0, sizeOnly: 200 } }),
    );
    assert.match(text, /matches the source/);
    assert.match(
      text,
      /not verified by content: 200 keys had no comparable fingerprint .* --download/,
    );
  });

  it('the summary of differences breaks them down', () => {
    const text = checkSummaryText(
      summary({
        status: 'differ',
        objects: {
          listed: 10,
          listedDestination: 9,
          same: 5,
          missing: 2,
          extra: 1,
          sizeDiffers: 1,
          md5Differs: 1,
          failed: 0,
          cancelled: 0,
        },
      }),
    );
    assert.match(text, /the destination differs from the source \(5 differences\)/);
    assert.match(text, /5 same, 2 missing, 1 extra, 2 differ \(1 size, 1 md5\), 0 not compared/);
  });

  it('exit codes: match 0, differ and incomplete 1, fatal 3, interrupted 130', () => {
    assert.equal(checkExitCode(summary({ status: 'match' })), 0);
    assert.equal(checkExitCode(summary({ status: 'differ' })), 1);
    assert.equal(checkExitCode(summary({ status: 'incomplete' })), 1);
    assert.equal(checkExitCode(summary({ status: 'fatal' })), 3);
    assert.equal(checkExitCode(summary({ status: 'interrupted' })), 130);
  });

  const progress: CheckProgress = {
    objectsListed: 100,
    objectsListedDestination: 90,
    keysListed: 110,
    objectsChecked: 50,
    differences: 3,
    failed: 1,
    bytesToHash: 10 * MiB,
    bytesHashed: 5 * MiB,
    isListingDone: false,
    elapsedMs: 1000,
  };

  it('a status line for logs, marked while listing goes on', () => {
    assert.equal(
      checkStatusLine(progress),
      's3ferry: checked 50/110+ keys (still listing): 3 differences, 1 not compared; hashed 5.0 MiB/10.0 MiB at 5.0 MiB/s\n',
    );
  });

  it('not on a TTY: a status line at most every interval; silent: only logged lines', () => {
    let err = '';
    let clock = 0;
    const io = { writeOut: () => undefined, writeErr: (t: string) => (err += t) };
    const display = createCheckProgressDisplay({
      io,
      isTty: false,
      statusIntervalMs: 1000,
      now: () => clock,
    });
    display.update({ kind: 'progress', ...progress });
    assert.equal(err, '');
    clock = 1500;
    display.update({ kind: 'progress', ...progress });
    assert.match(err, /^s3ferry: checked 50\/110\+ keys/);
    err = '';
    const silent = createCheckProgressDisplay({ io, isTty: true, isSilent: true });
    silent.update({ kind: 'progress', ...progress });
    silent.log('line\n');
    silent.stop();
    assert.equal(err, 'line\n');
  });
});
