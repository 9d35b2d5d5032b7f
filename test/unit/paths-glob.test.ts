// Glob SRC paths: where the literal part ends (the listing prefix and the root), escapes, which
// brackets and braces are syntax, the translation to picomatch, and bucket-name wildcards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeGlob,
  globToPicomatch,
  hasWildcard,
  parseSourcePath,
  splitGlob,
} from '../../src/paths/glob.ts';
import { createGlobSelector } from '../../src/plan/filter.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

describe('splitGlob', () => {
  const cases: [string, string, string, string | undefined][] = [
    // key, literalPrefix, rootPrefix, pattern
    ['logs/2024-*/**', 'logs/2024-', 'logs/', '2024-*/**'],
    ['logs/**/*.gz', 'logs/', 'logs/', '**/*.gz'],
    ['*.txt', '', '', '*.txt'],
    ['**', '', '', '**'],
    ['a/b?c', 'a/b', 'a/', 'b?c'],
    ['a/[xy]z/q', 'a/', 'a/', '[xy]z/q'],
    ['dst/{a.txt,sub}', 'dst/', 'dst/', '{a.txt,sub}'],
    ['d/x{a,b/c}/y', 'd/x', 'd/', 'x{a,b/c}/y'],
    // No wildcard: the whole key is literal, and it is its own literal prefix.
    ['plain/key.txt', 'plain/key.txt', 'plain/', undefined],
    ['dir/', 'dir/', 'dir/', undefined],
    ['', '', '', undefined],
    // Escapes: `\*` is a literal star; the root's raw text keeps its escapes in `pattern`.
    ['a\\*b', 'a*b', '', undefined],
    ['a\\*/b*', 'a*/b', 'a*/', 'b*'],
    ['x\\?/\\[1\\]/*', 'x?/[1]/', 'x?/[1]/', '*'],
    ['back\\\\slash/*', 'back\\slash/', 'back\\slash/', '*'],
    // A backslash before anything else is a plain backslash (raw keys keep it).
    ['a\\b/c', 'a\\b/c', 'a\\b/', undefined],
    // Not syntax: unclosed [ and {, a {…} without a comma, a [...] spanning a /.
    ['x/[abc', 'x/[abc', 'x/', undefined],
    ['x/{a', 'x/{a', 'x/', undefined],
    ['x/{a}/y', 'x/{a}/y', 'x/{a}/', undefined],
    ['x/[a/b]', 'x/[a/b]', 'x/[a/', undefined],
    ['a]b}c,d', 'a]b}c,d', '', undefined],
    // Keys stay raw around the wildcard: spaces, %, #, unicode, //.
    ['ünï/cø dé%20#/*', 'ünï/cø dé%20#/', 'ünï/cø dé%20#/', '*'],
    ['a//b/*', 'a//b/', 'a//b/', '*'],
  ];
  for (const [key, literalPrefix, rootPrefix, pattern] of cases) {
    it(`splits ${JSON.stringify(key)}`, () => {
      assert.deepEqual(splitGlob(key), { literalPrefix, rootPrefix, pattern });
      assert.equal(hasWildcard(key), pattern !== undefined);
    });
  }

  it('keeps the literal prefix inside the root plus the pattern text', () => {
    for (const [key] of cases) {
      const split = splitGlob(key);
      assert.ok(split.literalPrefix.startsWith(split.rootPrefix), key);
      assert.ok(split.rootPrefix === '' || split.rootPrefix.endsWith('/'), key);
    }
  });
});

describe('globToPicomatch and the matcher (anchored, a matched directory counts in full)', () => {
  const cases: [string, string[], string[]][] = [
    // pattern, selected relative keys, not selected
    ['*.txt', ['a.txt', '.hidden.txt', 'x.txt/inner'], ['a/b.txt', 'a.txt.bak', 'atxt']],
    ['**/*.txt', ['a.txt', 'g1/a.txt', 'g1/sub/deeper/c.txt'], ['a.log', 'g1/a.log']],
    ['2024-*/**', ['2024-01/a.gz', '2024-12/x/y'], ['2023-01/a.gz', '2024-01', 'other/2024-01/a']],
    ['s*', ['sub/a', 'sub/deep/b', 's'], ['a/sub/b', 'xs']],
    ['{a.txt,sub}', ['a.txt', 'sub/x/y'], ['b.txt', 'sub2/x', 'a.txt2']],
    ['x{a,b/c}', ['xa', 'xb/c', 'xb/c/d', 'xa/z'], ['xb', 'xc', 'xb/d']],
    ['file?.bin', ['file1.bin', 'fileZ.bin'], ['file.bin', 'file12.bin', 'file/.bin']],
    ['[ab]*', ['a1', 'b/c'], ['c1', '[ab]x']],
    ['[!ab]*', ['c1', 'z/y'], ['a1', 'b1']],
    ['[^ab]*', ['c1'], ['a1']],
    ['[]x]', [']', 'x'], ['y']],
    ['photo (1).jpg', ['photo (1).jpg'], ['photo 1.jpg', 'photo (2).jpg']],
    ['a|b+c@d!e$f^g.h', ['a|b+c@d!e$f^g.h'], ['a', 'b+c', 'ab+c@d!e$f^gxh']],
    ['\\!x*', ['!x', '!xyz'], ['x', '\\!x']],
    ['a\\*b', ['a*b'], ['axb', 'a\\*b']],
    ['a\\b*', ['a\\b', 'a\\bc'], ['ab', 'abc']],
    ['{a\\,b,c}', ['a,b', 'c'], ['a', 'b']],
    ['a//b', ['a//b'], ['a/b']],
    ['*', ['anything', 'a/b/c', '.env'], []],
    ['**', ['a', 'a/b/c'], []],
    ['ü*', ['über', 'üx/y'], ['u', 'Über']],
    ['CASE*', ['CASE1'], ['case1']],
  ];
  for (const [pattern, yes, no] of cases) {
    it(`${JSON.stringify(pattern)} → ${JSON.stringify(globToPicomatch(pattern))}`, () => {
      const selects = createGlobSelector(pattern);
      for (const key of yes) assert.equal(selects(key), true, `${pattern} should select ${key}`);
      for (const key of no)
        assert.equal(selects(key), false, `${pattern} should not select ${key}`);
    });
  }

  it('escapeGlob makes any text match exactly itself', () => {
    const texts = ['*', 'a?b', '[x]', '{a,b}', '\\', 'a\\*', '!x', '(1)|+@', 'ü', 'a b,c}', '日本'];
    for (const text of texts) {
      const escaped = escapeGlob(text);
      assert.equal(hasWildcard(escaped), false, text);
      assert.equal(splitGlob(escaped).literalPrefix, text);
      assert.equal(createGlobSelector(escaped)(text), true, text);
      assert.equal(createGlobSelector(escaped)(`${text}x`), false, text);
    }
  });
});

describe('parseSourcePath', () => {
  it('splits the key of an S3 path and the path of a local one', () => {
    const s3 = parseSourcePath('s3+p://bkt/logs/2024-*/**');
    assert.deepEqual(s3.path, { kind: 's3', profile: 'p', bucket: 'bkt', key: 'logs/2024-*/**' });
    assert.deepEqual(s3.glob, {
      literalPrefix: 'logs/2024-',
      rootPrefix: 'logs/',
      pattern: '2024-*/**',
    });
    const local = parseSourcePath('/data/in/*.csv');
    assert.deepEqual(local.glob, {
      literalPrefix: '/data/in/',
      rootPrefix: '/data/in/',
      pattern: '*.csv',
    });
    assert.equal(parseSourcePath('file://./rel/*').glob.rootPrefix, './rel/');
  });

  it('refuses a wildcard in the bucket name as a usage error that says where wildcards go', () => {
    for (const input of ['s3://bkt*/a', 's3+p://b?t/x', 's3://{a,b}/x', 's3://[ab]cd/']) {
      assert.throws(
        () => parseSourcePath(input),
        (error: unknown) =>
          error instanceof S3FerryError &&
          error.kind === 'usage' &&
          /wildcards are allowed in the key, not in the bucket name/.test(error.message),
        input,
      );
    }
  });

  it('still refuses what parsePath refuses', () => {
    assert.throws(() => parseSourcePath('s3+bad name://b/k'), S3FerryError);
    assert.throws(() => parseSourcePath(''), S3FerryError);
  });
});
