// `check` (library API) against every real target: passes on faithful copies (S3→S3 across
// gateways and users, S3↔local), finds missing, extra and differing keys (size; same-size content
// changes by ETag, by local MD5 and with `download`), counts multipart keys it could only compare
// by size, hashes objects on the main thread in process_local mode, fails fatally on a missing
// bucket, and sends no write request of any kind (counted at a proxy).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { check } from '../../src/engine/check.ts';
import type { CheckEvent, CheckOptions, CheckSummary } from '../../src/engine/check.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';
import type { ClientCacheMode, ProfileSpec } from '../../src/shared/profile.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { failure } from '../helpers/failure.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, fixedConfig, seed, writeTree } from '../helpers/sync-fixtures.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const MiB = 1024 * 1024;
const { root: tmpRoot } = tempRoot('s3ferry-check-');

/** Keys that must be compared exactly as written. */
const AWKWARD = ['sp ace.txt', 'plus+sign', 'pct%20x', 'q?mark', 'ünï/cødé', 'trail ', 'emoji😀'];

/** Profiles: a (gateway 0, user 0), b (gateway 1, user 1), and `extra` ones (e.g. via a proxy). */
function configFor(
  target: TestTarget,
  cacheMode: ClientCacheMode = 'thread_local',
  extra: Record<string, ProfileSpec> = {},
): NonNullable<CheckOptions['config']> {
  const profiles: Record<string, ProfileSpec> = {
    a: targetSpec(target, { endpoint: 0, user: 0, name: 'a' }),
    b: targetSpec(target, { endpoint: 1, user: 1, name: 'b' }),
    ...extra,
  };
  return fixedConfig(profiles, 'a', cacheMode);
}

async function run(
  options: CheckOptions,
): Promise<{ summary: CheckSummary; events: CheckEvent[]; differences: Record<string, string> }> {
  const events: CheckEvent[] = [];
  const summary = await check({ workers: 2, tasksPerWorker: 4, ...options }, (e) => {
    events.push(e);
  });
  const differences: Record<string, string> = {};
  for (const e of events) if (e.kind === 'difference') differences[e.key] = e.difference;
  return { summary, events, differences };
}

function sample(n: number): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++)
    out[`dir/obj-${String(i).padStart(3, '0')}`] = randomBytes(50 + i * 31);
  for (const key of AWKWARD) out[key] = randomBytes(77);
  out['empty'] = new Uint8Array(0);
  return out;
}

/** Uploads `body` as a 2-part multipart object (5 MiB + the rest): its ETag ends in `-2`. */
async function putMultipart(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<void> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB)];
  const etags = [];
  for (const [i, part] of parts.entries()) {
    const out = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: i + 1,
        Body: part,
      }),
    );
    etags.push({ ETag: out.ETag, PartNumber: i + 1 });
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags },
    }),
  );
}

/** The same bytes with one byte changed: same size, different content. */
function flipped(body: Uint8Array): Buffer {
  const copy = Buffer.from(body);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
  return copy;
}

for (const target of testTargets()) {
  describe(`check (library) on ${target.name}`, () => {
    const c0 = createS3Client(targetSpec(target, { endpoint: 0, user: 0 }));
    const c1 = createS3Client(targetSpec(target, { endpoint: 1, user: 1 }));
    const buckets: [S3Client, string][] = [];
    const makeBucket = async (client: S3Client): Promise<string> => {
      const bucket = await createBucket(client, 'chk');
      buckets.push([client, bucket]);
      return bucket;
    };
    after(async () => {
      for (const [client, bucket] of buckets) await removeBucket(client, bucket);
      c0.destroy();
      c1.destroy();
    });

    it('passes on a faithful copy across gateways and users: every key the same by ETag, only LIST requests', async () => {
      const data = sample(30);
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      await seed(c0, src, data);
      await seed(c1, dst, Object.fromEntries(Object.entries(data).map(([k, v]) => [`in/${k}`, v])));
      const n = Object.keys(data).length;

      const { summary, differences } = await run({
        src: `s3+a://${src}/`,
        dst: `s3+b://${dst}/in/`,
        config: configFor(target),
      });
      assert.equal(summary.status, 'match', JSON.stringify(summary.differences));
      assert.deepEqual(differences, {});
      assert.equal(summary.objects.listed, n);
      assert.equal(summary.objects.listedDestination, n);
      assert.equal(summary.objects.same, n);
      assert.deepEqual(summary.comparedBy, { etag: n, md5: 0, download: 0, sizeOnly: 0 });
      assert.deepEqual(Object.keys(summary.requests), ['ListObjectsV2']);
      assert.equal(summary.bytes.hashed, 0);
    });

    it('finds missing, extra, size-differing and same-size changed keys (ETags), and nothing else', async () => {
      const data = sample(10);
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      await seed(c0, src, data);
      const copy: Record<string, Uint8Array> = { ...data };
      delete copy['dir/obj-003'];
      copy['dir/obj-005'] = randomBytes(7);
      copy['dir/obj-007'] = flipped(data['dir/obj-007']!);
      copy['ünï/cødé'] = flipped(data['ünï/cødé']!);
      copy['zz-extra'] = randomBytes(3);
      await seed(c1, dst, copy);

      const { summary, events, differences } = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        config: configFor(target),
      });
      assert.equal(summary.status, 'differ');
      assert.deepEqual(differences, {
        'dir/obj-003': 'missing',
        'dir/obj-005': 'size-differs',
        'dir/obj-007': 'md5-differs',
        'ünï/cødé': 'md5-differs',
        'zz-extra': 'extra',
      });
      const n = Object.keys(data).length;
      assert.deepEqual(summary.objects, {
        listed: n,
        listedDestination: n,
        same: n - 4,
        missing: 1,
        extra: 1,
        sizeDiffers: 1,
        md5Differs: 2,
        failed: 0,
        cancelled: 0,
      });
      const size = events.find((e) => e.kind === 'difference' && e.key === 'dir/obj-005');
      assert.ok(size?.kind === 'difference');
      assert.equal(size.srcSizeBytes, data['dir/obj-005']!.length);
      assert.equal(size.dstSizeBytes, 7);
      assert.equal(size.dst, `s3+b://${dst}/dir/obj-005`);
      assert.equal(summary.differences.length, 5);
      assert.deepEqual(Object.keys(summary.requests), ['ListObjectsV2']);
    });

    it('multipart ETags: compared by size only (and counted) without download; with download a same-size change is found', async () => {
      const body = randomBytes(5 * MiB + 1234);
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      await putMultipart(c0, src, 'big', body);
      await seed(c0, src, { small: Buffer.from('small') });
      await seed(c1, dst, { big: body, small: Buffer.from('small') });
      const at = { src: `s3+a://${src}`, dst: `s3+b://${dst}`, config: configFor(target) };

      const listed = await run(at);
      assert.equal(listed.summary.status, 'match');
      assert.deepEqual(listed.summary.comparedBy, { etag: 1, md5: 0, download: 0, sizeOnly: 1 });
      const how = listed.events.find((e) => e.kind === 'same' && e.key === 'big');
      assert.ok(how?.kind === 'same');
      assert.equal(how.comparedBy, 'size-only');

      const read = await run({ ...at, download: true });
      assert.equal(read.summary.status, 'match', JSON.stringify(read.summary.failures));
      assert.deepEqual(read.summary.comparedBy, { etag: 0, md5: 0, download: 2, sizeOnly: 0 });
      assert.equal(read.summary.bytes.hashed, 2 * (body.length + 5));
      assert.equal(read.summary.requests['GetObject'], 4);
      // Every answer is counted once, the worker threads' GETs and the main thread's listings alike.
      assert.deepEqual(read.summary.responses, { 200: read.summary.requestsTotal });
      assert.equal(read.summary.retries, 0);

      // The same size, one byte changed: invisible to the listing, found by reading.
      await seed(c1, dst, { big: flipped(body) });
      const blind = await run(at);
      assert.equal(blind.summary.status, 'match');
      assert.equal(blind.summary.comparedBy.sizeOnly, 1);
      const found = await run({ ...at, download: true });
      assert.equal(found.summary.status, 'differ');
      assert.deepEqual(found.differences, { big: 'md5-differs' });
      const event = found.events.find((e) => e.kind === 'difference');
      assert.ok(event?.kind === 'difference');
      assert.equal(event.comparedBy, 'download');
      assert.notEqual(event.srcMd5, event.dstMd5);
    });

    it('process_local: download hashes objects on the main thread with the one client per profile', async () => {
      const src = await makeBucket(c0);
      const dst = await makeBucket(c1);
      const data = sample(5);
      await seed(c0, src, data);
      await seed(c1, dst, { ...data, empty: Buffer.from('x') });
      const { summary, differences } = await run({
        src: `s3+a://${src}`,
        dst: `s3+b://${dst}`,
        download: true,
        config: configFor(target, 'process_local'),
      });
      assert.equal(summary.status, 'differ', JSON.stringify(summary.failures));
      assert.deepEqual(differences, { empty: 'size-differs' });
      const n = Object.keys(data).length;
      assert.equal(summary.comparedBy.download, n - 1);
      assert.deepEqual(summary.clientsBuilt, { a: 1, b: 1 });
    });

    it('S3↔local: a faithful copy matches by MD5 of the files (both ways); a same-size change is found', async () => {
      const data = sample(8);
      const dir = join(tmpRoot, `tree-${target.name}`);
      writeTree(dir, data);
      const bucket = await makeBucket(c0);
      await seed(c0, bucket, data);
      const n = Object.keys(data).length;
      const config = configFor(target);

      const up = await run({ src: dir, dst: `s3+a://${bucket}/`, config });
      assert.equal(up.summary.status, 'match', JSON.stringify(up.summary.differences));
      assert.deepEqual(up.summary.comparedBy, { etag: 0, md5: n, download: 0, sizeOnly: 0 });
      assert.deepEqual(Object.keys(up.summary.requests), ['ListObjectsV2']);
      const down = await run({ src: `s3+a://${bucket}/`, dst: dir, config });
      assert.equal(down.summary.status, 'match');
      assert.equal(down.summary.comparedBy.md5, n);

      writeFileSync(join(dir, 'dir/obj-002'), flipped(data['dir/obj-002']!));
      writeFileSync(join(dir, 'local-only'), 'x');
      const changed = await run({ src: dir, dst: `s3+a://${bucket}/`, config });
      assert.deepEqual(changed.differences, {
        'dir/obj-002': 'md5-differs',
        'local-only': 'missing',
      });
      const back = await run({ src: `s3+a://${bucket}/`, dst: dir, config, download: true });
      assert.deepEqual(back.differences, { 'dir/obj-002': 'md5-differs', 'local-only': 'extra' });
      assert.equal(back.summary.comparedBy.download, n - 1);
    });

    it('a single object is compared with exactly DST', async () => {
      const bucket = await makeBucket(c0);
      const body = randomBytes(100);
      await seed(c0, bucket, { 'one.bin': body });
      const file = join(tmpRoot, `one-${target.name}.bin`);
      writeFileSync(file, body);
      const config = configFor(target);
      const same = await run({ src: `s3+a://${bucket}/one.bin`, dst: file, config });
      assert.equal(same.summary.status, 'match');
      assert.equal(same.summary.comparedBy.md5, 1);
      const missing = await run({ src: file, dst: `s3+a://${bucket}/other.bin`, config });
      assert.deepEqual(missing.differences, { '': 'missing' });
    });

    it('a missing bucket is fatal before anything is compared', async () => {
      const bucket = await makeBucket(c0);
      const error = await failure(
        check({
          src: `s3+a://${bucket}/`,
          dst: `s3+a://${uniqueBucket('nope')}/`,
          config: configFor(target),
          workers: 1,
        }),
      );
      assert.ok(isS3FerryError(error), String(error));
      assert.equal(error.code, 'NoSuchBucket');
      assert.equal(error.fatal, true);
    });

    it('a key that cannot be read is reported and not counted as same: status incomplete', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        const via = targetSpec(target, { endpoint: 0, user: 0, name: 'via', maxRetryTimes: 0 });
        const config = configFor(target, 'thread_local', {
          via: { ...via, endpointUrl: proxy.url },
        });
        const data = sample(4);
        const src = await makeBucket(c0);
        const dst = await makeBucket(c0);
        await seed(c0, src, data);
        await seed(c0, dst, data);
        // Every GET of this one object is refused; listings (GET on the bucket) pass.
        proxy.failAlways(
          { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
          (r) => r.method === 'GET' && r.path === `/${dst}/dir/obj-002`,
        );
        const { summary, events } = await run({
          src: `s3+via://${src}`,
          dst: `s3+via://${dst}`,
          download: true,
          config,
        });
        assert.equal(summary.status, 'incomplete');
        assert.equal(summary.objects.failed, 1);
        assert.equal(summary.objects.same, Object.keys(data).length - 1);
        const [first] = summary.failures;
        assert.ok(first !== undefined);
        assert.equal(first.key, 'dir/obj-002');
        assert.equal(first.error.code, 'AccessDenied');
        assert.equal(events.filter((e) => e.kind === 'failure').length, 1);
      } finally {
        await proxy.close();
      }
    });

    it('a cancelled check says interrupted and reads nothing more', async () => {
      const src = await makeBucket(c0);
      await seed(c0, src, sample(3));
      const { summary } = await run({
        src: `s3+a://${src}`,
        dst: `s3+a://${src}`,
        download: true,
        signal: AbortSignal.abort(),
        config: configFor(target),
      });
      assert.equal(summary.status, 'interrupted');
      assert.equal(summary.requests['GetObject'], undefined);
    });

    it('sends no write request of any kind, also with download (counted at a proxy)', async () => {
      const proxy = await FaultProxy.start(target.endpoints[0]);
      try {
        const via = targetSpec(target, { endpoint: 0, user: 0, name: 'via' });
        const config = configFor(target, 'thread_local', {
          via: { ...via, endpointUrl: proxy.url },
        });
        const src = await makeBucket(c0);
        const dst = await makeBucket(c0);
        const data = sample(6);
        await seed(c0, src, data);
        await seed(c0, dst, {
          ...data,
          'dir/obj-001': flipped(data['dir/obj-001']!),
          extra: randomBytes(1),
        });
        const dir = join(tmpRoot, `nowrite-${target.name}`);
        writeTree(dir, data);

        for (const options of [
          { src: `s3+via://${src}`, dst: `s3+via://${dst}` },
          { src: `s3+via://${src}`, dst: `s3+via://${dst}`, download: true },
          { src: `s3+via://${src}`, dst: dir, download: true },
          { src: dir, dst: `s3+via://${dst}` },
        ]) {
          const { summary } = await run({ ...options, config });
          assert.notEqual(summary.status, 'fatal', JSON.stringify(summary.fatal));
        }
        const methods = new Set(proxy.requests.map((r) => r.method));
        assert.deepEqual([...methods], ['GET'], `requests: ${[...methods].join(', ')}`);
        assert.ok(proxy.count({ method: 'GET' }) > 8);
      } finally {
        await proxy.close();
      }
    });
  });
}
