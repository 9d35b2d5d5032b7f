// --include/--exclude: how one pattern matches a relative key (rsync's rule: no `/` → any name,
// with `/` → from the root, trailing `/` → directories), and the precedence of several
// (selected = matches an include, or there is none, and no exclude; order-independent).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileFilterPattern,
  createKeyFilter,
  filterPatternProblem,
} from '../../src/plan/filter.ts';
import { resolveSyncOptions } from '../../src/engine/options.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

describe('one filter pattern', () => {
  const cases: [string, string[], string[]][] = [
    // pattern, matching keys, non-matching keys
    ['*.log', ['a.log', 'x/y/a.log', 'x.log/inner.txt', '.log'], ['a.log.gz', 'alog', 'x/a.log.1']],
    ['tmp', ['tmp', 'tmp/a', 'x/tmp/a', 'x/tmp'], ['tmpx', 'x/atmp/b', 'tm']],
    ['a?c', ['abc', 'd/abc'], ['ac', 'abbc']],
    ['logs/*.gz', ['logs/a.gz', 'logs/d.gz/x'], ['logs/2024/a.gz', 'x/logs/a.gz', 'logs/a.gzip']],
    ['logs/*', ['logs/a', 'logs/2024/a.gz'], ['logs', 'x/logs/a', 'logsa']],
    ['logs/**/*.gz', ['logs/a.gz', 'logs/2024/01/a.gz'], ['logs/a.txt', 'x/logs/a.gz']],
    ['**/*.gz', ['a.gz', 'x/y/a.gz'], ['a.txt']],
    ['/*.log', ['a.log', 'dir.log/x'], ['x/a.log']],
    ['/tmp', ['tmp', 'tmp/a'], ['x/tmp', 'x/tmp/a']],
    ['cache/', ['cache/a', 'x/cache/a/b'], ['cache', 'x/cache', 'cachex/a']],
    ['a/cache/', ['a/cache/z'], ['cache/z', 'a/cache', 'b/a/cache/z']],
    ['*.{jpg,png}', ['a.jpg', 'x/b.png'], ['a.gif', 'a.jpgx']],
    ['[0-9]*', ['1.txt', 'a/2b'], ['a1']],
    ['photo (1).jpg', ['photo (1).jpg', 'x/photo (1).jpg'], ['photo 1.jpg']],
    ['\\!keep', ['!keep', 'a/!keep'], ['keep']],
    ['*', ['a', 'a/b', '.git/config'], []],
    ['.*', ['.env', 'a/.git/x'], ['env', 'a.b']],
    ['Upper*', ['Upper.txt'], ['upper.txt']],
  ];
  for (const [pattern, yes, no] of cases) {
    it(JSON.stringify(pattern), () => {
      const matches = compileFilterPattern(pattern);
      for (const key of yes) assert.equal(matches(key), true, `${pattern} should match ${key}`);
      for (const key of no) assert.equal(matches(key), false, `${pattern} should not match ${key}`);
    });
  }
});

describe('include/exclude precedence (s5cmd: order-independent, exclude wins)', () => {
  const keys = [
    'a.jpg',
    'a.png',
    'a.log',
    'photos/b.jpg',
    'photos/tmp/c.jpg',
    'tmp/d.jpg',
    'logs/2024/e.log',
    'logs/f.txt',
  ] as const;
  const table: [string, string[], string[], string[]][] = [
    // name, includes, excludes, selected keys
    ['no filters', [], [], [...keys]],
    ['one include', ['*.jpg'], [], ['a.jpg', 'photos/b.jpg', 'photos/tmp/c.jpg', 'tmp/d.jpg']],
    [
      'two includes (union)',
      ['*.jpg', '*.png'],
      [],
      ['a.jpg', 'a.png', 'photos/b.jpg', 'photos/tmp/c.jpg', 'tmp/d.jpg'],
    ],
    [
      'one exclude',
      [],
      ['*.log'],
      ['a.jpg', 'a.png', 'photos/b.jpg', 'photos/tmp/c.jpg', 'tmp/d.jpg', 'logs/f.txt'],
    ],
    [
      'exclude a directory anywhere',
      [],
      ['tmp/'],
      ['a.jpg', 'a.png', 'a.log', 'photos/b.jpg', 'logs/2024/e.log', 'logs/f.txt'],
    ],
    ['exclude wins over include', ['*.jpg'], ['tmp'], ['a.jpg', 'photos/b.jpg']],
    ['include a directory', ['logs/**'], [], ['logs/2024/e.log', 'logs/f.txt']],
    ['include a directory, exclude inside it', ['logs/*'], ['*.log'], ['logs/f.txt']],
    ['exclude everything', ['*.jpg'], ['*'], []],
    ['anchored include', ['/*.jpg'], [], ['a.jpg']],
  ];
  for (const [name, include, exclude, expected] of table) {
    it(name, () => {
      const filter = createKeyFilter({ include, exclude });
      const selected = keys.filter((key) => filter?.selects(key) ?? true);
      assert.deepEqual(selected, expected);
      // Order-independent: reversing the flags changes nothing.
      const reversed = createKeyFilter({
        include: [...include].reverse(),
        exclude: [...exclude].reverse(),
      });
      assert.deepEqual(
        keys.filter((key) => reversed?.selects(key) ?? true),
        expected,
      );
    });
  }

  it('has no filter at all without patterns', () => {
    assert.equal(createKeyFilter({}), undefined);
    assert.equal(createKeyFilter({ include: [], exclude: [] }), undefined);
  });

  it('says when an exclude covers a whole directory', () => {
    const filter = createKeyFilter({ include: ['*.jpg'], exclude: ['private', 'cache/'] })!;
    assert.equal(filter.isExcludedSubtree('private'), true);
    assert.equal(filter.isExcludedSubtree('a/private/x'), true);
    assert.equal(filter.isExcludedSubtree('cache/x'), true);
    // Not excluded, merely not included: files below might still be selected.
    assert.equal(filter.isExcludedSubtree('photos'), false);
  });

  it('says an exclude covers a directory only when every key under it is excluded', () => {
    // Keys under `sub/` of every shape a pattern could single out.
    const under = ['sub/', 'sub/a.txt', 'sub/x', 'sub/a.log', 'sub/x/y', 'sub/.env', 'sub/sub/z'];
    const cases: [string, boolean][] = [
      ['sub/**', true],
      ['sub', true],
      ['sub/', true],
      ['/sub', true],
      ['/sub/', true],
      ['su*', true],
      ['**/sub/**', true],
      ['sub**', true],
      // The text `sub/` matches, yet `sub/a.txt` stays selected: no proof.
      ['sub/{,x}', false],
      ['{sub/,foo}', false],
      ['sub/{,*.log}', false],
      // Cover every key below, but not as a directory: refused, as is anything in doubt.
      ['sub/*', false],
      ['sub/**/*', false],
      ['*.log', false],
      ['other/**', false],
    ];
    for (const [pattern, covers] of cases) {
      const filter = createKeyFilter({ exclude: [pattern] })!;
      assert.equal(filter.excludesDirectory('sub/'), covers, pattern);
      assert.equal(filter.excludesDirectory('sub'), covers, pattern);
      if (covers) {
        for (const key of under) assert.equal(filter.selects(key), false, `${pattern} ${key}`);
      }
    }
    const nested = createKeyFilter({ exclude: ['a/'] })!;
    assert.equal(nested.excludesDirectory('a/b/'), true);
    assert.equal(createKeyFilter({ exclude: ['b/**'] })!.excludesDirectory('a/b/'), false);
    assert.equal(createKeyFilter({ exclude: ['b'] })!.excludesDirectory('a/b/'), true);
    // The root is never excluded as a directory; includes alone prove nothing.
    assert.equal(createKeyFilter({ exclude: ['**'] })!.excludesDirectory(''), false);
    assert.equal(createKeyFilter({ include: ['data/**'] })!.excludesDirectory('sub/'), false);
  });
});

describe('bad patterns', () => {
  it('refuses an empty pattern and a leading ! (no negation) as usage errors', () => {
    for (const pattern of ['', '/', '!*.log']) {
      assert.notEqual(filterPatternProblem(pattern), undefined, pattern);
      assert.throws(
        () => createKeyFilter({ exclude: [pattern] }),
        (error: unknown) => error instanceof S3FerryError && error.kind === 'usage',
      );
    }
    assert.throws(
      () => resolveSyncOptions({ src: 's3://b/a/', dst: '/tmp/x', include: ['!x'] }),
      /a leading '!' does not negate here/,
    );
  });

  it('refuses --delete-excluded without --delete', () => {
    assert.throws(
      () => resolveSyncOptions({ src: 's3://b/a/', dst: '/tmp/x', shouldDeleteExcluded: true }),
      /--delete-excluded widens --delete/,
    );
    const resolved = resolveSyncOptions({
      src: 's3://b/a/',
      dst: '/tmp/x',
      shouldDelete: true,
      shouldDeleteExcluded: true,
      exclude: ['*.tmp'],
    });
    assert.deepEqual(
      [resolved.include, resolved.exclude, resolved.shouldDeleteExcluded],
      [[], ['*.tmp'], true],
    );
  });
});
