// Destination mapping per megfile: prefixes map to DST/<rel>, single objects to exactly DST,
// markers are dropped, S3 keys stay raw, and local destinations refuse keys that escape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  destinationRoot,
  directoryPrefix,
  isDirectoryMarker,
  locationFor,
  s3Root,
  unsafeLocalKeyProblem,
  withoutDirectoryMarkers,
} from '../../src/plan/relative.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

const s3 = (key: string) => ({ kind: 's3' as const, profile: 'p', bucket: 'b', key });

describe('S3 roots', () => {
  it('treats dir and dir/ as the directory dir/, the bucket root as ""', () => {
    assert.equal(directoryPrefix('dir'), 'dir/');
    assert.equal(directoryPrefix('dir/'), 'dir/');
    assert.equal(directoryPrefix(''), '');
    assert.equal(directoryPrefix('a//'), 'a//');
    assert.deepEqual(s3Root(s3('dir'), false), s3('dir/'));
  });

  it('keeps the exact key of a single object', () => {
    assert.deepEqual(s3Root(s3('dir'), true), s3('dir'));
  });
});

describe('locationFor', () => {
  it('maps a prefix sync to DST/<relative key>, keys raw (// stays)', () => {
    const root = destinationRoot(s3('backup'), false);
    for (const rel of ['a', 'a//b', ' trailing ', 'ü/\u{1f600}', 'x+y%20?#', './a', '../a']) {
      assert.deepEqual(locationFor(root, rel), s3(`backup/${rel}`));
    }
    assert.deepEqual(locationFor(destinationRoot(s3(''), false), 'a'), s3('a'));
  });

  it('maps a single object to exactly DST', () => {
    assert.deepEqual(locationFor(destinationRoot(s3('copy.txt'), true), ''), s3('copy.txt'));
    assert.deepEqual(locationFor(destinationRoot({ kind: 'local', path: '/d/f.txt' }, true), ''), {
      kind: 'local',
      path: '/d/f.txt',
    });
  });

  it('refuses a single source into a directory-like DST (as megfile)', () => {
    for (const dst of [s3('dir/'), s3(''), { kind: 'local' as const, path: '/tmp/d/' }]) {
      assert.throws(
        () => destinationRoot(dst, true),
        (e: unknown) => e instanceof S3FerryError && e.kind === 'usage',
      );
    }
  });

  it('joins local paths', () => {
    const root = destinationRoot({ kind: 'local', path: '/dst' }, false);
    assert.deepEqual(locationFor(root, 'a/b c /ü'), { kind: 'local', path: '/dst/a/b c /ü' });
    assert.deepEqual(locationFor(root, '...'), { kind: 'local', path: '/dst/...' });
  });

  const unsafe: [string, RegExp][] = [
    ['../x', /'\.\.' segment/],
    ['a/../../x', /'\.\.' segment/],
    ['..', /'\.\.' segment/],
    ['/etc/passwd', /absolute/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    ['./a', /'\.' segment/],
    ['a/\0', /NUL/],
  ];
  for (const [rel, why] of unsafe) {
    it(`refuses ${JSON.stringify(rel)} for a local destination, for that key only`, () => {
      assert.match(unsafeLocalKeyProblem(rel) ?? '', why);
      assert.throws(
        () => locationFor({ kind: 'local', path: '/dst' }, rel),
        (e: unknown) =>
          e instanceof S3FerryError &&
          e.kind === 'local-io' &&
          e.code === 'UnsafeKey' &&
          !e.fatal &&
          e.message.includes(JSON.stringify(rel)) &&
          why.test(e.message),
      );
    });
  }
});

describe('directory markers', () => {
  const entry = (key: string, sizeBytes: number): ListEntry => ({ key, sizeBytes, mtimeMs: 0 });
  it('are zero-byte keys ending in / (or the prefix itself)', () => {
    assert.equal(isDirectoryMarker(entry('a/', 0)), true);
    assert.equal(isDirectoryMarker(entry('', 0)), true);
    assert.equal(isDirectoryMarker(entry('a/', 3)), false);
    assert.equal(isDirectoryMarker(entry('a', 0)), false);
  });

  it('are dropped from a listing and reported', async () => {
    async function* listing(): AsyncGenerator<ListEntry> {
      await Promise.resolve();
      yield entry('', 0);
      yield entry('a', 0);
      yield entry('d/', 0);
      yield entry('d/x', 1);
      yield entry('e/', 2);
    }
    const dropped: string[] = [];
    const kept: string[] = [];
    for await (const e of withoutDirectoryMarkers(listing(), (m) => dropped.push(m.key)))
      kept.push(e.key);
    assert.deepEqual(kept, ['a', 'd/x', 'e/']);
    assert.deepEqual(dropped, ['', 'd/']);
  });
});
