// Integration: answers of a real server rewritten at a proxy into what a web server sends (an HTML
// page, a PUT answer without its ETag), on the lean signed path (ListObjectsV2, CopyObject, the
// small-object PUT) and the SDK path (delimited listing, multipart). Before the endpoint has
// answered as S3 the run stops (NotS3Endpoint, nothing written); after, a rewritten answer is a
// malformed one, retried, and never read as "no objects".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sync } from '../../src/engine/run.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { listS3 } from '../../src/s3/list.ts';
import { listS3Delimited } from '../../src/s3/list-delimited.ts';
import { fullJitterBackoff } from '../../src/s3/retry.ts';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { RequestCounts } from '../../src/shared/protocol.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { failure } from '../helpers/failure.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { Fault, ProxiedRequest } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, fixedConfig, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';

const HTML = '<html><body>It works</body></html>';

/** Rewrites an answer into a web server's page (status 200, text/html). */
const htmlPage: Fault = {
  kind: 'rewrite',
  rewrite: () => ({
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: Buffer.from(HTML),
  }),
};

/** Keeps an answer but drops its ETag header (a PUT that cannot be believed). */
const noEtag: Fault = {
  kind: 'rewrite',
  rewrite: (answer) => {
    const headers = { ...answer.headers };
    delete headers.etag;
    return { ...answer, headers };
  },
};

const isList = (r: ProxiedRequest): boolean => r.method === 'GET' && r.query.includes('list-type');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

for (const target of testTargets()) {
  describe(`answers that are not S3's, rewritten at a proxy in front of ${target.name}`, () => {
    const spec = targetSpec(target, { name: 'answers' });
    const client = createS3Client(spec);
    const objects = { 'a.txt': 'alpha', 'dir/b.txt': 'bravo', 'dir/c.txt': 'charlie' };
    let bucket = '';
    let proxy: FaultProxy;
    const buckets: string[] = [];

    before(async () => {
      bucket = await createBucket(client, 'answers');
      buckets.push(bucket);
      await seed(client, bucket, objects);
    });
    after(async () => {
      for (const b of buckets) await removeBucket(client, b);
    });

    /** A fresh proxy (a new endpoint: it has not answered yet) and a client through it. */
    async function viaProxy(): Promise<{ spec: typeof spec; client: typeof client }> {
      proxy = await FaultProxy.start(target.endpoints[0]);
      const proxied = { ...spec, endpointUrl: proxy.url };
      return {
        spec: proxied,
        client: createS3Client(proxied, { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) }),
      };
    }

    it('sync --delete from an endpoint whose listing is an HTML page: NotS3Endpoint, nothing deleted', async () => {
      const via = await viaProxy();
      try {
        const dst = await createBucket(client, 'answers-dst');
        buckets.push(dst);
        await seed(client, dst, { 'keep.txt': 'keep me' });
        proxy.failAlways(htmlPage, isList);
        const error = await failure(
          sync({
            src: `s3+src://${bucket}/`,
            dst: `s3+dst://${dst}/`,
            shouldDelete: true,
            config: fixedConfig({ src: { ...via.spec, name: 'src' }, dst: spec }, 'dst'),
          }),
        );
        assert.ok(error instanceof S3FerryError, String(error));
        assert.equal(error.code, 'NotS3Endpoint');
        assert.equal(error.exitCode, 3);
        assert.deepEqual(await objectMd5s(client, dst), md5s({ 'keep.txt': 'keep me' }));
        // The listing was not retried: a web page does not change on a retry.
        assert.equal(proxy.count({ method: 'GET' }), 1);
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });

    it('lean listing: one page rewritten once at an endpoint that answered is retried, every key once', async () => {
      const via = await viaProxy();
      try {
        await collect(listS3(via.client, via.spec, { bucket, prefix: 'dir/' }));
        proxy.failNext(1, htmlPage, isList);
        const counts: RequestCounts = {};
        const keys = (await collect(listS3(via.client, via.spec, { bucket, prefix: '', counts })))
          .map((e) => e.key)
          .sort();
        assert.deepEqual(keys, Object.keys(objects).sort());
        assert.deepEqual(counts, { ListObjectsV2: 2 });
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });

    it('lean listing: rewritten on every attempt fails as MalformedAnswer, never as no objects', async () => {
      const via = await viaProxy();
      try {
        await collect(listS3(via.client, via.spec, { bucket, prefix: 'dir/' }));
        proxy.failAlways(htmlPage, isList);
        const error = await failure(collect(listS3(via.client, via.spec, { bucket, prefix: '' })));
        assert.ok(error instanceof S3FerryError, String(error));
        assert.equal(error.code, 'MalformedAnswer');
        assert.match(
          error.message,
          /expected a ListBucketResult document, received HTTP 200 \(text\/html\)/,
        );
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });

    it('SDK path: a delimited listing answered with HTML at a fresh endpoint is NotS3Endpoint', async () => {
      const via = await viaProxy();
      try {
        proxy.failAlways(htmlPage, isList);
        const error = await failure(
          collect(listS3Delimited(via.client, via.spec, { bucket, prefix: '' })),
        );
        assert.ok(error instanceof S3FerryError, String(error));
        assert.equal(error.code, 'NotS3Endpoint');
        assert.equal(error.fatal, true);
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });

    it('server-side sync: a CopyObject answered with HTML once is retried and the copy arrives', async () => {
      const via = await viaProxy();
      try {
        const dst = await createBucket(client, 'answers-copy');
        buckets.push(dst);
        proxy.failNext(1, htmlPage, (r) => r.method === 'PUT');
        const config = fixedConfig({ p: { ...via.spec, name: 'p' } }, 'p');
        const summary = await sync({
          src: `s3+p://${bucket}/`,
          dst: `s3+p://${dst}/`,
          config,
          workers: 1,
          tasksPerWorker: 2,
        });
        assert.equal(summary.status, 'ok');
        assert.equal(summary.requests['CopyObject'], Object.keys(objects).length + 1);
        assert.deepEqual(await objectMd5s(client, dst), md5s(objects));
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });

    it('streamed sync: a PUT answered without an ETag is not believed, retried, and the object arrives', async () => {
      const via = await viaProxy();
      try {
        const dst = await createBucket(client, 'answers-put');
        buckets.push(dst);
        const other = { ...spec, name: 'direct' };
        proxy.failNext(1, noEtag, (r) => r.method === 'PUT');
        const summary = await sync({
          src: `s3+direct://${bucket}/`,
          dst: `s3+p://${dst}/`,
          config: fixedConfig({ p: { ...via.spec, name: 'p' }, direct: other }, 'direct'),
          // The proxy is another endpoint: the copies stream GET → PUT through s3ferry.
          workers: 1,
          tasksPerWorker: 2,
        });
        assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
        assert.equal(proxy.count({ method: 'PUT' }), Object.keys(objects).length + 1);
        assert.deepEqual(await objectMd5s(client, dst), md5s(objects));
      } finally {
        via.client.destroy();
        await proxy.close();
      }
    });
  });
}
