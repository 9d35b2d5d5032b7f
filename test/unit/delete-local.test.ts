// LocalDeleter on real temporary trees: files deleted, then only the directories those deletes
// emptied (deepest first, never the root); symlinked directories are not descended (files outside
// survive); a symlink is unlinked itself, never its target; unsafe keys refused. And the KeySpool
// that carries the keys: any key survives, in order, past the in-memory batch.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeySpool } from '../../src/engine/deletes.ts';
import { LocalDeleter } from '../../src/local/delete.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 's3ferry-delete-local-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
async function tree(files: string[]): Promise<string> {
  n += 1;
  const root = join(tmp, `root-${n}`);
  await mkdir(root, { recursive: true });
  for (const rel of files) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), rel);
  }
  return root;
}

/** Every path under `dir` (directories with a trailing /), sorted. */
async function paths(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => {
      const rel = join(e.parentPath, e.name).slice(dir.length + 1);
      return e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

describe('LocalDeleter', () => {
  it('deletes files, then the directories the deletes emptied, deepest first, never the root', async () => {
    const root = await tree(['a/b/c/1', 'a/b/c/2', 'a/b/keep', 'a/x/1', 'top', 'z/only']);
    await mkdir(join(root, 'was-empty'));
    const deleter = new LocalDeleter(root);
    const first = await deleter.deleteBatch(['a/b/c/1', 'a/b/c/2']);
    const second = await deleter.deleteBatch(['a/x/1', 'top', 'z/only']);
    await deleter.finish();
    assert.deepEqual(first, { deleted: ['a/b/c/1', 'a/b/c/2'], errors: [] });
    assert.deepEqual(second.errors, []);
    // a/b keeps a file; a/b/c, a/x and z were emptied; was-empty was not ours to remove.
    assert.deepEqual(await paths(root), ['a/', 'a/b/', 'a/b/keep', 'was-empty/']);
    assert.ok(existsSync(root));
  });

  it('empties the whole tree but keeps the root', async () => {
    const root = await tree(['d/e/f', 'g']);
    const deleter = new LocalDeleter(root);
    await deleter.deleteBatch(['d/e/f', 'g']);
    await deleter.finish();
    assert.deepEqual(await paths(root), []);
    assert.ok(existsSync(root));
  });

  it('does not descend a symlinked directory: the files outside survive', async () => {
    const outside = await tree(['secret/1', 'secret/2']);
    const root = await tree(['real/1']);
    await symlink(join(outside, 'secret'), join(root, 'link'));
    const deleter = new LocalDeleter(root);
    const result = await deleter.deleteBatch(['link/1', 'link/2', 'real/1']);
    await deleter.finish();
    assert.deepEqual(result.deleted, ['real/1']);
    assert.deepEqual(
      result.errors.map((e) => [e.key, e.code]),
      [
        ['link/1', 'SymlinkInPath'],
        ['link/2', 'SymlinkInPath'],
      ],
    );
    assert.deepEqual(await paths(join(outside, 'secret')), ['1', '2']);
    assert.deepEqual(await paths(root), ['link']);
  });

  it('unlinks a symlink to a file, never its target', async () => {
    const outside = await tree(['target.txt']);
    const root = await tree([]);
    await symlink(join(outside, 'target.txt'), join(root, 'alias'));
    const deleter = new LocalDeleter(root);
    assert.deepEqual(await deleter.deleteBatch(['alias']), { deleted: ['alias'], errors: [] });
    await deleter.finish();
    assert.deepEqual(await paths(root), []);
    assert.ok(existsSync(join(outside, 'target.txt')));
  });

  it('refuses keys that are not paths under the root, and directories', async () => {
    const outside = await tree(['victim']);
    const root = await tree(['dir/file']);
    const deleter = new LocalDeleter(root);
    const rel = `../${outside.slice(tmp.length + 1)}/victim`;
    const result = await deleter.deleteBatch([rel, '/etc/passwd', 'a//b', 'dir']);
    await deleter.finish();
    assert.deepEqual(result.deleted, []);
    assert.deepEqual(
      result.errors.map((e) => e.code),
      ['UnsafeKey', 'UnsafeKey', 'UnsafeKey', 'IsADirectory'],
    );
    assert.ok(existsSync(join(outside, 'victim')));
    assert.deepEqual(await paths(root), ['dir/', 'dir/file']);
  });

  it('counts a file already gone as deleted', async () => {
    const root = await tree(['here']);
    const deleter = new LocalDeleter(root);
    const result = await deleter.deleteBatch(['gone', 'no/such/dir/file', 'here']);
    await deleter.finish();
    assert.deepEqual(result, { deleted: ['gone', 'no/such/dir/file', 'here'], errors: [] });
  });
});

describe('KeySpool', () => {
  async function roundTrip(keys: string[]): Promise<string[]> {
    const spool = new KeySpool();
    try {
      for (const key of keys) await spool.add(key);
      assert.equal(spool.count, keys.length);
      const out: string[] = [];
      for await (const key of spool.keys()) out.push(key);
      return out;
    } finally {
      await spool.dispose();
    }
  }

  it('returns the keys in order, in memory for one batch', async () => {
    assert.deepEqual(await roundTrip(['a', 'b\nc', '']), ['a', 'b\nc', '']);
    assert.deepEqual(await roundTrip([]), []);
  });

  it('spills to a temp file beyond one batch and removes it afterwards', async () => {
    const keys = Array.from({ length: 5003 }, (_, i) => `k${i}\n"\\ ü😀\r`);
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith('s3ferry-deletes-'));
    assert.deepEqual(await roundTrip(keys), keys);
    const left = (await readdir(tmpdir())).filter((f) => f.startsWith('s3ferry-deletes-'));
    assert.deepEqual(left, before);
  });

  it('waits for the disk when more than 1 MiB of keys are not written yet, and loses none', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `${'k'.repeat(200)}/${i}`);
    assert.deepEqual(await roundTrip(keys), keys);
  });
});
