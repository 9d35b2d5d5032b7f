// End to end: a source and destination that overlap are refused before anything is listed or
// written (exit 2, one line naming both), on S3 (same endpoint and bucket) and locally (real paths,
// through a symlink too); an exclude of the overlapping subtree keeps them apart; a single file
// synced onto a directory is a usage error too.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cleanEnv, cliEnv, runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
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

/** Exit 2 and exactly one line on stderr, matching `line`. */
function assertRefused(r: CliResult, line: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, line);
}

const files = { 'a.txt': 'alpha', 'sub/b.txt': 'bravo', 'sub/deeper/c.txt': 'charlie' };

describe('overlapping local directories', () => {
  const env = cleanEnv();

  it('DIR → DIR/sub: refused, nothing written', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const r = await s3ferry(env, ['sync', dir, join(dir, 'sub')]);
    assertRefused(
      r,
      /^s3ferry: the destination .*sub is inside the source .* the run would copy its own output again\. Hint: /,
    );
    assert.deepEqual(fileMd5s(dir), md5s(files));
  });

  it('DIR/sub → DIR with --delete (and --dry-run): refused, nothing deleted', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    for (const extra of [[], ['--dry-run']]) {
      const r = await s3ferry(env, ['sync', '--delete', ...extra, join(dir, 'sub'), dir]);
      assertRefused(
        r,
        /^s3ferry: the source .*sub is inside the destination .*: the run would write into, or delete, the source itself/,
      );
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(fileMd5s(dir), md5s(files));
  });

  it('DIR → DIR: refused', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    assertRefused(await s3ferry(env, ['sync', dir, dir]), /are the same place/);
    assert.deepEqual(fileMd5s(dir), md5s(files));
  });

  it('through a symlink, both ways: refused, nothing written or deleted', async () => {
    const dir = freshDir('src');
    writeTree(dir, files);
    const link = join(freshDir('links'), 'alias');
    symlinkSync(dir, link);
    assertRefused(await s3ferry(env, ['sync', dir, join(link, 'sub')]), /is inside the source/);
    assertRefused(
      await s3ferry(env, ['sync', '--delete', join(link, 'sub'), dir]),
      /is inside the destination/,
    );
    assertRefused(await s3ferry(env, ['cp', '-r', link, join(dir, 'new')]), /is inside the source/);
    assert.deepEqual(fileMd5s(dir), md5s(files));
  });

  it('an exclude of the destination subtree keeps them apart: the sync runs', async () => {
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

  it('a single file onto an existing directory is a usage error (exit 2)', async () => {
    const dir = freshDir('src');
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    const target = freshDir('target');
    const r = await s3ferry(env, ['sync', join(dir, 'a.txt'), target]);
    assertRefused(
      r,
      /^s3ferry: cannot list .*: the destination .* is a directory, but the source is a single file\. Hint: /,
    );
    assert.deepEqual(fileMd5s(target), {});
  });
});

for (const target of testTargets()) {
  describe(`overlapping S3 prefixes on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target));
    const env = cliEnv(freshDir('home'), {
      t: { endpoint: target.endpoints[0], user: target.users[0] },
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
      for (const command of [['sync'], ['sync', '--delete'], ['cp', '-r']]) {
        const r = await s3ferry(env, [...command, `s3+t://${bucket}/`, `s3+t://${bucket}/sub/`]);
        assertRefused(r, /is inside the source .* \(same endpoint and bucket\)/);
      }
      assert.deepEqual(await objectMd5s(client, bucket), md5s(files));
    });

    it('s3://b/sub/ → s3://b/ with --delete: refused, nothing deleted', async () => {
      const r = await s3ferry(env, [
        'sync',
        '--delete',
        `s3+t://${bucket}/sub/`,
        `s3+t://${bucket}/`,
      ]);
      assertRefused(r, /is inside the destination/);
      assert.deepEqual(await objectMd5s(client, bucket), md5s(files));
    });

    it('s3://b/x → s3://b/x (one object onto itself): refused', async () => {
      const r = await s3ferry(env, ['sync', `s3+t://${bucket}/a.txt`, `s3+t://${bucket}/a.txt`]);
      assertRefused(r, /are the same place \(same endpoint and bucket\)/);
      assert.deepEqual(await objectMd5s(client, bucket), md5s(files));
    });

    it('sibling prefixes that share letters are not an overlap', async () => {
      const r = await s3ferry(env, [
        'sync',
        '-q',
        `s3+t://${bucket}/sub/`,
        `s3+t://${bucket}/subcopy/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const keys = Object.keys(await objectMd5s(client, bucket, 'subcopy/')).sort();
      assert.deepEqual(keys, ['b.txt', 'deeper/c.txt']);
    });
  });
}
