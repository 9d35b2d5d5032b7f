// A full or read-only local destination, through the built CLI: the tests mount their own small
// tmpfs (they run as root; without the permission to mount they are skipped, saying why), sync
// more than fits, or into a read-only mount, and check what a user checks: exit code 3, one
// stderr line naming the file and ENOSPC/EROFS, no stack trace, no s3ferry temp file anywhere in
// the mount, the files completed before the failure intact (MD5) and nothing partial at a final
// name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { isTempName } from '../../src/local/temp-name.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-local-disk-');
const KiB = 1024;
const MiB = 1024 * KiB;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, root = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, root, out);
    else out.push(relative(root, path));
  }
  return out.sort();
}

/** stderr without blank lines. */
function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** The tmpfs mounts of this file, unmounted when its tests end. */
const mounts: string[] = [];

/** Mounts a tmpfs at a fresh directory; the reason it could not, as a string. */
function mountTmpfs(options: string): string | { dir: string } {
  const dir = freshDir('mnt');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot mount a tmpfs (root needed): ${stderr || String(error)}`;
  }
  mounts.push(dir);
  return { dir };
}

/** Mounts a tmpfs or skips the test with the reason. */
function mountOrSkip(t: TestContext, options: string): string | undefined {
  const mounted = mountTmpfs(options);
  if (typeof mounted === 'string') {
    t.skip(mounted);
    return undefined;
  }
  return mounted.dir;
}

/** Unmounts every mount of this file (before tempRoot's hook removes their directories). */
function unmountAll(): void {
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
  }
}

for (const target of testTargets().slice(0, 1)) {
  describe(`a full or read-only local destination, built CLI, on ${target.name}`, () => {
    const client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    // 1.2 MiB that fit in the 3 MiB mount, then 5 MiB that do not, then a small one after it.
    const objects: Record<string, Uint8Array> = {
      'a-1.bin': randomBytes(400 * KiB),
      'a-2.bin': randomBytes(400 * KiB),
      'a-3.bin': randomBytes(400 * KiB),
      'b-big.bin': randomBytes(5 * MiB),
      'c-after.bin': randomBytes(100 * KiB),
    };
    let bucket = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      bucket = await createBucket(client, 'e2e-disk');
      await seed(client, bucket, objects);
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
      });
    });

    after(async () => {
      unmountAll();
      await removeBucket(client, bucket);
      client.destroy();
    });

    /** No temp file anywhere in `mount`; every file at a final name is its source's bytes. */
    function assertNothingPartial(mount: string, dst: string): string[] {
      const all = filesUnder(mount);
      const temps = all.filter((path) => isTempName(path.split('/').at(-1) ?? ''));
      assert.deepEqual(temps, [], 'no temp file is left in the mount');
      const files = filesUnder(dst);
      for (const key of files) {
        const body = objects[key];
        assert.ok(body !== undefined, `${key} is not a source key`);
        assert.equal(md5(readFileSync(join(dst, key))), md5(body), `${key} is complete`);
      }
      return files;
    }

    it('a full disk, one copy at a time: exit 3, one line naming the file and ENOSPC, the files before it intact', async (t) => {
      const mount = mountOrSkip(t, 'size=3m');
      if (mount === undefined) return;
      const dst = join(mount, 'out');
      // One copy at a time, in key order: the a-* files land, b-big.bin meets the full disk.
      const result = await runCli(env, [
        'sync',
        `s3+a://${bucket}/`,
        dst,
        '-w',
        '1',
        '--tasks-per-worker',
        '1',
      ]);
      assert.equal(result.code, 3, result.stderr);
      const errorLines = lines(result.stderr).filter((line) => /ENOSPC/.test(line));
      assert.equal(errorLines.length, 1, result.stderr);
      assert.match(
        errorLines[0] ?? '',
        new RegExp(
          `^s3ferry: failed: \\S+/b-big\\.bin: ENOSPC: cannot write ${dst}/b-big\\.bin: no space left on device\\. Hint: `,
        ),
      );
      assert.match(result.stderr, /stopped by an error/);
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
      const files = assertNothingPartial(mount, dst);
      assert.deepEqual(files, ['a-1.bin', 'a-2.bin', 'a-3.bin']);
    });

    it('a full disk with copies in parallel and ranged downloads: -q prints exactly one line', async (t) => {
      const mount = mountOrSkip(t, 'size=3m');
      if (mount === undefined) return;
      const dst = join(mount, 'out');
      const result = await runCli(env, [
        'sync',
        `s3+a://${bucket}/`,
        dst,
        '-q',
        '--multipart-threshold',
        '1MiB',
        '--part-size',
        '5MiB',
      ]);
      assert.equal(result.code, 3, result.stderr);
      const all = lines(result.stderr);
      assert.equal(all.length, 1, result.stderr);
      assert.match(
        all[0] ?? '',
        new RegExp(
          `^s3ferry: failed: \\S+: ENOSPC: cannot write ${dst}/\\S+: no space left on device`,
        ),
      );
      assert.equal(result.stdout, '');
      assertNothingPartial(mount, dst);
    });

    it('a read-only destination: exit 3, one line naming the file and EROFS, the files there untouched', async (t) => {
      const mount = mountOrSkip(t, 'size=4m');
      if (mount === undefined) return;
      const dst = join(mount, 'out');
      mkdirSync(dst);
      writeFileSync(join(dst, 'a-1.bin'), objects['a-1.bin']!);
      execFileSync('mount', ['-o', 'remount,ro', mount], { stdio: 'pipe' });
      const result = await runCli(env, ['sync', `s3+a://${bucket}/`, dst, '-q']);
      assert.equal(result.code, 3, result.stderr);
      const all = lines(result.stderr);
      assert.equal(all.length, 1, result.stderr);
      assert.match(
        all[0] ?? '',
        new RegExp(
          `^s3ferry: failed: \\S+: EROFS: cannot write ${dst}/\\S+: read-only file system\\. Hint: `,
        ),
      );
      assert.deepEqual(assertNothingPartial(mount, dst), ['a-1.bin']);
    });

    it('a directory to create on a read-only file system: EROFS, not a missing path', async (t) => {
      const mount = mountOrSkip(t, 'size=1m,ro');
      if (mount === undefined) return;
      const dst = join(mount, 'new', 'sub');
      const result = await runCli(env, ['sync', `s3+a://${bucket}/`, dst, '-q']);
      assert.equal(result.code, 3, result.stderr);
      const all = lines(result.stderr);
      assert.equal(all.length, 1, result.stderr);
      assert.match(
        all[0] ?? '',
        new RegExp(
          `^s3ferry: failed: \\S+: EROFS: cannot create the directory of ${dst}/\\S+: read-only file system`,
        ),
      );
      assert.equal(existsSync(join(mount, 'new')), false);
    });
  });
}
