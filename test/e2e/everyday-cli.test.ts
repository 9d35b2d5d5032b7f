// End to end: the everyday commands (ls, cp, rm, stat, cat) of the built CLI (no loader) against
// every test target and on local paths, in a controlled environment (temp HOME, profiles in a temp
// credentials file, no outer AWS_*/MEGFILE_* variables). Checks what a user checks: what is
// printed, the exit code, and the keys and bytes left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { CLI_MAIN, cliEnv, runCli } from '../helpers/cli.ts';
import type { CliProfile, CliResult } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, keysOf, md5, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-everyday-');

/** A temp HOME holding a megfile-format credentials file with the given profiles. */
function envWith(profiles: Record<string, CliProfile>): NodeJS.ProcessEnv {
  // UTC: `ls -l` prints local times; the test compares them with UTC renderings.
  return cliEnv(freshDir('home'), profiles, { TZ: 'UTC' });
}

/** Runs the built CLI to its end. */
async function s3ferry(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  const result = await runCli(env, args);
  assert.ok(!result.stderr.includes('    at '), `a stack trace on stderr:\n${result.stderr}`);
  return result;
}

async function bodyOf(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToByteArray();
}

/** megfile's `%12d YYYY-mm-dd HH:MM:SS name` line. */
const LONG_LINE = /^ {0,11}\d{1,12} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (.+)$/;

for (const target of testTargets()) {
  const user = target.users[0];
  const env = envWith({ a: { endpoint: target.endpoints[0], user } });
  const client = createS3Client(targetSpec(target));
  const buckets: string[] = [];
  const makeBucket = async (): Promise<string> => {
    const bucket = await createBucket(client, 'e2e-every');
    buckets.push(bucket);
    return bucket;
  };

  describe(`everyday commands (built CLI) on ${target.name}`, () => {
    after(async () => {
      for (const bucket of buckets) await removeBucket(client, bucket).catch(() => undefined);
      client.destroy();
    });

    const tree = {
      'dir/a.txt': Buffer.from('alpha\n'),
      'dir/sub/b.txt': Buffer.from('bravo!\n'),
      'dir/sub/c.txt': Buffer.from('charlie\n'),
      'dir2/x': Buffer.from('x'),
      'top.txt': Buffer.from('top\n'),
    };

    it('ls: one level with prefixes ending in /, -r relative paths, -l lines and total, an object by name', async () => {
      const bucket = await makeBucket();
      await seed(client, bucket, tree);
      const root = await s3ferry(env, ['ls', `s3+a://${bucket}/`]);
      assert.equal(root.code, 0, root.stderr);
      assert.equal(root.stdout, 'dir/\ndir2/\ntop.txt\n');

      const level = await s3ferry(env, ['ls', `s3+a://${bucket}/dir`]);
      assert.equal(level.stdout, 'a.txt\nsub/\n', 'dir and dir/ both list the directory dir/');

      const recursive = await s3ferry(env, ['ls', '-r', `s3+a://${bucket}/dir/`]);
      assert.equal(recursive.stdout, 'a.txt\nsub/b.txt\nsub/c.txt\n');

      const full = await s3ferry(env, ['ls', '-r', '-f', `s3+a://${bucket}/dir`]);
      assert.equal(full.stdout.split('\n')[0], `s3+a://${bucket}/dir/a.txt`);

      const long = await s3ferry(env, ['ls', '-l', '-r', `s3+a://${bucket}/dir`]);
      const lines = long.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 4);
      assert.deepEqual(
        lines.slice(0, 3).map((l) => LONG_LINE.exec(l)?.[1]),
        ['a.txt', 'sub/b.txt', 'sub/c.txt'],
      );
      assert.match(lines[0]!, /^ {11}6 /, 'size right-aligned in 12 columns');
      assert.equal(lines[3], 'total(3): 21 B');

      const human = await s3ferry(env, ['ls', '-lh', `s3+a://${bucket}/dir/`]);
      assert.match(human.stdout, /^ {7}6 B \d{4}-\d\d-\d\d \d\d:\d\d:\d\d a\.txt\n/);
      assert.match(human.stdout, / {7}0 B 1970-01-01 00:00:00 sub\/\n/, 'prefixes: size 0, epoch');

      const one = await s3ferry(env, ['ls', `s3+a://${bucket}/top.txt`]);
      assert.equal(one.stdout, 'top.txt\n');

      const buckets = await s3ferry(env, ['ls', 's3+a://']);
      assert.equal(buckets.code, 0, buckets.stderr);
      assert.ok(buckets.stdout.split('\n').includes(`${bucket}/`), 'the bucket list');
    });

    it('ls: a listing of more than one page prints every key once, in order', async () => {
      const bucket = await makeBucket();
      const many: Record<string, Uint8Array> = {};
      for (let i = 0; i < 1100; i++) many[`p/k${String(i).padStart(4, '0')}`] = Buffer.from('');
      await seed(client, bucket, many);
      const result = await s3ferry(env, ['ls', `s3+a://${bucket}/p/`]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        result.stdout.trimEnd().split('\n'),
        Object.keys(many).map((k) => k.slice(2)),
      );
    });

    it('ls/stat/cat: exit 1 for a missing key, 3 for a missing bucket, 2 for a bad path', async () => {
      const bucket = await makeBucket();
      await seed(client, bucket, tree);
      for (const command of ['ls', 'stat', 'cat']) {
        const missing = await s3ferry(env, [command, `s3+a://${bucket}/nope.txt`]);
        assert.equal(missing.code, 1, `${command}: ${missing.stderr}`);
        assert.match(missing.stderr, /^s3ferry: .*nope\.txt/);
        assert.ok(missing.stderr.includes(`s3+a://${bucket}/nope.txt`), missing.stderr);
        if (command !== 'ls') {
          assert.equal(
            missing.stderr,
            `s3ferry: no such object or directory: s3+a://${bucket}/nope.txt\n`,
          );
        }
        const noBucket = await s3ferry(env, [command, `s3+a://${bucket}-gone/k`]);
        assert.equal(noBucket.code, 3, `${command}: ${noBucket.stderr}`);
        assert.match(noBucket.stderr, /NoSuchBucket|does not exist/);
        const bad = await s3ferry(env, [command, 's3+a://x/k']);
        assert.equal(bad.code, 2, `${command}: ${bad.stderr}`);
        assert.match(bad.stderr, /invalid bucket name 'x'/);
      }
    });

    it('stat: size, time, ETag, content type and metadata; --json; a prefix is a directory', async () => {
      const bucket = await makeBucket();
      const body = randomBytes(1234);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'meta.bin',
          Body: body,
          ContentType: 'application/x-test',
          Metadata: { owner: 'ferry', purpose: 'e2e' },
        }),
      );
      const json = await s3ferry(env, ['stat', '--json', `s3+a://${bucket}/meta.bin`]);
      assert.equal(json.code, 0, json.stderr);
      const stat = JSON.parse(json.stdout) as Record<string, unknown>;
      assert.equal(stat['path'], `s3+a://${bucket}/meta.bin`);
      assert.equal(stat['type'], 'file');
      assert.equal(stat['size'], 1234);
      assert.equal(stat['etag'], md5(body));
      assert.equal(stat['contentType'], 'application/x-test');
      assert.deepEqual(stat['metadata'], { owner: 'ferry', purpose: 'e2e' });
      assert.ok(Math.abs(Date.parse(String(stat['lastModified'])) - Date.now()) < 10 * 60_000);

      const text = await s3ferry(env, ['stat', `s3+a://${bucket}/meta.bin`]);
      assert.match(text.stdout, /^size: +1234 \(1\.2 KiB\)$/m);
      assert.match(text.stdout, /^metadata owner: +ferry$/m);

      await seed(client, bucket, tree);
      const dir = await s3ferry(env, ['stat', '--json', `s3+a://${bucket}/dir`]);
      assert.equal(dir.code, 0, dir.stderr);
      assert.deepEqual(JSON.parse(dir.stdout), { path: `s3+a://${bucket}/dir`, type: 'directory' });
    });

    it('cat: stdout is the object byte for byte; a closed pipe ends it quietly', async () => {
      const bucket = await makeBucket();
      const body = randomBytes(3 * 1024 * 1024 + 17);
      await seed(client, bucket, { 'big.bin': body });
      const result = await s3ferry(env, ['cat', `s3+a://${bucket}/big.bin`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(md5(result.stdoutBytes), md5(body));
      assert.equal(result.stdoutBytes.length, body.length);

      const shell = await runCli(env, [], {
        command: [
          'bash',
          '-c',
          `"${process.execPath}" "${CLI_MAIN}" cat "s3+a://${bucket}/big.bin" | head -c 10 > /dev/null; echo "rc=\${PIPESTATUS[0]}"`,
        ],
      });
      assert.equal(shell.stdout.trim(), 'rc=0', shell.stderr);
      assert.equal(shell.stderr, '', 'nothing on stderr when the reader goes away');
    });

    it('cat of a prefix or a bucket root is a usage error: exit 2, one line, nothing on stdout', async () => {
      const bucket = await makeBucket();
      await seed(client, bucket, { 'dir/x.txt': 'x' });
      // [as given, as named in the line]: a bucket root is named with its '/'.
      const cases: [string, string][] = [
        [`s3+a://${bucket}/`, `s3+a://${bucket}/`],
        [`s3+a://${bucket}`, `s3+a://${bucket}/`],
        [`s3+a://${bucket}/dir/`, `s3+a://${bucket}/dir/`],
        [`s3+a://${bucket}/dir`, `s3+a://${bucket}/dir`],
      ];
      for (const [root, shown] of cases) {
        const dir = await s3ferry(env, ['cat', root]);
        assert.equal(dir.code, 2, dir.stderr);
        assert.equal(dir.stdout, '');
        assert.equal(
          dir.stderr,
          `s3ferry: ${shown} is a directory. Hint: cat reads one object or file; list a directory with ls\n`,
        );
      }
    });

    it('cp: one object (exact name, into a / destination, into a local directory), -r to exactly DST or under its name with /', async () => {
      const src = await makeBucket();
      const dst = await makeBucket();
      await seed(client, src, tree);

      const one = await s3ferry(env, ['cp', '-q', `s3+a://${src}/top.txt`, `s3+a://${dst}/x.txt`]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(Buffer.from(await bodyOf(client, dst, 'x.txt')).toString(), 'top\n');

      const into = await s3ferry(env, ['cp', '-q', `s3+a://${src}/top.txt`, `s3+a://${dst}/d/`]);
      assert.equal(into.code, 0, into.stderr);
      assert.equal(Buffer.from(await bodyOf(client, dst, 'd/top.txt')).toString(), 'top\n');

      const local = freshDir('cp-local');
      const down = await s3ferry(env, ['cp', `s3+a://${src}/dir/a.txt`, local]);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stderr, /1 copied/, 'the sync summary');
      assert.equal(fs.readFileSync(path.join(local, 'a.txt'), 'utf8'), 'alpha\n');

      const noR = await s3ferry(env, ['cp', `s3+a://${src}/dir`, `s3+a://${dst}/y/`]);
      assert.equal(noR.code, 2, noR.stderr);
      assert.match(noR.stderr, /is a directory.*cp -r/);

      const exact = await s3ferry(env, [
        'cp',
        '-r',
        '-q',
        `s3+a://${src}/dir`,
        `s3+a://${dst}/out`,
      ]);
      assert.equal(exact.code, 0, exact.stderr);
      assert.deepEqual(await keysOf(client, dst, 'out/'), [
        'out/a.txt',
        'out/sub/b.txt',
        'out/sub/c.txt',
      ]);
      // A second run lands in the same place (no nesting into the now existing out/).
      const again = await s3ferry(env, [
        'cp',
        '-r',
        '-q',
        `s3+a://${src}/dir`,
        `s3+a://${dst}/out`,
      ]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await keysOf(client, dst, 'out/')).length, 3);

      const nest = await s3ferry(env, ['cp', '-r', '-q', `s3+a://${src}/dir/`, `s3+a://${dst}/n/`]);
      assert.equal(nest.code, 0, nest.stderr);
      assert.deepEqual(await keysOf(client, dst, 'n/'), [
        'n/dir/a.txt',
        'n/dir/sub/b.txt',
        'n/dir/sub/c.txt',
      ]);
      assert.equal(
        Buffer.from(await bodyOf(client, dst, 'n/dir/sub/c.txt')).toString(),
        'charlie\n',
      );

      const upDir = freshDir('cp-up');
      fs.mkdirSync(path.join(upDir, 'deep'));
      fs.writeFileSync(path.join(upDir, 'deep', 'f.txt'), 'from disk');
      const up = await s3ferry(env, ['cp', '-r', '-q', upDir, `s3+a://${dst}/up`]);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(Buffer.from(await bodyOf(client, dst, 'up/deep/f.txt')).toString(), 'from disk');

      const missing = await s3ferry(env, ['cp', `s3+a://${src}/nope`, `s3+a://${dst}/z`]);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /no such object or directory/);
    });

    it('rm -r: more than 1,000 keys in batches; --dry-run deletes nothing; siblings stay', async () => {
      const bucket = await makeBucket();
      const many: Record<string, Uint8Array> = { 'bigger.txt': Buffer.from('keep') };
      for (let i = 0; i < 1005; i++) many[`big/k${String(i).padStart(4, '0')}`] = Buffer.from('x');
      many['big'] = Buffer.from('the object named like the prefix');
      await seed(client, bucket, many);

      const dry = await s3ferry(env, ['rm', '-r', '--dry-run', `s3+a://${bucket}/big`]);
      assert.equal(dry.code, 0, dry.stderr);
      const listed = dry.stdout.trimEnd().split('\n');
      assert.equal(listed.length, 1006);
      assert.equal(listed[0], `s3+a://${bucket}/big`);
      assert.match(dry.stderr, /dry run: would remove 1,006 objects/);
      assert.equal((await keysOf(client, bucket)).length, 1007, 'a dry run deletes nothing');

      const real = await s3ferry(env, ['rm', '-r', `s3+a://${bucket}/big`]);
      assert.equal(real.code, 0, real.stderr);
      assert.match(real.stderr, /removed 1,006 objects/);
      assert.deepEqual(await keysOf(client, bucket), ['bigger.txt']);
    });

    it('rm: one key; a prefix without -r is exit 2; missing is exit 1 (0 with -f); the bucket root is refused', async () => {
      const bucket = await makeBucket();
      await seed(client, bucket, tree);
      const one = await s3ferry(env, ['rm', `s3+a://${bucket}/top.txt`]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stderr, '');
      assert.ok(!(await keysOf(client, bucket)).includes('top.txt'));

      const dir = await s3ferry(env, ['rm', `s3+a://${bucket}/dir`]);
      assert.equal(dir.code, 2, dir.stderr);
      assert.match(dir.stderr, /is a directory.*rm -r/);

      const missing = await s3ferry(env, ['rm', `s3+a://${bucket}/top.txt`]);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /no such object or directory/);
      const forced = await s3ferry(env, ['rm', '-f', `s3+a://${bucket}/top.txt`]);
      assert.equal(forced.code, 0, forced.stderr);

      for (const root of [`s3+a://${bucket}`, `s3+a://${bucket}/`]) {
        const refused = await s3ferry(env, ['rm', '-r', root]);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /refusing to remove the bucket root/);
      }
      assert.equal((await keysOf(client, bucket)).length, 4, 'nothing else went');
    });
  });
}

describe('everyday commands on local paths (built CLI)', () => {
  const env = envWith({});
  const makeTree = (): string => {
    const dir = freshDir('local');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'bravo!\n');
    return dir;
  };

  it('ls lists names (directories end in /), -r relative paths, -l with the total line', async () => {
    const dir = makeTree();
    assert.equal((await s3ferry(env, ['ls', dir])).stdout, 'a.txt\nsub/\n');
    assert.equal((await s3ferry(env, ['ls', '-r', dir])).stdout, 'a.txt\nsub/b.txt\n');
    const long = await s3ferry(env, ['ls', '-l', '-r', dir]);
    assert.match(long.stdout, /^ {11}6 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d a\.txt\n/);
    assert.match(long.stdout, /\ntotal\(2\): 13 B\n$/);
    const missing = await s3ferry(env, ['ls', path.join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or directory/);
  });

  it('stat, cat and cp on local files', async () => {
    const dir = makeTree();
    const stat = JSON.parse(
      (await s3ferry(env, ['stat', '--json', path.join(dir, 'a.txt')])).stdout,
    ) as Record<string, unknown>;
    assert.equal(stat['type'], 'file');
    assert.equal(stat['size'], 6);
    assert.equal(stat['mode'], '0644');
    assert.equal((await s3ferry(env, ['cat', path.join(dir, 'sub', 'b.txt')])).stdout, 'bravo!\n');
    const catDir = await s3ferry(env, ['cat', dir]);
    assert.equal(catDir.code, 2);
    assert.match(catDir.stderr, /is a directory/);

    const out = freshDir('local-out');
    const cp = await s3ferry(env, ['cp', '-q', path.join(dir, 'a.txt'), `${out}/`]);
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(fs.readFileSync(path.join(out, 'a.txt'), 'utf8'), 'alpha\n');
  });

  it('rm: a file; a directory needs -r; --dry-run keeps everything; -r removes the tree', async () => {
    const dir = makeTree();
    const noR = await s3ferry(env, ['rm', dir]);
    assert.equal(noR.code, 2);
    assert.match(noR.stderr, /is a directory.*rm -r/);
    const dry = await s3ferry(env, ['rm', '-r', '--dry-run', dir]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, `${dir}/a.txt\n${dir}/sub/b.txt\n`);
    assert.ok(fs.existsSync(path.join(dir, 'sub', 'b.txt')));
    const file = await s3ferry(env, ['rm', path.join(dir, 'a.txt')]);
    assert.equal(file.code, 0, file.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'a.txt')));
    const all = await s3ferry(env, ['rm', '-r', dir]);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(!fs.existsSync(dir));
    const gone = await s3ferry(env, ['rm', dir]);
    assert.equal(gone.code, 1);
    assert.equal((await s3ferry(env, ['rm', '-f', dir])).code, 0);
  });
});
