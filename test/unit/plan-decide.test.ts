// Every branch of decide(): modes, directions, the whole-second mtime rule and its download
// asymmetry, and --checksum with comparable, incomparable and missing fingerprints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, isPlainMd5Etag } from '../../src/plan/decide.ts';
import type { CompareMode, Decision, SyncDirection } from '../../src/plan/decide.ts';
import type { JoinEntry } from '../../src/plan/merge-join.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

const T = Date.UTC(2024, 5, 1, 12, 0, 0); // a whole second
const MD5_A = '9b2cf535f27731c974343645a3985328';
const MD5_B = '0cc175b9c0f1b6a831c399e269772661';

function e(sizeBytes: number, mtimeMs: number, etag?: string): ListEntry {
  return etag === undefined
    ? { key: 'k', sizeBytes, mtimeMs }
    : { key: 'k', sizeBytes, mtimeMs, etag };
}
function match(src: ListEntry, dst: ListEntry): JoinEntry {
  return { kind: 'match', src, dst };
}

const MODES: CompareMode[] = ['default', 'force', 'skip-existing', 'size-only', 'checksum'];
const DIRECTIONS: SyncDirection[] = ['upload', 'download', 's3-to-s3', 'local-to-local'];

describe('decide: keys on one side only', () => {
  for (const mode of MODES) {
    for (const direction of DIRECTIONS) {
      it(`${mode}, ${direction}: src-only is copied as missing, dst-only is extraneous`, () => {
        assert.deepEqual(decide({ kind: 'src-only', src: e(1, T) }, { mode, direction }), {
          action: 'copy',
          reason: 'missing',
        });
        assert.deepEqual(decide({ kind: 'dst-only', dst: e(1, T) }, { mode, direction }), {
          action: 'extraneous',
        });
      });
    }
  }
});

describe('decide: force, skip-existing, size-only', () => {
  const differ = match(e(1, T + 5000, MD5_A), e(2, T, MD5_B));
  const same = match(e(1, T), e(1, T + 99_000));
  for (const direction of DIRECTIONS) {
    it(direction, () => {
      assert.deepEqual(decide(same, { mode: 'force', direction }), {
        action: 'copy',
        reason: 'forced',
      });
      assert.deepEqual(decide(differ, { mode: 'skip-existing', direction }), {
        action: 'skip',
        reason: 'exists',
      });
      assert.deepEqual(decide(differ, { mode: 'size-only', direction }), {
        action: 'copy',
        reason: 'size-differs',
      });
      // Size-only ignores times in either direction.
      assert.deepEqual(decide(same, { mode: 'size-only', direction }), {
        action: 'skip',
        reason: 'same',
      });
      assert.deepEqual(decide(match(e(1, T + 99_000), e(1, T)), { mode: 'size-only', direction }), {
        action: 'skip',
        reason: 'same',
      });
    });
  }
});

describe('decide: default (megfile size + mtime rule, whole seconds)', () => {
  const cases: [string, SyncDirection, ListEntry, ListEntry, Decision][] = [
    // Uploads, S3→S3 and local→local: skip when dst mtime ≥ src mtime.
    ['upload, dst newer', 'upload', e(5, T), e(5, T + 3000), { action: 'skip', reason: 'same' }],
    ['upload, same second', 'upload', e(5, T), e(5, T), { action: 'skip', reason: 'same' }],
    ['upload, src newer', 'upload', e(5, T + 1000), e(5, T), { action: 'copy', reason: 'newer' }],
    [
      'upload, size differs',
      'upload',
      e(5, T),
      e(6, T + 9000),
      { action: 'copy', reason: 'size-differs' },
    ],
    [
      's3-to-s3, dst newer',
      's3-to-s3',
      e(5, T),
      e(5, T + 1000),
      { action: 'skip', reason: 'same' },
    ],
    [
      's3-to-s3, src newer',
      's3-to-s3',
      e(5, T + 1000),
      e(5, T),
      { action: 'copy', reason: 'newer' },
    ],
    [
      'local, src newer',
      'local-to-local',
      e(5, T + 2000),
      e(5, T),
      { action: 'copy', reason: 'newer' },
    ],
    [
      'local, dst newer',
      'local-to-local',
      e(5, T),
      e(5, T + 2000),
      { action: 'skip', reason: 'same' },
    ],
    // Downloads: skip when dst mtime ≤ src mtime (the asymmetry).
    ['download, same second', 'download', e(5, T), e(5, T), { action: 'skip', reason: 'same' }],
    [
      'download, object newer',
      'download',
      e(5, T + 5000),
      e(5, T),
      { action: 'skip', reason: 'same' },
    ],
    [
      'download, local newer',
      'download',
      e(5, T),
      e(5, T + 1000),
      { action: 'copy', reason: 'newer' },
    ],
    [
      'download, size differs',
      'download',
      e(5, T),
      e(4, T),
      { action: 'copy', reason: 'size-differs' },
    ],
    // Whole seconds: RGW lists .194 ms where HEAD/GET (and a downloaded file's mtime) say .000.
    [
      'upload, src ms later in the same second',
      'upload',
      e(5, T + 999),
      e(5, T),
      { action: 'skip', reason: 'same' },
    ],
    [
      's3-to-s3, listed ms vs HEAD s',
      's3-to-s3',
      e(5, T + 194),
      e(5, T),
      { action: 'skip', reason: 'same' },
    ],
    [
      'download, local file ms later in the same second',
      'download',
      e(5, T),
      e(5, T + 999),
      { action: 'skip', reason: 'same' },
    ],
    [
      'download, local file in the next second',
      'download',
      e(5, T + 999),
      e(5, T + 1000),
      { action: 'copy', reason: 'newer' },
    ],
    [
      'upload, src in the next second',
      'upload',
      e(5, T + 1000),
      e(5, T + 999),
      { action: 'copy', reason: 'newer' },
    ],
  ];
  for (const [name, direction, src, dst, expected] of cases) {
    it(name, () => {
      assert.deepEqual(decide(match(src, dst), { mode: 'default', direction }), expected);
    });
  }
  it('floors negative (pre-1970) times too', () => {
    assert.deepEqual(
      decide(match(e(1, -1500), e(1, -1001)), { mode: 'default', direction: 'upload' }),
      {
        action: 'skip',
        reason: 'same',
      },
    );
  });
});

describe('decide: checksum', () => {
  const multipart = `${MD5_A}-3`;
  it('S3→S3 compares plain-MD5 ETags (case-insensitively), whatever the times', () => {
    assert.deepEqual(
      decide(match(e(5, T + 9000, MD5_A), e(5, T, MD5_A.toUpperCase())), {
        mode: 'checksum',
        direction: 's3-to-s3',
      }),
      { action: 'skip', reason: 'checksum-same' },
    );
    assert.deepEqual(
      decide(match(e(5, T, MD5_A), e(5, T + 9000, MD5_B)), {
        mode: 'checksum',
        direction: 's3-to-s3',
      }),
      { action: 'copy', reason: 'checksum-differs' },
    );
  });

  it('different sizes are copied without any hashing', () => {
    for (const direction of DIRECTIONS) {
      assert.deepEqual(
        decide(match(e(5, T, MD5_A), e(6, T, MD5_A)), { mode: 'checksum', direction }),
        {
          action: 'copy',
          reason: 'size-differs',
        },
      );
    }
  });

  it('falls back to the default rule, marked, when an ETag is not a plain MD5', () => {
    const incomparable = [multipart, '', undefined, 'not-an-md5'];
    for (const etag of incomparable) {
      assert.deepEqual(
        decide(match(e(5, T + 1000, MD5_A), e(5, T, etag)), {
          mode: 'checksum',
          direction: 's3-to-s3',
        }),
        { action: 'copy', reason: 'newer', fallback: true },
        `dst etag ${String(etag)}`,
      );
      assert.deepEqual(
        decide(match(e(5, T, etag), e(5, T + 1000, MD5_A)), {
          mode: 'checksum',
          direction: 's3-to-s3',
        }),
        { action: 'skip', reason: 'same', fallback: true },
        `src etag ${String(etag)}`,
      );
    }
    // No local hash is asked for when the S3 side cannot be compared anyway.
    assert.deepEqual(
      decide(match(e(5, T), e(5, T, multipart)), { mode: 'checksum', direction: 'upload' }),
      {
        action: 'skip',
        reason: 'same',
        fallback: true,
      },
    );
    assert.deepEqual(
      decide(match(e(5, T, multipart), e(5, T + 1000)), {
        mode: 'checksum',
        direction: 'download',
      }),
      { action: 'copy', reason: 'newer', fallback: true },
    );
  });

  it('upload: asks for the local source MD5, then compares it with the ETag', () => {
    const entry = match(e(5, T + 9000), e(5, T, MD5_A));
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'upload' }), {
      action: 'needs-hash',
      hash: 'src',
    });
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'upload', srcMd5: MD5_A }), {
      action: 'skip',
      reason: 'checksum-same',
    });
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'upload', srcMd5: MD5_B }), {
      action: 'copy',
      reason: 'checksum-differs',
    });
  });

  it('download: asks for the local destination MD5', () => {
    const entry = match(e(5, T, MD5_A), e(5, T + 9000));
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'download' }), {
      action: 'needs-hash',
      hash: 'dst',
    });
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'download', dstMd5: MD5_A }), {
      action: 'skip',
      reason: 'checksum-same',
    });
    assert.deepEqual(decide(entry, { mode: 'checksum', direction: 'download', dstMd5: MD5_B }), {
      action: 'copy',
      reason: 'checksum-differs',
    });
  });

  it('local→local: asks for both MD5s, then for the one still missing', () => {
    const entry = match(e(5, T), e(5, T));
    const opts = { mode: 'checksum', direction: 'local-to-local' } as const;
    assert.deepEqual(decide(entry, opts), { action: 'needs-hash', hash: 'both' });
    assert.deepEqual(decide(entry, { ...opts, srcMd5: MD5_A }), {
      action: 'needs-hash',
      hash: 'dst',
    });
    assert.deepEqual(decide(entry, { ...opts, dstMd5: MD5_A }), {
      action: 'needs-hash',
      hash: 'src',
    });
    assert.deepEqual(decide(entry, { ...opts, srcMd5: MD5_A, dstMd5: MD5_A }), {
      action: 'skip',
      reason: 'checksum-same',
    });
    assert.deepEqual(decide(entry, { ...opts, srcMd5: MD5_A, dstMd5: MD5_B }), {
      action: 'copy',
      reason: 'checksum-differs',
    });
  });

  it('isPlainMd5Etag: 32 hex digits, no multipart suffix', () => {
    assert.equal(isPlainMd5Etag(MD5_A), true);
    assert.equal(isPlainMd5Etag(MD5_A.toUpperCase()), true);
    assert.equal(isPlainMd5Etag(multipart), false);
    assert.equal(isPlainMd5Etag(`"${MD5_A}"`), false); // callers normalise first
    assert.equal(isPlainMd5Etag(''), false);
    assert.equal(isPlainMd5Etag(undefined), false);
  });
});
