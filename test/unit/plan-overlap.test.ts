// Unit: when a run's source and destination overlap (src/plan/overlap.ts), and when the filters
// keep them apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeGlob } from '../../src/paths/glob.ts';
import { createKeyFilter } from '../../src/plan/filter.ts';
import { endpointIdentity, findOverlap, isKeptApart } from '../../src/plan/overlap.ts';
import type { Place } from '../../src/plan/overlap.ts';

const s3 = (prefix: string, options: Partial<Extract<Place, { kind: 's3' }>> = {}): Place => ({
  kind: 's3',
  endpoint: 'http://127.0.0.1:9000',
  bucket: 'b',
  prefix,
  isSingle: false,
  ...options,
});
const local = (path: string, isSingle = false): Place => ({ kind: 'local', path, isSingle });

describe('findOverlap', () => {
  const cases: [string, Place, Place, string | undefined][] = [
    ['s3://b/ → s3://b/sub/', s3(''), s3('sub/'), 'destination-inside-source sub/'],
    ['s3://b/sub/ → s3://b/', s3('sub/'), s3(''), 'source-inside-destination sub/'],
    ['s3://b/x/ → s3://b/x/', s3('x/'), s3('x/'), 'same'],
    ['one object onto itself', s3('x', { isSingle: true }), s3('x', { isSingle: true }), 'same'],
    [
      'one object elsewhere in the bucket',
      s3('x', { isSingle: true }),
      s3('y', { isSingle: true }),
      undefined,
    ],
    ['s3://b/a/ → s3://b/ab/ (siblings)', s3('a/'), s3('ab/'), undefined],
    ['another bucket', s3(''), s3('', { bucket: 'c' }), undefined],
    ['another endpoint', s3(''), s3('sub/', { endpoint: 'http://127.0.0.1:9001' }), undefined],
    ['DIR → DIR/sub', local('/x/src'), local('/x/src/sub'), 'destination-inside-source sub/'],
    ['DIR/sub → DIR', local('/x/src/sub'), local('/x/src'), 'source-inside-destination sub/'],
    ['DIR → DIR', local('/x/src'), local('/x/src'), 'same'],
    ['DIR → DIR2 (a sibling sharing a prefix)', local('/x/src'), local('/x/src2'), undefined],
    ['a file onto itself', local('/x/a.txt', true), local('/x/a.txt', true), 'same'],
    ['local and S3', local('/x'), s3(''), undefined],
  ];
  for (const [name, src, dst, expected] of cases) {
    it(`${name}: ${expected ?? 'apart'}`, () => {
      const overlap = findOverlap(src, dst);
      const text =
        overlap === undefined
          ? undefined
          : overlap.kind === 'same'
            ? 'same'
            : `${overlap.kind} ${overlap.inner}`;
      assert.equal(text, expected);
    });
  }
});

describe('isKeptApart', () => {
  const excluded = (pattern: string) => createKeyFilter({ exclude: [pattern] })?.excludesDirectory;
  it('an exclude of the destination subtree keeps s3://b/ → s3://b/backup/ apart', () => {
    const overlap = findOverlap(s3(''), s3('backup/'))!;
    assert.equal(isKeptApart(overlap, { excludesDirectory: excluded('backup/**') }), true);
    assert.equal(isKeptApart(overlap, { excludesDirectory: excluded('other/**') }), false);
    assert.equal(isKeptApart(overlap, {}), false);
  });
  it('an exclude of the source subtree keeps DIR/sub → DIR apart, unless --delete-excluded', () => {
    const overlap = findOverlap(local('/x/src/sub'), local('/x/src'))!;
    assert.equal(isKeptApart(overlap, { excludesDirectory: excluded('sub/') }), true);
    assert.equal(
      isKeptApart(overlap, { excludesDirectory: excluded('sub/'), shouldDeleteExcluded: true }),
      false,
    );
  });
  it('only an exclude that covers the inner directory as a directory keeps them apart', () => {
    const cases: [string, string, boolean][] = [
      ['backup/', 'backup/**', true],
      ['backup/', 'backup', true],
      ['backup/', '/backup/', true],
      ['backup/', '**/backup/**', true],
      ['backup/', 'backup/{,x}', false],
      ['backup/', '{backup/,foo}', false],
      ['backup/', 'backup/*', false],
      ['backup/', '*.log', false],
      ['a/b/', 'a/', true],
      ['a/b/', 'a/b/**', true],
      ['a/b/', 'b/**', false],
      // The hint's pattern: the inner directory escaped, so a name with wildcards is literal.
      ['[x]/', `${escapeGlob('[x]/')}**`, true],
      ['[x]/', '[x]/**', false],
    ];
    for (const [inner, pattern, expected] of cases) {
      const overlap = findOverlap(s3(''), s3(inner))!;
      const filters = { excludesDirectory: excluded(pattern) };
      assert.equal(isKeptApart(overlap, filters), expected, `${inner} --exclude '${pattern}'`);
    }
  });
  it('the same place is never kept apart', () => {
    assert.equal(isKeptApart({ kind: 'same' }, { excludesDirectory: () => true }), false);
  });
});

describe('endpointIdentity', () => {
  it('normalises case, default ports and a trailing slash; AWS is one place whatever the region', () => {
    assert.equal(endpointIdentity('HTTP://Host.Example:80/'), 'http://host.example');
    assert.equal(endpointIdentity('https://h:443'), 'https://h');
    assert.equal(endpointIdentity('http://h:9000'), 'http://h:9000');
    assert.equal(endpointIdentity(undefined), 'aws');
  });
});
