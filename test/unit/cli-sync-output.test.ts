// The text forms of a sync run (src/cli/sync-output.ts): summary, failure and verbose lines, the
// non-TTY status line, throughput/ETA, and the exit code of each run status. Pure functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProgressSnapshot, SyncEvent, SyncSummary } from '../../src/engine/events.ts';
import {
  etaSeconds,
  exitCodeOf,
  failureLine,
  formatEta,
  isFatalAFailure,
  requestsText,
  statusLine,
  summaryText,
  throughput,
  verboseLine,
} from '../../src/cli/sync-output.ts';
import type { SerializedError } from '../../src/shared/errors.ts';

const MiB = 1024 * 1024;

function snapshot(overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    objectsListed: 1200,
    objectsDone: 300,
    copied: 250,
    skipped: 40,
    failed: 10,
    objectsToCopy: 900,
    bytesToCopy: 100 * MiB,
    bytesCopied: 25 * MiB,
    isListingDone: true,
    elapsedMs: 5000,
    ...overrides,
  };
}

function summary(overrides: Partial<SyncSummary> = {}): SyncSummary {
  return {
    status: 'ok',
    src: 's3+src://bucket/data/',
    dst: 's3+dst://backup/data/',
    mode: 'default',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12_345,
    objects: {
      listed: 10_000,
      listedDestination: 0,
      copied: 10_000,
      skipped: 0,
      failed: 0,
      cancelled: 0,
      extraneous: 0,
      deleted: 0,
      deleteFailed: 0,
      sourcesDeleted: 0,
      wouldCopy: 0,
      wouldDelete: 0,
      unverified: 0,
      byMethod: { 'server-side': 10_000 },
    },
    bytes: { copied: 1536 * MiB, listed: 1536 * MiB, wouldCopy: 0, skipped: 0, failed: 0 },
    checksumFallbacks: 0,
    requests: { ListObjectsV2: 11, CopyObject: 10_000 },
    requestsTotal: 10_011,
    responses: { '200': 10_011 },
    retries: 0,
    clientCacheMode: 'thread_local',
    clientsBuilt: { src: 2, dst: 2 },
    clientsBuiltByThread: {},
    workers: 2,
    failures: [],
    isFailureListTruncated: false,
    isDryRun: false,
    shouldDelete: false,
    deleteFailures: [],
    ...overrides,
  };
}

const accessDenied: SerializedError = {
  kind: 'permission',
  code: 'AccessDenied',
  message: 'Access Denied',
  hint: 'check the bucket policy of backup',
  retryable: false,
  fatal: false,
};

describe('exitCodeOf', () => {
  it('maps each run status to the documented exit code', () => {
    assert.equal(exitCodeOf(summary({ status: 'ok' })), 0);
    assert.equal(exitCodeOf(summary({ status: 'partial' })), 1);
    assert.equal(exitCodeOf(summary({ status: 'fatal' })), 3);
    assert.equal(exitCodeOf(summary({ status: 'interrupted' })), 130);
  });
});

describe('summaryText', () => {
  it('a finished run: heading, objects with bytes, requests biggest first, clients', () => {
    assert.equal(
      summaryText(summary()),
      's3ferry: synced: s3+src://bucket/data/ -> s3+dst://backup/data/ in 12.3 s\n' +
        '  objects: 10,000 listed, 10,000 copied (1.5 GiB), 0 skipped, 0 failed\n' +
        '  requests: 10,011 (CopyObject 10,000, ListObjectsV2 11)\n' +
        '  clients: src 2, dst 2 (thread_local, 2 workers)\n',
    );
  });

  it('a dry run shows the cost of the real run; a checkpointed run its pass and what it resumed', () => {
    const dry = summaryText(
      summary({
        isDryRun: true,
        plan: {
          requests: { ListObjectsV2: 2, GetObject: 5, PutObject: 5 },
          requestsTotal: 12,
          bytesThrough: 5 * 1024 * 1024,
          bytesServerSide: 0,
        },
      }),
    );
    assert.match(
      dry,
      /\n {2}cost of the real run: 12 requests \(GetObject 5, PutObject 5, ListObjectsV2 2\), 5\.0 MiB through s3ferry, 0 B copied server-side\n/,
    );
    const resumed = summaryText(
      summary({
        checkpoint: {
          path: '/jobs/a.ckpt',
          pass: 3,
          ranges: 1,
          rangesDone: 1,
          journal: { records: 10, bytesWritten: 1000, fsyncs: 2 },
          resumed: {
            passStartedAt: '2026-12-04T01:02:03.000Z',
            rangesSkipped: 0,
            keysNotRelisted: 1_500,
            copied: 1_400,
            copiedBytes: 1024,
            skipped: 100,
            failed: 0,
            uploadsContinued: [],
            uploadsAborted: 2,
            droppedTornRecord: false,
          },
        },
      }),
    );
    assert.match(
      resumed,
      /\n {2}checkpoint: \/jobs\/a\.ckpt, pass 3, 1 of 1 ranges done \(finished: the next run starts a new pass\)\n/,
    );
    assert.match(
      resumed,
      /\n {2}resumed: the pass started 2026-12-04T01:02:03\.000Z; 1,500 keys not listed again \(0 ranges done\), earlier runs copied 1,400 \(1\.0 KiB\), skipped 100, failed 0; 2 stale uploads aborted\n/,
    );
  });

  it('names partial and interrupted runs, and shows cancelled copies and destination-only objects', () => {
    const partial = summaryText(
      summary({
        status: 'partial',
        objects: { ...summary().objects, copied: 9_998, failed: 2, extraneous: 5 },
      }),
    );
    assert.match(partial, /^s3ferry: synced with failures: /);
    assert.match(
      partial,
      /9,998 copied .*, 0 skipped, 2 failed, 5 only at the destination \(kept\)\n/,
    );

    const interrupted = summaryText(
      summary({
        status: 'interrupted',
        objects: { ...summary().objects, copied: 10, cancelled: 3 },
      }),
    );
    assert.match(interrupted, /^s3ferry: interrupted: s3\+src:/);
    assert.match(interrupted, /10 copied .*, 0 failed, 3 cancelled\n/);
  });

  it('a fatal run ends with the error line and its hint', () => {
    const text = summaryText(
      summary({
        status: 'fatal',
        fatal: { ...accessDenied, fatal: true, message: 'cannot list s3+dst://backup/' },
      }),
    );
    assert.match(text, /^s3ferry: stopped by an error: /);
    assert.match(
      text,
      /\n {2}error: AccessDenied: cannot list s3\+dst:\/\/backup\/. Hint: check the bucket policy of backup\n$/,
    );
  });

  it("does not repeat a fatal error that was one object's failure line (a full disk)", () => {
    const full: SerializedError = {
      kind: 'local-io',
      code: 'ENOSPC',
      message: 'cannot write /mnt/out/big.bin: no space left on device',
      hint: 'the file system is full: free space on it, or choose another destination',
      retryable: false,
      fatal: true,
    };
    const record = { key: 'big.bin', src: 's3://b/big.bin', dst: '/mnt/out/big.bin', error: full };
    const stopped = summary({ status: 'fatal', fatal: full, failures: [record] });
    assert.equal(isFatalAFailure(stopped), true);
    assert.doesNotMatch(summaryText(stopped), /\n {2}error:|ENOSPC/);
    // Another failure than the one that stopped the run: the error line stays.
    const other = summary({
      status: 'fatal',
      fatal: full,
      failures: [{ ...record, error: { ...full, message: 'cannot write /mnt/out/a.bin: …' } }],
    });
    assert.equal(isFatalAFailure(other), false);
    assert.match(summaryText(other), /\n {2}error: ENOSPC: cannot write \/mnt\/out\/big\.bin/);
  });

  it('mentions --checksum pairs that were compared by size and time', () => {
    const text = summaryText(summary({ mode: 'checksum', checksumFallbacks: 1_234 }));
    assert.match(text, /\n {2}checksum: 1,234 objects had no comparable MD5\/ETag/);
  });

  it('says how many copies were not verified end to end, and only when some were not', () => {
    const base = summary();
    assert.doesNotMatch(summaryText(base), /integrity:/);
    const text = summaryText(summary({ objects: { ...base.objects, unverified: 3 } }));
    assert.match(text, /\n {2}integrity: 3 copied objects were not verified end to end \(KMS-/);
  });

  it('with no requests and no clients says so', () => {
    const text = summaryText(summary({ requests: {}, requestsTotal: 0, clientsBuilt: {} }));
    assert.match(text, /requests: 0 \(none\)\n/);
    assert.match(text, /clients: none \(thread_local, 2 workers\)\n/);
  });
});

describe('requestsText', () => {
  it('orders operations by count, biggest first', () => {
    assert.equal(
      requestsText(summary({ requests: { HeadObject: 3, GetObject: 2_986, PutObject: 2_973 } })),
      'GetObject 2,986, PutObject 2,973, HeadObject 3',
    );
  });
});

describe('failureLine', () => {
  const failure = (error: SerializedError): Extract<SyncEvent, { kind: 'failure' }> => ({
    kind: 'failure',
    key: 'a/b c',
    src: 's3+src://bucket/data/a/b c',
    dst: 's3+dst://backup/data/a/b c',
    error,
  });

  it('one line: the source, the error code, the message and the hint', () => {
    assert.equal(
      failureLine(failure(accessDenied)),
      's3ferry: failed: s3+src://bucket/data/a/b c: AccessDenied: Access Denied. Hint: check the bucket policy of backup\n',
    );
  });

  it('without a hint there is no Hint part', () => {
    const noHint: SerializedError = { ...accessDenied };
    delete noHint.hint;
    assert.equal(
      failureLine(failure(noHint)),
      's3ferry: failed: s3+src://bucket/data/a/b c: AccessDenied: Access Denied\n',
    );
  });
});

describe('verboseLine', () => {
  it('copy and skip lines carry the reason and, for copies, the method', () => {
    assert.equal(
      verboseLine({
        kind: 'object',
        key: 'a.txt',
        action: 'copy',
        reason: 'missing',
        sizeBytes: 1,
        method: 'server-side',
      }),
      'copy a.txt (missing, server-side)\n',
    );
    assert.equal(
      verboseLine({ kind: 'object', key: 'd/ü +', action: 'skip', reason: 'same', sizeBytes: 1 }),
      'skip d/ü + (same)\n',
    );
  });

  it('marks --checksum decisions that fell back to size and time', () => {
    assert.equal(
      verboseLine({
        kind: 'object',
        key: 'big',
        action: 'skip',
        reason: 'same',
        sizeBytes: 1,
        isChecksumFallback: true,
      }),
      'skip big (same, checksum not comparable: compared size and time)\n',
    );
  });

  it('escapes control characters so one object stays one line; names the single-object source', () => {
    assert.equal(
      verboseLine({
        kind: 'object',
        key: 'evil\nkey\t',
        action: 'copy',
        reason: 'newer',
        sizeBytes: 1,
        method: 'upload',
      }),
      'copy evil\\nkey\\t (newer, upload)\n',
    );
    assert.equal(
      verboseLine({
        kind: 'object',
        key: '',
        action: 'copy',
        reason: 'forced',
        sizeBytes: 1,
        method: 'download',
      }),
      'copy (the source object) (forced, download)\n',
    );
  });

  it('other events have no verbose line', () => {
    assert.equal(verboseLine({ kind: 'progress', ...snapshot() }), undefined);
    assert.equal(verboseLine({ kind: 'warning', message: 'x' }), undefined);
  });
});

describe('progress arithmetic', () => {
  it('throughput and ETA from bytes and elapsed time; unknown at the very start', () => {
    assert.equal(throughput(snapshot()), 5 * MiB);
    assert.equal(etaSeconds(snapshot()), 15);
    assert.equal(throughput(snapshot({ elapsedMs: 100 })), undefined);
    assert.equal(throughput(snapshot({ bytesCopied: 0 })), undefined);
    assert.equal(etaSeconds(snapshot({ bytesCopied: 0, copied: 0, failed: 0 })), undefined);
    // In-flight bytes can briefly exceed the known total: never a negative ETA.
    assert.equal(etaSeconds(snapshot({ bytesCopied: 120 * MiB, copied: 890 })), 0);
    // Unknown while listing: the work left is not known yet.
    assert.equal(etaSeconds(snapshot({ isListingDone: false })), undefined);
    // Small objects are bound by copies per second, not bytes: 640 copies left at 52/s.
    assert.equal(
      Math.round(etaSeconds(snapshot({ bytesToCopy: 26 * MiB })) ?? -1),
      Math.round(640 / 52),
    );
    // The engine's own figures win when the event carries them (--json consumers see the same).
    assert.equal(etaSeconds(snapshot({ etaSeconds: 42 })), 42);
  });

  it('formatEta: m:ss, h:mm:ss, ? when unknown', () => {
    assert.equal(formatEta(0), '0:00');
    assert.equal(formatEta(59.6), '1:00');
    assert.equal(formatEta(125), '2:05');
    assert.equal(formatEta(3723), '1:02:03');
    assert.equal(formatEta(undefined), '?');
    assert.equal(formatEta(Number.POSITIVE_INFINITY), '?');
  });
});

describe('statusLine (not a TTY)', () => {
  it('one line with counts, bytes, rate and ETA', () => {
    assert.equal(
      statusLine(snapshot()),
      's3ferry: listed 1,200 keys (done); copies 260/900 (250 copied, 10 failed), 40 skipped; 25.0 MiB/100.0 MiB at 5.0 MiB/s, ETA 0:15\n',
    );
  });

  it('says when listing is still going on, and leaves out an unknown rate', () => {
    assert.equal(
      statusLine(snapshot({ isListingDone: false, bytesCopied: 0, elapsedMs: 50 })),
      's3ferry: listing: 1,200 keys so far; copies 260/900+ (250 copied, 10 failed), 40 skipped; 0 B/100.0 MiB+, ETA ?\n',
    );
  });
});
