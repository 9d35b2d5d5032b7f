// `--create-bucket` through the built CLI on the local RGW cluster: without it a missing
// destination bucket stops the run with one line that names the bucket and the flag (exit 3,
// nothing created); with it the bucket is made, the objects arrive, and the summary says so; a
// bucket it may not make stops the run before anything is copied.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-create-bucket-');

async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return false;
    }
    throw error;
  }
}

for (const target of testTargets()) {
  describe(`--create-bucket, built CLI, on ${target.name}`, () => {
    const a: S3Client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const b: S3Client = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    const objects = { 'one.txt': 'one', 'dir/two.txt': 'two' };
    const missing = uniqueBucket('cb-new');
    const missingForCp = uniqueBucket('cb-cp');
    let source = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      source = await createBucket(a, 'cb-src');
      await seed(a, source, objects);
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
    });

    after(async () => {
      await removeBucket(a, source);
      for (const bucket of [missing, missingForCp]) {
        if (await bucketExists(b, bucket)) await removeBucket(b, bucket);
      }
      a.destroy();
      b.destroy();
    });

    it('without the flag: exit 3, one line naming the bucket and the flag, nothing created', async () => {
      const run = await runCli(env, ['sync', `s3+a://${source}/`, `s3+b://${missing}/in/`, '-q']);
      assert.equal(run.code, ExitCode.Fatal, run.stderr);
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^s3ferry: cannot list s3\\+b://${missing}/in/: .*'${missing}' does not exist.*; or add --create-bucket to create it$`,
        ),
      );
      assert.equal(await bucketExists(b, missing), false);
    });

    it('with the flag: the bucket is made, the objects arrive; a second run makes nothing', async () => {
      const run = await runCli(env, [
        'sync',
        `s3+a://${source}/`,
        `s3+b://${missing}/in/`,
        '--create-bucket',
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`created bucket s3\\+b://${missing} \\(--create-bucket\\)`),
      );
      assert.deepEqual(await objectMd5s(b, missing, 'in/'), md5s(objects));

      const again = await runCli(env, [
        'cp',
        '-r',
        `s3+a://${source}/dir`,
        `s3+b://${missing}/again`,
        '--create-bucket',
      ]);
      assert.equal(again.code, ExitCode.Ok, again.stderr);
      assert.doesNotMatch(again.stderr, /created bucket/);
      assert.deepEqual(await objectMd5s(b, missing, 'again/'), md5s({ 'two.txt': 'two' }));
    });

    it('cp of one object to a key in a missing bucket: the flag makes it, without it exit 3', async () => {
      const to = `s3+b://${missingForCp}/copy.txt`;
      const without = await runCli(env, ['cp', `s3+a://${source}/one.txt`, to, '-q']);
      assert.equal(without.code, ExitCode.Fatal, without.stderr);
      assert.match(without.stderr, /or add --create-bucket to create it\n$/);
      assert.equal(await bucketExists(b, missingForCp), false);

      const run = await runCli(env, ['cp', `s3+a://${source}/one.txt`, to, '--create-bucket']);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.match(run.stderr, new RegExp(`created bucket s3\\+b://${missingForCp} `));
      assert.deepEqual(await objectMd5s(b, missingForCp, ''), md5s({ 'copy.txt': 'one' }));
    });

    it(
      "another user's bucket: exit 3, one line naming the bucket and the flag, nothing copied",
      { skip: !target.usersIsolated && 'the users of this target are not isolated' },
      async () => {
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+b://${source}/copy/`,
          '--create-bucket',
        ]);
        assert.equal(run.code, ExitCode.Fatal, run.stderr);
        const lines = run.stderr.split('\n').filter((line) => line !== '');
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
          lines[0] ?? '',
          new RegExp(
            `^s3ferry: cannot create bucket s3\\+b://${source} \\(--create-bucket\\): access denied`,
          ),
        );
        assert.deepEqual(await objectMd5s(a, source, ''), md5s(objects));
      },
    );
  });
}
