// What written objects look like (issue 14 §1), through the built CLI on each real server, read
// back with HEAD and GetObjectAcl: uploads guess Content-Type from the file name (or not, with
// --no-guess-mime-type; --content-type wins); --cache-control, --content-disposition and
// --metadata reach every copy path (upload, buffered and streamed and multipart copies across
// endpoints, server-side CopyObject and UploadPartCopy) on top of what the source carries;
// --acl, --storage-class and --sse where the server has them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectAclCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-objset-');
const KiB = 1024;
const MiB = 1024 * KiB;

/** One object per copy path, sized for it (the multipart threshold is 5 MiB below). */
const objects = {
  'small.dat': randomBytes(10 * KiB),
  'streamed.dat': randomBytes(2 * MiB),
  'parts.dat': randomBytes(6 * MiB),
};
const PARTS = ['--multipart-threshold', '5MiB', '--part-size', '5MiB'];
const HEADERS = [
  '--cache-control',
  'max-age=60',
  '--content-disposition',
  'attachment',
  '--metadata',
  'team=ferry',
];

async function head(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

for (const target of testTargets()) {
  describe(`object settings, built CLI, on ${target.name}`, () => {
    const a: S3Client = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const b: S3Client = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    let source = '';
    let across = '';
    let same = '';
    let env: NodeJS.ProcessEnv = {};
    let site = '';

    before(async () => {
      source = await createBucket(a, 'objset-src');
      across = await createBucket(b, 'objset-dst');
      same = await createBucket(a, 'objset-same');
      await seed(a, source, objects, {
        ContentType: 'application/x-seed',
        Metadata: { origin: 'seed' },
      });
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
      site = freshDir('site');
      mkdirSync(join(site, 'css'));
      writeFileSync(join(site, 'index.html'), '<h1>hi</h1>');
      writeFileSync(join(site, 'css', 'style.css'), 'h1 { color: red }');
      writeFileSync(join(site, 'photo.jpg'), randomBytes(1000));
      writeFileSync(join(site, 'big.json'), randomBytes(6 * MiB));
    });

    after(async () => {
      await removeBucket(a, source);
      await removeBucket(b, across);
      await removeBucket(a, same);
      a.destroy();
      b.destroy();
    });

    it('uploads get a Content-Type from the file name, multipart ones too', async () => {
      const run = await runCli(env, ['sync', site, `s3+b://${across}/site/`, '-q', ...PARTS]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      const type = async (key: string) => (await head(b, across, `site/${key}`)).ContentType;
      assert.equal(await type('index.html'), 'text/html; charset=utf-8');
      assert.equal(await type('css/style.css'), 'text/css; charset=utf-8');
      assert.equal(await type('photo.jpg'), 'image/jpeg');
      assert.equal(await type('big.json'), 'application/json; charset=utf-8');
    });

    it('--no-guess-mime-type leaves the type to the server; --content-type sets it', async () => {
      const plain = await runCli(env, [
        'sync',
        site,
        `s3+b://${across}/raw/`,
        '-q',
        '--no-guess-mime-type',
      ]);
      assert.equal(plain.code, ExitCode.Ok, plain.stderr);
      assert.notEqual(
        (await head(b, across, 'raw/index.html')).ContentType,
        'text/html; charset=utf-8',
      );
      const forced = await runCli(env, [
        'sync',
        site,
        `s3+b://${across}/forced/`,
        '-q',
        '--content-type',
        'text/plain',
      ]);
      assert.equal(forced.code, ExitCode.Ok, forced.stderr);
      assert.equal((await head(b, across, 'forced/index.html')).ContentType, 'text/plain');
      assert.equal((await head(b, across, 'forced/photo.jpg')).ContentType, 'text/plain');
    });

    for (const [what, to, client, bucket] of [
      ['across endpoints and users', 'b', () => b, () => across],
      ['server-side, same endpoint and user', 'a', () => a, () => same],
    ] as const) {
      it(`${what}: headers and metadata reach every copy path, over the source's`, async () => {
        const dstBucket = bucket();
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+${to}://${dstBucket}/headers/`,
          '-q',
          ...PARTS,
          ...HEADERS,
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.deepEqual(await objectMd5s(client(), dstBucket, 'headers/'), md5s(objects));
        for (const key of Object.keys(objects)) {
          const got = await head(client(), dstBucket, `headers/${key}`);
          assert.equal(got.CacheControl, 'max-age=60', key);
          assert.equal(got.ContentDisposition, 'attachment', key);
          assert.deepEqual(got.Metadata, { origin: 'seed', team: 'ferry' }, key);
          assert.equal(got.ContentType, 'application/x-seed', `${key} keeps the source's type`);
        }
      });

      it(`${what}: --acl public-read on every copy path`, async () => {
        const dstBucket = bucket();
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+${to}://${dstBucket}/acl/`,
          '-q',
          ...PARTS,
          '--acl',
          'public-read',
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        for (const key of Object.keys(objects)) {
          const acl = await client().send(
            new GetObjectAclCommand({ Bucket: dstBucket, Key: `acl/${key}` }),
          );
          const publicRead = (acl.Grants ?? []).some(
            (g) =>
              g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' &&
              g.Permission === 'READ',
          );
          assert.ok(publicRead, `${key}: ${JSON.stringify(acl.Grants)}`);
        }
      });
    }

    it('--storage-class and --sse on every copy path, where the server has them', async (t) => {
      if (target.name === 'rgw') {
        t.skip(
          'the bundled RGW has one storage class (STANDARD) and no KMS backend for SSE: moto runs this',
        );
        return;
      }
      for (const [to, client, bucket] of [
        ['b', b, across],
        ['a', a, same],
      ] as const) {
        const run = await runCli(env, [
          'sync',
          `s3+a://${source}/`,
          `s3+${to}://${bucket}/classy/`,
          '-q',
          ...PARTS,
          '--storage-class',
          'STANDARD_IA',
          '--sse',
          'AES256',
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        for (const key of Object.keys(objects)) {
          const got = await head(client, bucket, `classy/${key}`);
          assert.equal(got.StorageClass, 'STANDARD_IA', `${to} ${key}`);
          assert.equal(got.ServerSideEncryption, 'AES256', `${to} ${key}`);
        }
      }
      const up = await runCli(env, [
        'sync',
        site,
        `s3+b://${across}/classy-site/`,
        '-q',
        ...PARTS,
        '--storage-class',
        'STANDARD_IA',
      ]);
      assert.equal(up.code, ExitCode.Ok, up.stderr);
      for (const key of ['index.html', 'big.json']) {
        assert.equal((await head(b, across, `classy-site/${key}`)).StorageClass, 'STANDARD_IA');
      }
    });

    it("a profile's storage_class in its s3 block applies; --storage-class wins over it", async (t) => {
      if (target.name === 'rgw') {
        t.skip('the bundled RGW has one storage class (STANDARD): moto runs this');
        return;
      }
      const credentials = env['AWS_SHARED_CREDENTIALS_FILE']!;
      const withClass = readFileSync(credentials, 'utf8').replace(
        /(\[b\][^[]*addressing_style = path\n)/,
        '$1    storage_class = GLACIER_IR\n',
      );
      assert.match(withClass, /storage_class = GLACIER_IR/);
      const file = join(freshDir('creds'), 'credentials');
      writeFileSync(file, withClass, { mode: 0o600 });
      const profiled = { ...env, AWS_SHARED_CREDENTIALS_FILE: file };
      const run = await runCli(profiled, ['sync', site, `s3+b://${across}/profiled/`, '-q']);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.equal((await head(b, across, 'profiled/index.html')).StorageClass, 'GLACIER_IR');
      const flagged = await runCli(profiled, [
        'sync',
        site,
        `s3+b://${across}/flagged/`,
        '-q',
        '--storage-class',
        'STANDARD_IA',
      ]);
      assert.equal(flagged.code, ExitCode.Ok, flagged.stderr);
      assert.equal((await head(b, across, 'flagged/index.html')).StorageClass, 'STANDARD_IA');
    });
  });
}
