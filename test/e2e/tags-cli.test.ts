// Object tags across copies, through the built CLI: each copy path (buffered and streamed GET →
// PUT across endpoints and users, multipart across endpoints, server-side CopyObject and
// UploadPartCopy) writes the source's tags with the object, read back with GetObjectTagging;
// `--no-tags` leaves them behind; a source server without tagging (a proxy answering 501 to
// ?tagging) costs one warning, not a failure per object; tags that cannot be set after a multipart
// copy fail that copy and leave no untagged object for the next run to take for a whole one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-tags-');
const KiB = 1024;
const MiB = 1024 * KiB;

/** One object per copy path, sized for it (the multipart threshold is 5 MiB below). */
const objects = {
  'small.txt': randomBytes(10 * KiB),
  'streamed.bin': randomBytes(2 * MiB),
  'parts.bin': randomBytes(6 * MiB),
};
// Characters AWS allows in tags that need encoding in a header: space, +, =, /, :, @.
const TAGS = { project: 'ferry', 'owner name': 'a+b=c/d:e @x' };
const PARTS = ['--multipart-threshold', '5MiB', '--part-size', '5MiB'];

async function tagsOf(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<Record<string, string>> {
  const got = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((got.TagSet ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

for (const target of testTargets()) {
  describe(`object tags across copies, built CLI, on ${target.name}`, () => {
    const a: S3Client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const b: S3Client = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    let source = '';
    let across = '';
    let same = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      source = await createBucket(a, 'tags-src');
      across = await createBucket(b, 'tags-dst');
      same = await createBucket(a, 'tags-same');
      await seed(a, source, objects, {
        Tagging: new URLSearchParams(TAGS).toString().replace(/\+/g, '%20'),
      });
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
    });

    after(async () => {
      await removeBucket(a, source);
      await removeBucket(b, across);
      await removeBucket(a, same);
      a.destroy();
      b.destroy();
    });

    it('the seeded source has its tags (the premise)', async () => {
      assert.deepEqual(await tagsOf(a, source, 'small.txt'), TAGS);
    });

    for (const [what, to, client, bucket] of [
      ['across endpoints and users', 'b', () => b, () => across],
      ['server-side, same endpoint and user', 'a', () => a, () => same],
    ] as const) {
      it(`${what}: every copy path writes the tags`, async () => {
        const dstBucket = bucket();
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+${to}://${dstBucket}/copy/`,
          '-q',
          ...PARTS,
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.equal(run.stderr, '');
        assert.deepEqual(await objectMd5s(client(), dstBucket, 'copy/'), md5s(objects));
        for (const key of Object.keys(objects)) {
          assert.deepEqual(await tagsOf(client(), dstBucket, `copy/${key}`), TAGS, key);
        }
      });

      it(`${what}: --no-tags leaves them behind`, async (t) => {
        if (to === 'a' && target.name === 'rgw') {
          t.skip(
            "Ceph RGW 16 ignores CopyObject's x-amz-tagging-directive: a server-side copy keeps the tags there (README)",
          );
          return;
        }
        const dstBucket = bucket();
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+${to}://${dstBucket}/untagged/`,
          '-q',
          '--no-tags',
          ...PARTS,
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.deepEqual(await objectMd5s(client(), dstBucket, 'untagged/'), md5s(objects));
        for (const key of Object.keys(objects)) {
          assert.deepEqual(await tagsOf(client(), dstBucket, `untagged/${key}`), {}, key);
        }
      });
    }

    it('a source server without tagging: one warning, every object copied', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        proxy.addRule({
          match: (req) => /(^|&)tagging(=|&|$)/.test(req.query),
          fault: { kind: 'error', status: 501, code: 'NotImplemented', message: 'not here' },
        });
        const proxied = cliEnv(freshDir('home-501'), {
          a: { endpoint: proxy.url, user: target.users[0] },
          b: { endpoint: target.endpoints[1], user: target.users[1] },
        });
        const run = await runCli(proxied, [
          'sync',
          `s3+a://${source}/`,
          `s3+b://${across}/no-tagging/`,
          '-q',
          ...PARTS,
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.deepEqual(await objectMd5s(b, across, 'no-tagging/'), md5s(objects));
        const warnings = run.stderr.split('\n').filter((line) => line.includes('object tags'));
        assert.equal(warnings.length, 1, run.stderr);
        assert.match(warnings[0] ?? '', /does not support object tagging \(NotImplemented\)/);
      } finally {
        await proxy.close();
      }
    });

    it('a destination server without tagging: one warning, the multipart copy kept', async () => {
      const proxy = await FaultProxy.start(target.endpoints[1]);
      try {
        proxy.addRule({
          match: (req) => req.method === 'PUT' && /(^|&)tagging(=|&|$)/.test(req.query),
          fault: { kind: 'error', status: 501, code: 'NotImplemented', message: 'not here' },
        });
        const proxied = cliEnv(freshDir('home-dst-501'), {
          a: { endpoint: target.endpoints[0], user: target.users[0] },
          b: { endpoint: proxy.url, user: target.users[1] },
        });
        const run = await runCli(proxied, [
          'sync',
          `s3+a://${source}/`,
          `s3+b://${across}/dst-no-tagging/`,
          '-q',
          ...PARTS,
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.deepEqual(await objectMd5s(b, across, 'dst-no-tagging/'), md5s(objects));
        const warnings = run.stderr.split('\n').filter((line) => line.includes('object tags'));
        assert.equal(warnings.length, 1, run.stderr);
        assert.match(warnings[0] ?? '', /are not set in bucket .*\(NotImplemented\)/);
      } finally {
        await proxy.close();
      }
    });

    for (const [what, endpoint, user, client, bucket] of [
      ['across endpoints and users', 1, 1, () => b, () => across],
      ['server-side, same endpoint and user', 0, 0, () => a, () => same],
    ] as const) {
      it(`${what}: tags that cannot be set after a multipart copy fail it, and leave no untagged object`, async () => {
        const dstBucket = bucket();
        // Only the PutObjectTagging after Complete fails: the small objects carry their tags
        // in their PUT's or CopyObject's x-amz-tagging header.
        const proxy = await FaultProxy.start(target.endpoints[endpoint]);
        try {
          proxy.addRule({
            match: (req) => req.method === 'PUT' && /(^|&)tagging(=|&|$)/.test(req.query),
            fault: { kind: 'error', status: 500, code: 'InternalError', message: 'tags lost' },
          });
          const through = (src: string, dst: string) =>
            cliEnv(freshDir('home-untagged'), {
              a: { endpoint: src, user: target.users[0] },
              d: { endpoint: dst, user: target.users[user] },
            });
          const failed = await runCli(through(target.endpoints[0], proxy.url), [
            'sync',
            `s3+a://${source}/`,
            `s3+d://${dstBucket}/retag/`,
            '-q',
            '--max-retry-times',
            '0',
            ...PARTS,
          ]);
          assert.equal(failed.code, ExitCode.Partial, failed.stderr);
          assert.match(failed.stderr, /parts\.bin/);
          assert.match(
            failed.stderr,
            /setting the object's tags after its copy; the copy was deleted/,
          );
          const untouched = {
            'small.txt': objects['small.txt'],
            'streamed.bin': objects['streamed.bin'],
          };
          assert.deepEqual(await objectMd5s(client(), dstBucket, 'retag/'), md5s(untouched));
          assert.ok(
            proxy.requests.some((r) => r.method === 'PUT' && r.query.includes('tagging')),
            'the tags were sent and refused',
          );

          // The next run, with tagging back, copies the object again, tags and all.
          const again = await runCli(through(target.endpoints[0], target.endpoints[endpoint]), [
            'sync',
            `s3+a://${source}/`,
            `s3+d://${dstBucket}/retag/`,
            '-q',
            ...PARTS,
          ]);
          assert.equal(again.code, ExitCode.Ok, again.stderr);
          assert.deepEqual(await objectMd5s(client(), dstBucket, 'retag/'), md5s(objects));
          assert.deepEqual(await tagsOf(client(), dstBucket, 'retag/parts.bin'), TAGS);
        } finally {
          await proxy.close();
        }
      });
    }
  });
}
