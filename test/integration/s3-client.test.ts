// The client factory against every real S3 target: both endpoints with both users, the errors a
// user sees for bad keys, missing buckets and unreachable endpoints, and the client cache
// (key separation; thread_local vs process_local with real worker threads).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { ClientCache } from '../../src/s3/client-cache.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { createRetryStats, fullJitterBackoff } from '../../src/s3/retry.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { failure } from '../helpers/failure.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

const fast = { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) };

/** A ProfileSpec for one endpoint and user of a target, as src/config would resolve it. */
function specFor(
  target: TestTarget,
  endpoint: 0 | 1,
  user: 0 | 1,
  overrides: Partial<ProfileSpec> = {},
): ProfileSpec {
  return targetSpec(target, { endpoint, user, ...overrides });
}

/** A local TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => {
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => {
    server.close(() => {
      done();
    });
  });
  return port;
}

type WorkerReport = { ok: true; built: Record<string, number> } | { ok: false; code: string };

/** Runs `new ClientCache({ mode }).get(spec)` + HeadBucket in a fresh worker thread. */
function inWorker(mode: string, spec: ProfileSpec, bucket: string): Promise<WorkerReport> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { tsImport } = await import(workerData.tsxApi);
      const { ClientCache } = await tsImport(workerData.cacheModule, workerData.cacheModule);
      const { HeadBucketCommand } = await import(workerData.sdkModule);
      const cache = new ClientCache({ mode: workerData.mode });
      try {
        await cache.get(workerData.spec).send(new HeadBucketCommand({ Bucket: workerData.bucket }));
        parentPort.postMessage({ ok: true, built: cache.clientsBuilt() });
      } catch (error) {
        parentPort.postMessage({ ok: false, code: String(error.code) });
      } finally {
        cache.destroy();
      }
    })();`;
  const worker = new Worker(code, {
    eval: true,
    workerData: {
      mode,
      spec,
      bucket,
      // Eval'd workers get no loader hooks: load src/ through tsx's API, like this test does.
      tsxApi: import.meta.resolve('tsx/esm/api'),
      cacheModule: pathToFileURL(resolve('src/s3/client-cache.ts')).href,
      sdkModule: import.meta.resolve('@aws-sdk/client-s3'),
    },
  });
  return new Promise((done, fail) => {
    worker.once('message', (report: WorkerReport) => {
      done(report);
      void worker.terminate();
    });
    worker.once('error', fail);
  });
}

for (const target of testTargets()) {
  describe(`S3 client factory against ${target.name}`, () => {
    const admin = createS3Client(specFor(target, 0, 0), fast);
    const bucket = uniqueBucket('s3client');
    const body = randomBytes(16 * 1024);

    before(async () => {
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'seed.bin', Body: body }));
    });

    after(async () => {
      await removeBucket(admin, bucket);
      admin.destroy();
    });

    for (const endpoint of [0, 1] as const) {
      for (const user of [0, 1] as const) {
        it(`puts, gets, lists and copies objects through endpoint ${endpoint + 1} as user ${user + 1}`, async () => {
          const client = createS3Client(specFor(target, endpoint, user), fast);
          const own = uniqueBucket(`e${endpoint}u${user}`);
          try {
            await client.send(new CreateBucketCommand({ Bucket: own }));
            const data = randomBytes(5000);
            await client.send(new PutObjectCommand({ Bucket: own, Key: 'a/one.bin', Body: data }));
            await client.send(
              new CopyObjectCommand({
                Bucket: own,
                Key: 'b/copy of one.bin',
                CopySource: `${own}/a/one.bin`,
              }),
            );
            const listed = await client.send(new ListObjectsV2Command({ Bucket: own }));
            assert.deepEqual(
              listed.Contents?.map((o) => [o.Key, o.Size]),
              [
                ['a/one.bin', 5000],
                ['b/copy of one.bin', 5000],
              ],
            );
            const got = await client.send(
              new GetObjectCommand({ Bucket: own, Key: 'b/copy of one.bin' }),
            );
            assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), data);
          } finally {
            await removeBucket(client, own);
            client.destroy();
          }
        });
      }
    }

    it('reads through the second endpoint what was written through the first', async () => {
      const other = createS3Client(specFor(target, 1, 0), fast);
      const got = await other.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' }));
      assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), body);
      other.destroy();
    });

    it("refuses the second user the first user's objects, naming that user's masked key", async (t) => {
      if (!target.usersIsolated) {
        t.skip(`${target.name} does not isolate users (no IAM), so there is nothing to refuse`);
        return;
      }
      const spec = specFor(target, 0, 1);
      const client = createS3Client(spec, fast);
      const raw = await failure(
        client.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' })),
      );
      const error = classifyS3Error(raw, { spec, bucket, key: 'seed.bin' });
      assert.equal(error.kind, 'permission');
      assert.equal(error.code, 'AccessDenied');
      assert.equal(error.httpStatus, 403);
      const masked = `${spec.credentials!.accessKeyId.slice(0, 4)}…${spec.credentials!.accessKeyId.slice(-4)}`;
      assert.match(error.hint ?? '', new RegExp(`^access key ${masked} has no permission for`));
      assert.ok(!(error.hint ?? '').includes(spec.credentials!.secretAccessKey));
      client.destroy();
    });

    it('fails a wrong secret key as a fatal auth error naming the secret key settings', async (t) => {
      if (!target.usersIsolated) {
        t.skip(`${target.name} does not check request signatures`);
        return;
      }
      const good = specFor(target, 0, 0);
      const spec = specFor(target, 0, 0, {
        credentials: {
          accessKeyId: good.credentials!.accessKeyId,
          secretAccessKey: 'wrong-secret',
        },
      });
      const stats = createRetryStats();
      const client = createS3Client(spec, { ...fast, stats });
      const raw = await failure(
        client.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' })),
      );
      const error = classifyS3Error(raw, { spec, bucket, key: 'seed.bin' });
      assert.equal(error.kind, 'auth');
      assert.equal(error.code, 'SignatureDoesNotMatch');
      assert.equal(error.fatal, true);
      assert.equal(error.exitCode, 3);
      assert.equal(error.hint, 'check T00__AWS_SECRET_ACCESS_KEY or [t00] in ~/.aws/credentials');
      assert.equal(stats.attempts, 1, 'auth errors are not retried');
      assert.ok(!JSON.stringify(error.toJSON()).includes('wrong-secret'));
      client.destroy();
    });

    it('fails an unknown access key as a fatal auth error naming the access key settings', async (t) => {
      if (!target.usersIsolated) {
        t.skip(`${target.name} does not check access keys`);
        return;
      }
      const spec = specFor(target, 1, 1, {
        credentials: { accessKeyId: 'NOSUCHKEY0000000', secretAccessKey: 'whatever' },
      });
      const client = createS3Client(spec, fast);
      const raw = await failure(
        client.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' })),
      );
      const error = classifyS3Error(raw, { spec, bucket, key: 'seed.bin' });
      assert.equal(error.kind, 'auth');
      assert.equal(error.code, 'InvalidAccessKeyId');
      assert.equal(error.hint, 'check T11__AWS_ACCESS_KEY_ID or [t11] in ~/.aws/credentials');
      client.destroy();
    });

    it('fails a missing bucket as fatal, naming the bucket and the endpoint', async () => {
      const spec = specFor(target, 0, 0, {
        sources: { endpointUrl: { kind: 'env', name: 'T00__OSS_ENDPOINT' } },
      });
      const client = createS3Client(spec, fast);
      const missing = uniqueBucket('missing');
      const raw = await failure(client.send(new GetObjectCommand({ Bucket: missing, Key: 'k' })));
      const error = classifyS3Error(raw, { spec, bucket: missing, key: 'k' });
      assert.equal(error.kind, 'not-found');
      assert.equal(error.code, 'NoSuchBucket');
      assert.equal(error.fatal, true);
      assert.equal(error.url, `s3+t00://${missing}/k`);
      assert.equal(
        error.hint,
        `bucket '${missing}' does not exist at ${target.endpoints[0]}: check the bucket name, ` +
          'or the endpoint (check T00__OSS_ENDPOINT)',
      );
      client.destroy();
    });

    it('fails an endpoint nobody listens on at once, naming the endpoint setting', async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const spec = specFor(target, 0, 0, {
        endpointUrl: endpoint,
        maxRetryTimes: 5,
        sources: {
          endpointUrl: {
            kind: 'file',
            path: '/etc/s3/credentials',
            section: 't00',
            key: 's3.endpoint_url',
          },
        },
      });
      const stats = createRetryStats();
      const client = createS3Client(spec, { ...fast, stats });
      const raw = await failure(client.send(new HeadBucketCommand({ Bucket: bucket })));
      const error = classifyS3Error(raw, { spec, bucket });
      assert.equal(error.kind, 'network');
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.fatal, true);
      assert.equal(
        error.hint,
        `cannot reach ${endpoint}: check s3.endpoint_url in [t00] of /etc/s3/credentials`,
      );
      assert.equal(stats.attempts, 1, 'a refused connection is not retried');
      client.destroy();
    });

    describe('client cache', () => {
      it('builds two clients for specs that differ only in endpoint, and both work', async () => {
        const first = specFor(target, 0, 0);
        // moto has one URL for both "endpoints": name the same server differently.
        const secondUrl =
          target.endpoints[1] === target.endpoints[0]
            ? target.endpoints[0].replace('127.0.0.1', 'localhost')
            : target.endpoints[1];
        const second = { ...first, endpointUrl: secondUrl };
        const cache = new ClientCache({ mode: 'thread_local', client: fast });
        const a = cache.get(first);
        const b = cache.get(second);
        assert.notEqual(a, b);
        assert.deepEqual(cache.clientsBuilt(), { t00: 2 });
        for (const client of [a, b]) {
          const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'seed.bin' }));
          assert.equal((await got.Body?.transformToByteArray())?.length, body.length);
        }
        cache.destroy();
      });

      it('thread_local: every worker thread builds and uses its own client', async () => {
        const spec = specFor(target, 0, 0);
        const reports = await Promise.all([
          inWorker('thread_local', spec, bucket),
          inWorker('thread_local', spec, bucket),
        ]);
        assert.deepEqual(reports, [
          { ok: true, built: { t00: 1 } },
          { ok: true, built: { t00: 1 } },
        ]);
      });

      it('process_local: all tasks share one client; worker threads must go through the main thread', async () => {
        const spec = specFor(target, 0, 0);
        const cache = new ClientCache({ mode: 'process_local', client: fast });
        const clients = await Promise.all(
          Array.from({ length: 8 }, async () => {
            const client = cache.get(spec);
            await client.send(new HeadBucketCommand({ Bucket: bucket }));
            return client;
          }),
        );
        assert.equal(new Set(clients).size, 1);
        assert.deepEqual(cache.clientsBuilt(), { t00: 1 });
        cache.destroy();
        const report = await inWorker('process_local', spec, bucket);
        assert.deepEqual(report, { ok: false, code: 'ProcessLocalOffMainThread' });
      });
    });
  });
}
