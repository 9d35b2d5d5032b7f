import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  localTime,
  lsLine,
  megfileHumanSize,
  removeSummaryLine,
  statText,
  totalLine,
} from '../../src/cli/everyday-output.ts';

describe('everyday output', () => {
  it('human sizes read as megfile prints them', () => {
    assert.equal(megfileHumanSize(0), '0 B');
    assert.equal(megfileHumanSize(512), '512 B');
    assert.equal(megfileHumanSize(1536), '1.5 KB');
    assert.equal(megfileHumanSize(1024 * 1024), '1.0 MB');
    assert.equal(megfileHumanSize(1234567), '1.18 MB');
  });

  it('ls -l lines: size in 12 columns (10 with -h), local time, name or full path', () => {
    const entry = {
      kind: 'file' as const,
      name: 'sub/b.txt',
      path: 's3://b/dir/sub/b.txt',
      sizeBytes: 1536,
      mtimeMs: new Date(2024, 0, 2, 3, 4, 5).getTime(),
    };
    const plain = { isLong: false, isHuman: false, isFull: false };
    assert.equal(lsLine(entry, plain), 'sub/b.txt\n');
    assert.equal(lsLine(entry, { ...plain, isFull: true }), 's3://b/dir/sub/b.txt\n');
    assert.equal(
      lsLine(entry, { ...plain, isLong: true }),
      '        1536 2024-01-02 03:04:05 sub/b.txt\n',
    );
    assert.equal(
      lsLine(entry, { ...plain, isLong: true, isHuman: true }),
      '    1.5 KB 2024-01-02 03:04:05 sub/b.txt\n',
    );
    assert.equal(totalLine(3, 2048), 'total(3): 2.0 KB\n');
    assert.equal(localTime(new Date(2024, 10, 9, 8, 7, 6).getTime()), '2024-11-09 08:07:06');
  });

  it('stat text: one line per field present, metadata last, (none) when empty', () => {
    const text = statText({
      path: 's3://b/k',
      type: 'file',
      size: 10,
      etag: 'abc',
      metadata: {},
    });
    assert.equal(
      text,
      'path:                s3://b/k\ntype:                file\nsize:                10 (10 B)\n' +
        'etag:                abc\nmetadata:            (none)\n',
    );
  });

  it('rm summary says what was, or would be, removed', () => {
    const base = { removed: 1006, bytes: 2048, failed: 0, isDryRun: false, isInterrupted: false };
    assert.equal(
      removeSummaryLine('s3://b/big', base),
      's3ferry: removed 1,006 objects (2.0 KiB) at s3://b/big\n',
    );
    assert.match(removeSummaryLine('p', { ...base, isDryRun: true }), /would remove 1,006 objects/);
    assert.match(removeSummaryLine('p', { ...base, failed: 2 }), /2 could not be removed/);
  });
});
