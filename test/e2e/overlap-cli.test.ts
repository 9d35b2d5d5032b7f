// End to end: a source and destination that overlap are refused before anything is listed or
// written (exit 2, one line naming both), on S3 (same endpoint and bucket) and locally (real paths,
// through a symlink too); only an exclude of the whole overlapping directory keeps them apart; a
// single file synced onto a directory is a usage error too.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cleanEnv, cliEnv, runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
  md5,
  md5s,
  objectMd5s,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-overlap-');

async function s3ferry(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  const result = await runCli(env, args);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  return result;
}

/** Exit 2, nothing on stdout and exactly one line on stderr, matching `line`. */
function assertRefused(r: CliResult, line: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, line);
}

/** Every entry under `dir`: directories as `name/`, files and links with their MD5. */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (entry.isDirectory()) out[`${rel}/`] = 'dir';
    else if (entry.isSymbolicLink()) out[rel] = 'link';
    else out[rel] = md5(readFileSync(full));
  }
  return out;
}

const files = { 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deeper/c.txt': 'charlie' };

describe('overlapping local directories', () => {
  const env = cleanEnv();

  it('DIR → DIR/sub: refused, nothing written', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const before = treeOf(dir);
    const r = await s3ferry(env, ['sync', dir, join(dir, 'sub')]);
    assertRefused(
      r,
      /^s3ferry: the destination .*sub is inside the source .* the run would copy its own output again\. Hint: .*--exclude 'sub\/\*\*'/,
    );
    assert.deepEqual(treeOf(dir), before);
  });

  it('DIR/sub → DIR with --delete (and --dry-run): refused, nothing deleted', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const before = treeOf(dir);
    for (const extra of [[], ['--dry-run']]) {
      const r = await s3ferry(env, ['sync', '--delete', ...extra, join(dir, 'sub'), dir]);
      assertRefused(
        r,
        /^s3ferry: the source .*sub is inside the destination .*: the run would write into, or delete, the source itself/,
      );
    }
    assert.deepEqual(treeOf(dir), before);
  });

  it('DIR → DIR: refused', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const before = treeOf(dir);
    assertRefused(await s3ferry(env, ['sync', dir, dir]), /are the same place/);
    assert.deepEqual(treeOf(dir), before);
  });

  it('through a symlink, both ways: refused, nothing written or deleted', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const before = treeOf(dir);
    const link = join(freshDir('links'), 'alias');
    symlinkSync(dir, link);
    assertRefused(await s3ferry(env, ['sync', dir, join(link, 'sub')]), /is inside the source/);
    // A destination that does not exist yet: its nearest existing ancestor's real path counts.
    assertRefused(
      await s3ferry(env, ['sync', dir, join(link, 'new', 'deeper')]),
      /is inside the source/,
    );
    assertRefused(
      await s3ferry(env, ['sync', '--delete', join(link, 'sub'), dir]),
      /is inside the destination/,
    );
    assertRefused(await s3ferry(env, ['cp', '-r', link, join(dir, 'new')]), /is inside the source/);
    assert.deepEqual(treeOf(dir), before);
  });

  it('an exclude of the destination directory keeps them apart: the sync runs', async () => {
    const dir = freshDir('src');
    writeTree(dir, { 'a.txt': 'alpha' });
    const r = await s3ferry(env, [
      'sync',
      '-q',
      '--exclude',
      'backup/**',
      dir,
      join(dir, 'backup'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fileMd5s(dir), md5s({ 'a.txt': 'alpha', 'backup/a.txt': 'alpha' }));
  });

  it('an exclude that matches the text backup/ but not every key under it: refused', async () => {
    const dir = freshDir('src');
    writeTree(dir, { 'a.txt': 'alpha', 'backup/old.txt': 'old' });
    const before = treeOf(dir);
    const r = await s3ferry(env, ['sync', '--exclude', '{backup/,x}', dir, join(dir, 'backup')]);
    assertRefused(r, /is inside the source/);
    assert.deepEqual(treeOf(dir), before);
  });

  it('DIR/sub → DIR --delete with an exclude of sub/: runs, the source untouched; not with --delete-excluded', async () => {
    const dir = freshDir('src');
    writeTree(dir, { ...files, 'gone.txt': 'extraneous' });
    const args = ['--delete', '--exclude', 'sub/', join(dir, 'sub'), dir];
    assertRefused(
      await s3ferry(env, ['sync', '--delete-excluded', ...args]),
      /is inside the destination/,
    );
    assert.equal(existsSync(join(dir, 'gone.txt')), true);
    const r = await s3ferry(env, ['sync', '-q', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      fileMd5s(dir),
      md5s({
        'b.txt': 'bravo',
        'deeper/c.txt': 'charlie',
        'sub/b.txt': 'bravo',
        'sub/deeper/c.txt': 'charlie',
      }),
      'a.txt and gone.txt deleted, the source copied up, sub/ as it was',
    );
  });

  it('a single file onto an existing directory is a usage error (exit 2)', async () => {
    const dir = freshDir('src');
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    const target = freshDir('target');
    writeTree(target, { 'keep.txt': 'kept' });
    const before = treeOf(target);
    const line =
      /^s3ferry: the source .*a\.txt is one file or object, which syncs to exactly the destination, but .*target-\d+ is a directory\. Hint: give the destination file name/;
    assertRefused(await s3ferry(env, ['sync', join(dir, 'a.txt'), target]), line);
    assertRefused(await s3ferry(env, ['cp', '-T', join(dir, 'a.txt'), target]), line);
    assert.deepEqual(treeOf(target), before);
  });
});

for (const target of testTargets()) {
  describe(`overlapping S3 prefixes on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const endpoint = target.endpoints[0];
    const env = cliEnv(freshDir('home'), {
      t: { endpoint, user: target.users[0] },
      // The same endpoint spelled otherwise, with other credentials: the same bucket namespace.
      u: { endpoint: `${endpoint.replace(/^http/, 'HTTP')}/`, user: target.users[1] },
    });
    let bucket = '';
    before(async () => {
      bucket = await createBucket(client, 'overlap');
      await seed(client, bucket, files);
    });
    after(async () => {
      await removeBucket(client, bucket);
    });

    it('s3://b/ → s3://b/sub/: refused before any request that writes, keys unchanged', async () => {
      const before = await objectMd5s(client, bucket);
      for (const command of [['sync'], ['sync', '--delete'], ['cp', '-r']]) {
        const r = await s3ferry(env, [...command, `s3+t://${bucket}/`, `s3+t://${bucket}/sub/`]);
        assertRefused(r, /is inside the source .* \(same endpoint and bucket\)/);
      }
      assert.deepEqual(await objectMd5s(client, bucket), before);
    });

    it('prefixes are directories: s3://b/sub → s3://b/sub/deeper is refused', async () => {
      const before = await objectMd5s(client, bucket);
      const r = await s3ferry(env, ['sync', `s3+t://${bucket}/sub`, `s3+t://${bucket}/sub/deeper`]);
      assertRefused(
        r,
        /^s3ferry: the destination s3\+t:\/\/.*\/sub\/deeper is inside the source s3\+t:\/\/.*\/sub \(same endpoint and bucket\)/,
      );
      assert.deepEqual(await objectMd5s(client, bucket), before);
    });

    it('another profile on the same endpoint, spelled otherwise: refused', async () => {
      const before = await objectMd5s(client, bucket);
      const r = await s3ferry(env, ['sync', `s3+t://${bucket}/`, `s3+u://${bucket}/sub/`]);
      assertRefused(r, /is inside the source .* \(same endpoint and bucket\)/);
      assert.deepEqual(await objectMd5s(client, bucket), before);
    });

    it('s3://b/sub/ → s3://b/ with --delete: refused, nothing deleted', async () => {
      const before = await objectMd5s(client, bucket);
      const r = await s3ferry(env, [
        'sync',
        '--delete',
        `s3+t://${bucket}/sub/`,
        `s3+t://${bucket}/`,
      ]);
      assertRefused(r, /is inside the destination/);
      assert.deepEqual(await objectMd5s(client, bucket), before);
    });

    it('s3://b/x → s3://b/x (one object onto itself): refused', async () => {
      const before = await objectMd5s(client, bucket);
      for (const command of [['sync'], ['cp']]) {
        const r = await s3ferry(env, [
          ...command,
          `s3+t://${bucket}/a.txt`,
          `s3+t://${bucket}/a.txt`,
        ]);
        assertRefused(r, /are the same place \(same endpoint and bucket\)/);
      }
      assert.deepEqual(await objectMd5s(client, bucket), before);
    });

    it('one object onto an existing local directory: a usage error (exit 2)', async () => {
      const dir = freshDir('download');
      writeTree(dir, { 'keep.txt': 'kept' });
      const before = treeOf(dir);
      const r = await s3ferry(env, ['sync', `s3+t://${bucket}/a.txt`, dir]);
      assertRefused(r, /is one file or object, which syncs to exactly the destination, but/);
      assert.deepEqual(treeOf(dir), before);
    });

    it('sibling prefixes that share letters are not an overlap', async () => {
      for (const [from, to] of [
        ['sub/', 'subcopy/'],
        ['sub', 'sub2'],
      ] as const) {
        const r = await s3ferry(env, [
          'sync',
          '-q',
          `s3+t://${bucket}/${from}`,
          `s3+t://${bucket}/${to}`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const keys = Object.keys(await objectMd5s(client, bucket, `${to.replace(/\/$/, '')}/`));
        assert.deepEqual(keys.sort(), ['b.txt', 'deeper/c.txt'], to);
      }
    });
  });
}
