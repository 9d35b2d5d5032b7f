// listLocal on real temporary trees: UTF-8 byte order of relative paths (directories as `name/`),
// symlinks followed relative to their own directory, loops and broken links reported, a file root.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listLocal } from '../../src/local/list.ts';
import type { LocalListIssue } from '../../src/local/list.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function collect(root: string, issues?: LocalListIssue[]): Promise<ListEntry[]> {
  const out: ListEntry[] = [];
  const options = issues === undefined ? {} : { onIssue: (i: LocalListIssue) => issues.push(i) };
  for await (const entry of listLocal(root, options)) out.push(entry);
  return out;
}

async function put(root: string, rel: string, content = rel): Promise<void> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 's3ferry-local-list-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('listLocal', () => {
  it('lists in UTF-8 byte order of the relative path, as S3 would list the keys', async () => {
    const root = join(tmp, 'order');
    const files = [
      'a-c',
      'a/b',
      'a/b-c',
      'a/b/c',
      'a0',
      'a b',
      'A',
      '\uff61-',
      '\uff61/x',
      '\u{1f600}-',
      '\u{1f600}/x',
      'é/é',
      'e\u0301', // NFD stays NFD
      'trailing ',
      'x+y%20?#',
      'deep/er/and/deeper/file',
      '.hidden',
    ].filter((f) => f !== 'a/b'); // a/b is a directory here
    for (const f of files) await put(root, f);
    const listed = await collect(root);
    const keys = listed.map((e) => e.key);
    assert.deepEqual(keys, [...files].sort(byBytes));
    // JavaScript's own sort disagrees on this set: the comparison above is meaningful.
    assert.notDeepEqual([...files].sort(), [...files].sort(byBytes));
    for (const entry of listed) assert.equal(entry.sizeBytes, Buffer.byteLength(entry.key));
  });

  it('matches a sort of all relative paths on a random tree', async () => {
    const root = join(tmp, 'random');
    const parts = ['a', 'a-', 'a.b', 'b', '\uff61', '\u{1f600}', 'z z', '-'];
    let seed = 99;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const files = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const depth = 1 + Math.floor(random() * 4);
      const segments = Array.from(
        { length: depth },
        () => parts[Math.floor(random() * parts.length)],
      );
      files.add(segments.join('/'));
    }
    // A path that is a file cannot also be a directory: drop files that prefix others.
    const leafs = [...files].filter((f) => ![...files].some((g) => g.startsWith(`${f}/`)));
    for (const f of leafs) await put(root, f);
    assert.deepEqual(
      (await collect(root)).map((e) => e.key),
      leafs.sort(byBytes),
    );
  });

  it('walks a key range alone: the same keys as the whole walk filtered, without reading the rest', async () => {
    const root = join(tmp, 'ranged');
    const parts = ['a', 'a-', 'a.b', 'b', '\uff61', '\u{1f600}', 'z z', '-'];
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const files = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const depth = 1 + Math.floor(random() * 3);
      files.add(
        Array.from({ length: depth }, () => parts[Math.floor(random() * parts.length)]).join('/'),
      );
    }
    const leafs = [...files]
      .filter((f) => ![...files].some((g) => g.startsWith(`${f}/`)))
      .sort(byBytes);
    for (const f of leafs) await put(root, f);
    // An unreadable directory wholly before the range is not read, so it reports nothing there.
    await mkdir(join(root, '-', 'locked'), { recursive: true });
    await chmod(join(root, '-', 'locked'), 0o000);
    try {
      const bounds = [undefined, ...leafs.filter((_, i) => i % 9 === 0), 'a/', 'b/zz', '\uffff'];
      for (const after of bounds) {
        for (const until of bounds) {
          if (after !== undefined && until !== undefined && byBytes(after, until) > 0) continue;
          const range = { after, until };
          const issues: LocalListIssue[] = [];
          const listed: string[] = [];
          for await (const entry of listLocal(root, { range, onIssue: (i) => issues.push(i) })) {
            listed.push(entry.key);
          }
          const expected = leafs.filter(
            (k) =>
              (after === undefined || byBytes(k, after) > 0) &&
              (until === undefined || byBytes(k, until) <= 0),
          );
          assert.deepEqual(listed, expected, JSON.stringify(range));
          const lockedInRange =
            (after === undefined || byBytes('-/locked/~', after) > 0) &&
            (until === undefined || byBytes('-/locked/', until) <= 0);
          if (process.getuid?.() !== 0) {
            assert.equal(issues.length > 0, lockedInRange, `${JSON.stringify(range)}: issues`);
          }
        }
      }
    } finally {
      await chmod(join(root, '-', 'locked'), 0o755);
    }
  });

  it('reports size and mtime in ms', async () => {
    const root = join(tmp, 'stat');
    await put(root, 'f', 'hello');
    await utimes(join(root, 'f'), 1_700_000_000.5, 1_700_000_000.25);
    assert.deepEqual(await collect(root), [{ key: 'f', sizeBytes: 5, mtimeMs: 1_700_000_000_250 }]);
  });

  it('yields a file root as one entry with key ""', async () => {
    const root = join(tmp, 'single');
    await put(root, 'file.txt', 'abc');
    const listed = await collect(join(root, 'file.txt'));
    assert.equal(listed.length, 1);
    assert.deepEqual(
      listed.map((e) => [e.key, e.sizeBytes]),
      [['', 3]],
    );
  });

  it('throws NoSuchFile for a missing root, or lists nothing with missingOk', async () => {
    await assert.rejects(
      collect(join(tmp, 'nope')),
      (e: unknown) =>
        e instanceof S3FerryError && e.kind === 'not-found' && e.code === 'NoSuchFile',
    );
    const out: ListEntry[] = [];
    for await (const e of listLocal(join(tmp, 'nope'), { missingOk: true })) out.push(e);
    assert.deepEqual(out, []);
  });

  it('skips empty directories', async () => {
    const root = join(tmp, 'empty');
    await mkdir(join(root, 'a/b/c'), { recursive: true });
    await put(root, 'z');
    assert.deepEqual(
      (await collect(root)).map((e) => e.key),
      ['z'],
    );
  });

  it('follows symlinks, resolving relative targets against the link’s own directory', async () => {
    const root = join(tmp, 'links');
    await put(root, 'data/real.txt', 'real content');
    await put(root, 'data/sub/inner.txt', 'inner');
    await mkdir(join(root, 'links'), { recursive: true });
    // Relative targets: from links/, ../data/real.txt (megfile resolves against the CWD instead).
    await symlink('../data/real.txt', join(root, 'links/to-file'));
    await symlink('../data/sub', join(root, 'links/to-dir'));
    const outside = join(tmp, 'outside');
    await put(outside, 'o.txt', 'outside!');
    await symlink(outside, join(root, 'links/abs-dir'));
    const cwd = process.cwd();
    process.chdir(tmpdir()); // the working directory must not matter
    try {
      const listed = await collect(root);
      assert.deepEqual(
        listed.map((e) => [e.key, e.sizeBytes]),
        [
          ['data/real.txt', 12],
          ['data/sub/inner.txt', 5],
          ['links/abs-dir/o.txt', 8],
          ['links/to-dir/inner.txt', 5],
          ['links/to-file', 12], // the target's size, not the link text's
        ],
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports symlink loops and broken links, and lists everything else', async () => {
    const root = join(tmp, 'loops');
    await put(root, 'a/file', 'x');
    await symlink('..', join(root, 'a/up')); // a/up → root: a loop
    await symlink('.', join(root, 'a/self-dir')); // a/self-dir → a: a loop
    await symlink('self', join(root, 'self')); // ELOOP
    await symlink('missing-target', join(root, 'broken'));
    await put(root, 'z', 'z');
    const issues: LocalListIssue[] = [];
    const listed = await collect(root, issues);
    assert.deepEqual(
      listed.map((e) => e.key),
      ['a/file', 'z'],
    );
    assert.deepEqual(issues.map((i) => [i.key, i.error.code]).sort(), [
      ['a/self-dir', 'SymlinkLoop'],
      ['a/up', 'SymlinkLoop'],
      ['broken', 'BrokenSymlink'],
      ['self', 'SymlinkLoop'],
    ]);
    for (const issue of issues) {
      assert.equal(issue.error.kind, 'local-io');
      assert.equal(issue.error.fatal, false);
      assert.ok(issue.error.message.includes(issue.path), issue.error.message);
    }
  });

  it('lists a directory reached twice through links, when it is not a loop', async () => {
    const root = join(tmp, 'twice');
    await put(root, 'shared/f', 'f');
    await symlink('shared', join(root, 'alias'));
    assert.deepEqual(
      (await collect(root)).map((e) => e.key),
      ['alias/f', 'shared/f'],
    );
  });

  it('throws the first issue when no onIssue is given', async () => {
    const root = join(tmp, 'strict');
    await put(root, 'ok', 'ok');
    await symlink('missing', join(root, 'broken'));
    await assert.rejects(
      collect(root),
      (e: unknown) => e instanceof S3FerryError && e.code === 'BrokenSymlink',
    );
  });

  it('reports FIFOs and non-UTF-8 names instead of skipping them silently', async () => {
    const root = join(tmp, 'special');
    await put(root, 'ok', 'ok');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    await writeFile(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    const issues: LocalListIssue[] = [];
    assert.deepEqual(
      (await collect(root, issues)).map((e) => e.key),
      ['ok'],
    );
    assert.deepEqual(issues.map((i) => i.error.code).sort(), [
      'InvalidFileName',
      'NotARegularFile',
    ]);
  });

  it(
    'reports an unreadable directory and goes on',
    { skip: process.getuid?.() === 0 ? 'root can read any directory' : false },
    async () => {
      const root = join(tmp, 'perm');
      await put(root, 'locked/f', 'f');
      await put(root, 'open/g', 'g');
      await chmod(join(root, 'locked'), 0o000);
      try {
        const issues: LocalListIssue[] = [];
        assert.deepEqual(
          (await collect(root, issues)).map((e) => e.key),
          ['open/g'],
        );
        assert.deepEqual(
          issues.map((i) => [i.key, i.error.code]),
          [['locked', 'EACCES']],
        );
      } finally {
        await chmod(join(root, 'locked'), 0o755);
      }
    },
  );
});
