// `s3ferry mv` through the built CLI on the local RGW cluster, as a user checks a move: every
// object at the destination with the source's MD5, the sources gone — and where a copy failed, or
// could not be verified, the source still there, the exit code 1 and the key named on stderr.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
  keysOf,
  md5s,
  objectMd5s,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-mv-');
const KiB = 1024;
const MiB = 1024 * KiB;

/** A small tree: buffered copies, a streamed one and one in parts (--multipart-threshold 5MiB). */
function tree(): Objects {
  return {
    'a.txt': 'alpha',
    'dir/b.bin': randomBytes(40 * KiB),
    'dir/sub/c.bin': randomBytes(2 * MiB),
    'big.bin': randomBytes(6 * MiB),
  };
}

const PARTS = ['--multipart-threshold', '5MiB', '--part-size', '5MiB'];

const target = testTargets().find((t) => t.name === 'rgw');

describe(
  's3ferry mv, built CLI, local RGW cluster',
  { skip: target === undefined ? 'mv is tested on the local RGW cluster only' : false },
  () => {
    const t = target!;
    const a: S3Client = createS3Client(targetSpec(t, { endpoint: 0, user: 0 }));
    const b: S3Client = createS3Client(targetSpec(t, { endpoint: 1, user: 1 }));
    let bucketA = '';
    let bucketB = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      bucketA = await createBucket(a, 'mv-a');
      bucketB = await createBucket(b, 'mv-b');
      env = cliEnv(freshDir('home'), {
        a: { endpoint: t.endpoints[0], user: t.users[0] },
        b: { endpoint: t.endpoints[1], user: t.users[1] },
      });
    });

    after(async () => {
      await removeBucket(a, bucketA);
      await removeBucket(b, bucketB);
      a.destroy();
      b.destroy();
    });

    it('across endpoints and users: the objects arrive whole, the sources are gone', async () => {
      const objects = tree();
      await seedUnder(a, bucketA, 'across/', objects);
      const run = await runCli(env, [
        'mv',
        '-r',
        `s3+a://${bucketA}/across`,
        `s3+b://${bucketB}/across`,
        ...PARTS,
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await objectMd5s(b, bucketB, 'across/'), md5s(objects));
      assert.deepEqual(await keysOf(a, bucketA, 'across/'), []);
      assert.match(run.stderr, /^s3ferry: moved: /m);
      assert.match(run.stderr, /moved: 4 sources deleted after their copies were verified/);
    });

    it('server-side (same endpoint and user): verified at the destination, then deleted', async () => {
      const objects = tree();
      await seedUnder(a, bucketA, 'same/', objects);
      const report = join(freshDir('report'), 'r.json');
      const run = await runCli(env, [
        'mv',
        '-r',
        `s3+a://${bucketA}/same`,
        `s3+a://${bucketA}/moved-here`,
        '--report',
        report,
        ...PARTS,
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await objectMd5s(a, bucketA, 'moved-here/'), md5s(objects));
      assert.deepEqual(await keysOf(a, bucketA, 'same/'), []);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as {
        objects: { sourcesDeleted: number; byMethod: Record<string, number> };
        requests: Record<string, number>;
      };
      assert.equal(summary.objects.byMethod['server-side'], 4);
      assert.equal(summary.objects.sourcesDeleted, 4);
      // Each server-side copy was checked with a HEAD of its copy before its source went.
      assert.ok((summary.requests['HeadObject'] ?? 0) >= 4, JSON.stringify(summary.requests));
    });

    it('local → S3 and back: files moved, emptied directories removed', async () => {
      const objects = tree();
      const up = freshDir('up');
      writeTree(up, objects);
      const run = await runCli(env, ['mv', '-r', up, `s3+b://${bucketB}/local/`, ...PARTS]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      const name = up.split('/').at(-1) ?? '';
      assert.deepEqual(await objectMd5s(b, bucketB, `local/${name}/`), md5s(objects));
      assert.equal(existsSync(join(up, 'dir')), false, 'the emptied directories are gone');
      assert.deepEqual(fileMd5s(up), {});

      const down = freshDir('down');
      const back = await runCli(env, ['mv', '-r', `s3+b://${bucketB}/local/${name}`, down]);
      assert.equal(back.code, ExitCode.Ok, back.stderr);
      assert.deepEqual(fileMd5s(down), md5s(objects));
      assert.deepEqual(await keysOf(b, bucketB, `local/${name}/`), []);
    });

    it('--dry-run moves nothing and deletes nothing', async () => {
      const objects = tree();
      await seedUnder(a, bucketA, 'dry/', objects);
      const run = await runCli(env, [
        'mv',
        '-r',
        '--dry-run',
        `s3+a://${bucketA}/dry`,
        `s3+b://${bucketB}/dry`,
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await keysOf(b, bucketB, 'dry/'), []);
      assert.deepEqual(await objectMd5s(a, bucketA, 'dry/'), md5s(objects));
    });

    it('a copy that fails at the destination leaves its source; the others move', async () => {
      const objects = tree();
      await seedUnder(a, bucketA, 'fail/', objects);
      const proxy = await FaultProxy.start(t.endpoints[1]);
      try {
        // Every PUT of dir/b.bin is refused, retries included.
        proxy.addRule({
          match: (req) => req.method === 'PUT' && req.path.endsWith('/fail/dir/b.bin'),
          fault: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
        });
        const proxied = cliEnv(freshDir('home-fail'), {
          a: { endpoint: t.endpoints[0], user: t.users[0] },
          b: { endpoint: proxy.url, user: t.users[1] },
        });
        const run = await runCli(proxied, [
          'mv',
          '-r',
          `s3+a://${bucketA}/fail`,
          `s3+b://${bucketB}/fail`,
          ...PARTS,
        ]);
        assert.equal(run.code, ExitCode.Partial, run.stderr);
        assert.match(run.stderr, /dir\/b\.bin.*AccessDenied/);
        // The failed copy's source is still there, whole; the rest moved.
        assert.deepEqual(await objectMd5s(a, bucketA, 'fail/'), {
          'dir/b.bin': md5s(objects)['dir/b.bin'],
        });
        const rest = md5s(objects);
        delete rest['dir/b.bin'];
        assert.deepEqual(await objectMd5s(b, bucketB, 'fail/'), rest);
      } finally {
        await proxy.close();
      }
    });

    it('a copy the destination does not confirm is not deleted at its source', async () => {
      const objects = { 'x.bin': randomBytes(10 * KiB), 'y.bin': randomBytes(10 * KiB) };
      await seedUnder(a, bucketA, 'unconfirmed/', objects);
      // Source and destination through the same proxy with the same user: server-side copies,
      // checked by a HEAD of the copy, whose size the proxy misstates for y.bin.
      const proxy = await FaultProxy.start(t.endpoints[0]);
      try {
        proxy.addRule({
          match: (req) => req.method === 'HEAD' && req.path.endsWith('/moved/y.bin'),
          fault: {
            kind: 'rewrite',
            rewrite: (answer) => ({
              ...answer,
              headers: { ...answer.headers, 'content-length': '3' },
            }),
          },
        });
        const proxied = cliEnv(freshDir('home-unconfirmed'), {
          a: { endpoint: proxy.url, user: t.users[0] },
        });
        const run = await runCli(proxied, [
          'mv',
          '-r',
          `s3+a://${bucketA}/unconfirmed/`,
          `s3+a://${bucketA}/moved`,
        ]);
        assert.equal(run.code, ExitCode.Partial, run.stderr);
        assert.match(run.stderr, /y\.bin.*MoveNotVerified|MoveNotVerified.*y\.bin/);
        assert.deepEqual(await keysOf(a, bucketA, 'unconfirmed/'), ['unconfirmed/y.bin']);
      } finally {
        await proxy.close();
      }
    });
  },
);

/** Seeds `objects` under `prefix`. */
async function seedUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
  objects: Objects,
): Promise<void> {
  await seed(
    client,
    bucket,
    Object.fromEntries(Object.entries(objects).map(([key, body]) => [prefix + key, body])),
  );
}
