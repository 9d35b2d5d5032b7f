// Integration: bytes changed on the way from the source are never stored. A proxy in front of the
// source flips one byte in the body of object GETs (length kept); a cross-endpoint, cross-user
// sync (small objects on the lean path, a 2 MiB object on the SDK stream path) and a download
// must store only what the source holds — checked here by MD5 of what is at the destination —
// retry a flip that happens once, and report as failures the keys whose every read is flipped.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { Fault, ProxiedRequest } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
  fixedConfig,
  md5s,
  objectMd5s,
  runSync,
  seed,
} from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-integrity-');
const KiB = 1024;
const MiB = 1024 * KiB;

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function without<T extends object>(objects: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(
    Object.entries(objects).filter(([key]) => !keys.includes(key)),
  ) as Partial<T>;
}

/** A GET of an object's bytes (not a listing, not GetObjectTagging). */
const isObjectGet = (r: ProxiedRequest): boolean =>
  r.method === 'GET' && !r.query.includes('list-type') && !/(^|&)tagging(=|&|$)/.test(r.query);

/** Flips one byte in the middle of a 2xx object body; `which` decides which reads are hit. */
function flipping(which: (req: ProxiedRequest) => boolean): Fault {
  return {
    kind: 'rewrite',
    rewrite: (answer, req) => {
      if (answer.status >= 300 || answer.body.length === 0 || !which(req)) return answer;
      const body = Buffer.from(answer.body);
      const at = Math.floor(body.length / 2);
      body[at] = (body[at] ?? 0) ^ 0xff;
      return { ...answer, body };
    },
  };
}

/** Flips one byte at a random place of a 2xx object body (a new place on every read). */
function flippingAnywhere(which: (req: ProxiedRequest) => boolean): Fault {
  return {
    kind: 'rewrite',
    rewrite: (answer, req) => {
      if (answer.status >= 300 || answer.body.length === 0 || !which(req)) return answer;
      const body = Buffer.from(answer.body);
      const at = Math.floor(Math.random() * body.length);
      body[at] = (body[at] ?? 0) ^ 0xff;
      return { ...answer, body };
    },
  };
}

/** Cuts the first ranged GET answer of each range short, with a Content-Length to match. */
function shortFirstRanges(): Fault {
  const seen = new Set<string>();
  return {
    kind: 'rewrite',
    rewrite: (answer, req) => {
      const range = req.headers.range ?? '';
      if (answer.status !== 206 || range === '' || seen.has(range)) return answer;
      seen.add(range);
      const body = answer.body.subarray(0, answer.body.length - 1000);
      return { ...answer, headers: { ...answer.headers, 'content-length': undefined }, body };
    },
  };
}

/** Uploads `parts` as one multipart object; returns its ETag (bare). */
async function seedMultipart(
  client: S3Client,
  bucket: string,
  key: string,
  parts: readonly Buffer[],
): Promise<string> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) {
    const out = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
    );
    etags.push(out.ETag ?? '');
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return (head.ETag ?? '').replace(/"/g, '');
}

/** Flips the first read of every object, and every read of the keys in `always`. */
function flipFirstReads(always: readonly string[] = []): Fault {
  const seen = new Set<string>();
  return flipping((req) => {
    if (always.some((key) => req.path.endsWith(`/${key}`))) return true;
    if (seen.has(req.path)) return false;
    seen.add(req.path);
    return true;
  });
}

for (const target of testTargets()) {
  describe(`bytes changed on the way from the source, on ${target.name}`, () => {
    const source = createS3Client(targetSpec(target));
    const other = targetSpec(target, { endpoint: 1, user: 1, name: 'dst' });
    const destination = createS3Client(other);
    const objects = {
      'small/a.bin': bytes(10 * KiB, 1),
      'small/b.bin': bytes(64 * KiB, 2),
      'small/c.txt': 'a small text object',
      'big.bin': bytes(2 * MiB, 3),
    };
    let src = '';
    let proxy: FaultProxy;
    const buckets: { client: typeof source; bucket: string }[] = [];

    before(async () => {
      src = await createBucket(source, 'integ-src');
      buckets.push({ client: source, bucket: src });
      await seed(source, src, objects);
      proxy = await FaultProxy.start(target.endpoints[0]);
    });
    after(async () => {
      await proxy.close();
      for (const { client, bucket } of buckets) await removeBucket(client, bucket);
    });

    const config = (): ReturnType<typeof fixedConfig> =>
      fixedConfig(
        { src: targetSpec(target, { name: 'src', endpointUrl: proxy.url }), dst: other },
        'src',
      );

    async function freshDestination(): Promise<string> {
      const bucket = await createBucket(destination, 'integ-dst');
      buckets.push({ client: destination, bucket });
      return bucket;
    }

    it('S3 → S3: a flipped first read is retried and every object arrives intact', async () => {
      const dst = await freshDestination();
      proxy.clearRules();
      proxy.clearLog();
      proxy.failAlways(flipFirstReads(), isObjectGet);
      const { summary } = await runSync({
        src: `s3+src://${src}/`,
        dst: `s3+dst://${dst}/`,
        config: config(),
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(await objectMd5s(destination, dst), md5s(objects));
      // Every object was read twice: the flipped read and its retry.
      assert.equal(proxy.count({ method: 'GET' }) - 1, 2 * Object.keys(objects).length);
      assert.equal(summary.objects.unverified, 0);
    });

    it('S3 → S3: keys whose every read is flipped fail with ChecksumMismatch and are not stored', async () => {
      const dst = await freshDestination();
      proxy.clearRules();
      proxy.failAlways(flipFirstReads(['small/a.bin', 'big.bin']), isObjectGet);
      const { summary } = await runSync({
        src: `s3+src://${src}/`,
        dst: `s3+dst://${dst}/`,
        config: config(),
      });
      assert.equal(summary.status, 'partial');
      assert.deepEqual(summary.failures.map((f) => [f.key, f.error.code]).sort(), [
        ['big.bin', 'ChecksumMismatch'],
        ['small/a.bin', 'ChecksumMismatch'],
      ]);
      assert.match(summary.failures[0]?.error.message ?? '', /did not match the source's MD5/);
      const intact = without(objects, ['small/a.bin', 'big.bin']);
      assert.deepEqual(await objectMd5s(destination, dst), md5s(intact));
    });

    it('S3 → local: a flipped first read is retried; a key flipped every time leaves no file', async () => {
      const dir = freshDir('download');
      proxy.clearRules();
      proxy.failAlways(flipFirstReads(['small/b.bin']), isObjectGet);
      const { summary } = await runSync({
        src: `s3+src://${src}/`,
        dst: dir,
        config: config(),
      });
      assert.equal(summary.status, 'partial');
      assert.deepEqual(
        summary.failures.map((f) => [f.key, f.error.code]),
        [['small/b.bin', 'ChecksumMismatch']],
      );
      assert.deepEqual(fileMd5s(dir), md5s(without(objects, ['small/b.bin'])));
      assert.equal(existsSync(join(dir, 'small', 'b.bin')), false);
      assert.deepEqual(
        readdirSync(join(dir, 'small')).filter((name) => name.includes('s3ferry')),
        [],
        'no temp file left',
      );
    });

    it('S3 → local in ranges: a flipped range is caught by reading the file back, and fetched again', async () => {
      const dir = freshDir('ranges');
      proxy.clearRules();
      proxy.failAlways(flipFirstReads(), isObjectGet);
      const { summary } = await runSync({
        src: `s3+src://${src}/big.bin`,
        dst: join(dir, 'big.bin'),
        config: config(),
        multipartThresholdBytes: 1 * MiB,
        partSizeBytes: 5 * MiB,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.deepEqual(fileMd5s(dir), md5s({ 'big.bin': objects['big.bin'] }));
      assert.equal(summary.objects.unverified, 0);
    });

    describe('a multipart source (parts of 5, 5 and 1 MiB)', () => {
      const parts = [bytes(5 * MiB, 4), bytes(5 * MiB, 5), bytes(1 * MiB, 6)];
      const whole = { 'mp.bin': Buffer.concat(parts) };
      let mpSrc = '';
      let sourceEtag = '';
      const mpConfig = { multipartThresholdBytes: 1 * MiB, partSizeBytes: 5 * MiB };
      const isMpGet = (r: ProxiedRequest): boolean => isObjectGet(r) && r.path.endsWith('/mp.bin');

      before(async () => {
        mpSrc = await createBucket(source, 'integ-mp');
        buckets.push({ client: source, bucket: mpSrc });
        sourceEtag = await seedMultipart(source, mpSrc, 'mp.bin', parts);
      });

      async function uploadsLeft(bucket: string): Promise<number> {
        const out = await destination.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return out.Uploads?.length ?? 0;
      }

      it('S3 → S3: a flipped range fails the composite ETag; the object is read again and arrives intact', async () => {
        const dst = await freshDestination();
        proxy.clearRules();
        proxy.clearLog();
        proxy.failAlways(flipFirstReads(), isMpGet);
        const { summary } = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: `s3+dst://${dst}/`,
          config: config(),
          ...mpConfig,
        });
        assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
        assert.deepEqual(await objectMd5s(destination, dst), md5s(whole));
        assert.equal(summary.objects.unverified, 0);
        // Three ranges read, one of them flipped; then all three again.
        assert.equal(proxy.requests.filter(isMpGet).length, 6);
        // Read and uploaded on the source's part layout: the same ETag at the destination.
        const head = await destination.send(new HeadObjectCommand({ Bucket: dst, Key: 'mp.bin' }));
        assert.equal(head.ETag?.replace(/"/g, ''), sourceEtag);
      });

      it('S3 → S3: a range flipped on every read fails the key; nothing stored, no upload left', async () => {
        const dst = await freshDestination();
        proxy.clearRules();
        proxy.failAlways(flippingAnywhere(isMpGet));
        const { summary } = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: `s3+dst://${dst}/`,
          config: config(),
          ...mpConfig,
        });
        assert.equal(summary.status, 'partial');
        assert.deepEqual(
          summary.failures.map((f) => [f.key, f.error.code]),
          [['mp.bin', 'ChecksumMismatch']],
        );
        assert.match(summary.failures[0]?.error.message ?? '', /did not match the source's MD5/);
        assert.deepEqual(await objectMd5s(destination, dst), {});
        assert.equal(await uploadsLeft(dst), 0);
      });

      it('S3 → local in ranges: a flipped range is fetched again; flipped every time, no file', async () => {
        const dir = freshDir('mp-ranges');
        proxy.clearRules();
        proxy.failAlways(flipFirstReads(), isMpGet);
        const ok = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: dir,
          config: config(),
          ...mpConfig,
        });
        assert.equal(ok.summary.status, 'ok', JSON.stringify(ok.summary.failures));
        assert.equal(ok.summary.objects.unverified, 0);
        assert.deepEqual(fileMd5s(dir), md5s(whole));

        const failing = freshDir('mp-ranges-fail');
        proxy.clearRules();
        proxy.failAlways(flippingAnywhere(isMpGet));
        const bad = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: failing,
          config: config(),
          ...mpConfig,
        });
        assert.deepEqual(
          bad.summary.failures.map((f) => [f.key, f.error.code]),
          [['mp.bin', 'ChecksumMismatch']],
        );
        assert.deepEqual(readdirSync(failing), [], 'no file, no temp file');
      });

      it('ranged GETs answered short are retried (S3 → S3 and S3 → local)', async () => {
        const dst = await freshDestination();
        proxy.clearRules();
        proxy.failAlways(shortFirstRanges(), isMpGet);
        const copied = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: `s3+dst://${dst}/`,
          config: config(),
          ...mpConfig,
        });
        assert.equal(copied.summary.status, 'ok', JSON.stringify(copied.summary.failures));
        assert.deepEqual(await objectMd5s(destination, dst), md5s(whole));

        const dir = freshDir('mp-short');
        proxy.clearRules();
        proxy.failAlways(shortFirstRanges(), isMpGet);
        const downloaded = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: dir,
          config: config(),
          ...mpConfig,
        });
        assert.equal(downloaded.summary.status, 'ok', JSON.stringify(downloaded.summary.failures));
        assert.deepEqual(fileMd5s(dir), md5s(whole));
      });

      it('a part size that does not give the source’s part count: copied, counted as not verified', async () => {
        const dst = await freshDestination();
        proxy.clearRules();
        const { summary } = await runSync({
          src: `s3+src://${mpSrc}/`,
          dst: `s3+dst://${dst}/`,
          config: config(),
          multipartThresholdBytes: 1 * MiB,
          partSizeBytes: 6 * MiB,
        });
        assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
        assert.equal(summary.objects.unverified, 1);
        assert.deepEqual(await objectMd5s(destination, dst), md5s(whole));
      });
    });

    it('a multipart copy across endpoints is counted as not verified end to end', async () => {
      const dst = await freshDestination();
      proxy.clearRules();
      const { summary } = await runSync({
        src: `s3+src://${src}/big.bin`,
        dst: `s3+dst://${dst}/big.bin`,
        config: config(),
        multipartThresholdBytes: 1 * MiB,
        partSizeBytes: 5 * MiB,
      });
      assert.equal(summary.status, 'ok', JSON.stringify(summary.failures));
      assert.equal(summary.objects.unverified, 1);
      assert.deepEqual(await objectMd5s(destination, dst), md5s({ 'big.bin': objects['big.bin'] }));
    });
  });
}
