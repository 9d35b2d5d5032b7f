// `uploads` output: one line per upload (time, age, id, escaped path) and the closing lines of a
// listing and of --abort (counts, what was left alone, failures, dry run, interruption).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abortedUploadsLine,
  listedUploadsLine,
  uploadLine,
} from '../../src/cli/everyday-output.ts';
import { isOlderThan } from '../../src/engine/uploads.ts';
import type { AbortUploadsSummary, UploadEntry } from '../../src/engine/uploads.ts';

const H = 3_600_000;

function upload(overrides: Partial<UploadEntry> = {}): UploadEntry {
  return {
    url: 's3+p://b/dir/big.bin',
    bucket: 'b',
    key: 'dir/big.bin',
    uploadId: '2~abcDEF',
    initiated: new Date('2024-05-01T12:00:00.123Z'),
    ageMs: 3 * H + 12 * 60_000,
    ...overrides,
  };
}

function summary(overrides: Partial<AbortUploadsSummary> = {}): AbortUploadsSummary {
  return {
    path: 's3://b/dir/',
    listed: 3,
    aborted: 2,
    alreadyGone: 0,
    kept: 1,
    failed: 0,
    olderThanMs: 24 * H,
    isDryRun: false,
    isInterrupted: false,
    requests: {},
    ...overrides,
  };
}

describe('uploads output', () => {
  it('a line: ISO time to the second, age in 6 columns, upload id, full path', () => {
    assert.equal(
      uploadLine(upload()),
      '2024-05-01T12:00:00Z   3h12m  2~abcDEF  s3+p://b/dir/big.bin\n',
    );
  });

  it('a key or upload id with control characters is printed escaped', () => {
    const line = uploadLine(
      upload({ url: 's3://b/x\u001b]0;pwned\u0007\n.bin', uploadId: 'id\u202e' }),
    );
    assert.equal(
      line,
      '2024-05-01T12:00:00Z   3h12m  id\\u202e  s3://b/x\\u001b]0;pwned\\u0007\\n.bin\n',
    );
  });

  it('an upload the server gave no time for shows - and ?', () => {
    assert.equal(
      uploadLine(upload({ initiated: undefined, ageMs: undefined })),
      '-                          ?  2~abcDEF  s3+p://b/dir/big.bin\n',
    );
  });

  it('the listing line: none, all, and how many are older than --older-than', () => {
    const at = 's3://b/dir/';
    assert.equal(
      listedUploadsLine(at, { listed: 0, shown: 0, olderThanMs: undefined }),
      's3ferry: no multipart uploads in progress at s3://b/dir/\n',
    );
    assert.equal(
      listedUploadsLine(at, { listed: 1, shown: 1, olderThanMs: undefined }),
      's3ferry: 1 multipart upload in progress at s3://b/dir/\n',
    );
    assert.equal(
      listedUploadsLine(at, { listed: 1200, shown: 1200, olderThanMs: 0 }),
      's3ferry: 1,200 multipart uploads in progress at s3://b/dir/\n',
    );
    assert.equal(
      listedUploadsLine(at, { listed: 3, shown: 1, olderThanMs: 36 * H }),
      's3ferry: 1 of 3 multipart uploads in progress at s3://b/dir/ is older than 1d12h\n',
    );
  });

  it('the --abort line: aborted, already gone, left alone, failed, interrupted, dry run', () => {
    assert.equal(
      abortedUploadsLine(summary()),
      's3ferry: aborted 2 multipart uploads older than 1d at s3://b/dir/; 1 newer left alone\n',
    );
    assert.equal(
      abortedUploadsLine(summary({ olderThanMs: 0, kept: 0, aborted: 1, alreadyGone: 1 })),
      's3ferry: aborted 1 multipart upload at s3://b/dir/ (1 already gone)\n',
    );
    assert.equal(
      abortedUploadsLine(summary({ failed: 2, isInterrupted: true, kept: 0 })),
      's3ferry: aborted 2 multipart uploads older than 1d at s3://b/dir/ before it was interrupted; 2 could not be aborted\n',
    );
    assert.equal(
      abortedUploadsLine(summary({ isDryRun: true, olderThanMs: 30 * 60_000 })),
      's3ferry: dry run: would abort 2 multipart uploads older than 30m at s3://b/dir/; 1 newer left alone; nothing was aborted\n',
    );
    assert.equal(
      abortedUploadsLine(summary({ path: 's3://b/\u001b[2J', aborted: 0, kept: 0 })),
      's3ferry: aborted 0 multipart uploads older than 1d at s3://b/\\u001b[2J\n',
    );
  });
});

describe('isOlderThan (what --older-than selects)', () => {
  it('0 selects every upload, even one of unknown age; above 0 only those known to be that old', () => {
    assert.equal(isOlderThan({ ageMs: 0 }, 0), true);
    assert.equal(isOlderThan({ ageMs: undefined }, 0), true);
    assert.equal(isOlderThan({ ageMs: H }, H), true);
    assert.equal(isOlderThan({ ageMs: H - 1 }, H), false);
    assert.equal(isOlderThan({ ageMs: undefined }, 1), false);
  });
});
