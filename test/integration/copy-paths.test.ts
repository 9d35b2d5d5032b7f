// The copy paths (runTask on the main thread) against every real S3 target: each method must put
// the exact bytes at the destination (MD5 of both sides), keep content type and user metadata,
// go multipart with a small threshold, leave no multipart upload or temp file behind on failure,
// and round-trip awkward keys.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { CopyMethod, Location, TaskResult, UploadEvent } from '../../src/shared/protocol.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { Host, MiB, copyTask } from '../helpers/transfer-host.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

/** Keys that break naive URL handling; each must arrive byte for byte. */
const AWKWARD_KEYS = [
  'awk/plus+sign',
  'awk/percent%41%2Fliteral',
  'awk/question?mark#hash',
  'awk/space in name',
  'awk/dbl//slash',
  'awk/ünïcødé/日本語/😀',
  'awk/trailing space ',
  "awk/sym ~!$'()*,;=@&",
];

function specFor(
  target: TestTarget,
  name: string,
  endpoint: 0 | 1,
  user: 0 | 1,
  overrides: Partial<ProfileSpec> = {},
): ProfileSpec {
  return targetSpec(target, { name, endpoint, user, ...overrides });
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function getObject(client: S3Client, bucket: string, key: string) {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await out.Body!.transformToByteArray();
  return { bytes, contentType: out.ContentType, metadata: out.Metadata ?? {} };
}

async function pendingUploads(client: S3Client, bucket: string): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).length;
}

/** Small threshold: a 12 MiB object becomes 3 parts of 5 + 5 + 2 MiB. */
const multipart = { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB };

function assertOk(result: TaskResult): asserts result is Extract<TaskResult, { ok: true }> {
  if (!result.ok) assert.fail(`task failed: ${result.error.code}: ${result.error.message}`);
}

const isUploadPart = (n: number) => (req: ProxiedRequest) =>
  req.method === 'PUT' && req.query.includes(`partNumber=${n}`);

const local = (path: string): Location => ({ kind: 'local', path });

/** What the seed objects were written with; copies must keep it. */
const SEED_META = {
  ContentType: 'text/x-s3ferry',
  Metadata: { origin: 'seed', 'two-words': 'a b' },
};

/** The object holds exactly `expected` (MD5 of both sides). */
async function assertBytes(
  client: S3Client,
  bucket: string,
  key: string,
  expected: Uint8Array,
): Promise<void> {
  assert.equal(md5((await getObject(client, bucket, key)).bytes), md5(expected));
}

/** The object holds exactly `expected` and kept the seed's content type and metadata. */
async function assertSeedCopy(
  client: S3Client,
  bucket: string,
  key: string,
  expected: Uint8Array,
): Promise<void> {
  const got = await getObject(client, bucket, key);
  assert.equal(md5(got.bytes), md5(expected));
  assert.equal(got.contentType, SEED_META.ContentType);
  assert.deepEqual(got.metadata, SEED_META.Metadata);
}

/** The object's content is `text` (awkward-key objects hold their own source key). */
async function assertText(
  client: S3Client,
  bucket: string,
  key: string,
  text: string,
): Promise<void> {
  const got = await getObject(client, bucket, key);
  assert.equal(Buffer.from(got.bytes).toString(), text, `content of ${JSON.stringify(key)}`);
}

for (const target of testTargets()) {
  describe(`copy paths against ${target.name}`, () => {
    const a = specFor(target, 'a', 0, 0);
    const host = new Host()
      .add(a)
      .add(specFor(target, 'a1', 1, 0))
      .add(specFor(target, 'b', 1, 1));
    const admin = host.clients.get('a')!;
    const admin2 = host.clients.get('b')!;
    const srcBucket = uniqueBucket('cp-src');
    const dstBucket = uniqueBucket('cp-dst');
    const otherUserBucket = uniqueBucket('cp-usr');
    const small = randomBytes(256 * 1024 + 7);
    const large = randomBytes(12 * MiB + 3);
    const s3 = (profile: string, bucket: string, key: string): Location => ({
      kind: 's3',
      profile,
      bucket,
      key,
    });
    let dir: string;

    /**
     * Runs `test` with a fault proxy in front of gateway `endpoint` and a host holding profile
     * `a` (direct) and profile `p` (user 0 through the proxy); tears both down afterwards.
     */
    async function throughProxy(
      endpoint: 0 | 1,
      test: (proxy: FaultProxy, viaProxy: Host) => Promise<void>,
    ): Promise<void> {
      const proxy = await FaultProxy.start(target.endpoints[endpoint]);
      const viaProxy = new Host()
        .add(a)
        .add(specFor(target, 'p', endpoint, 0, { endpointUrl: proxy.url }));
      try {
        await test(proxy, viaProxy);
      } finally {
        viaProxy.destroy();
        await proxy.close();
      }
    }

    /** A failed multipart task aborted its upload: none is left in the destination bucket. */
    async function assertAbortedUpload(
      copied: { result: TaskResult; reported: number },
      code: string,
    ): Promise<void> {
      const { result, reported } = copied;
      assert.equal(result.ok, false);
      assert.equal(result.error.code, code);
      assert.equal(result.requests['AbortMultipartUpload'], 1);
      assert.ok(reported < large.length);
      assert.equal(await pendingUploads(admin, dstBucket), 0);
    }

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 's3ferry-copy-'));
      await admin.send(new CreateBucketCommand({ Bucket: srcBucket }));
      await admin.send(new CreateBucketCommand({ Bucket: dstBucket }));
      await admin2.send(new CreateBucketCommand({ Bucket: otherUserBucket }));
      await admin.send(
        new PutObjectCommand({ Bucket: srcBucket, Key: 'small.bin', Body: small, ...SEED_META }),
      );
      await admin.send(
        new PutObjectCommand({ Bucket: srcBucket, Key: 'large.bin', Body: large, ...SEED_META }),
      );
      for (const key of AWKWARD_KEYS) {
        await admin.send(new PutObjectCommand({ Bucket: srcBucket, Key: key, Body: key }));
      }
    });

    after(async () => {
      await removeBucket(admin, srcBucket);
      await removeBucket(admin, dstBucket);
      await removeBucket(admin2, otherUserBucket);
      host.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    describe('server-side', () => {
      it('copies with one CopyObject, keeping content type and metadata', async () => {
        const { result, reported } = await host.copy(
          'server-side',
          s3('a', srcBucket, 'small.bin'),
          s3('a', dstBucket, 'ss/small'),
          small.length,
        );
        assertOk(result);
        assert.deepEqual(result.requests, { CopyObject: 1 });
        assert.equal(result.bytes, small.length);
        assert.equal(reported, small.length);
        await assertSeedCopy(admin, dstBucket, 'ss/small', small);
      });

      it('copies a 12 MiB object with parallel UploadPartCopy above the threshold', async () => {
        const { result, reported } = await host.copy(
          'server-side',
          s3('a', srcBucket, 'large.bin'),
          s3('a', dstBucket, 'ss/large'),
          large.length,
          multipart,
        );
        assertOk(result);
        assert.deepEqual(result.requests, {
          // The source's HEAD, and again before Complete: the parts are of one version.
          HeadObject: 2,
          CreateMultipartUpload: 1,
          UploadPartCopy: 3,
          CompleteMultipartUpload: 1,
        });
        assert.equal(reported, large.length);
        await assertSeedCopy(admin, dstBucket, 'ss/large', large);
      });

      it('round-trips awkward keys exactly (CopySource encoding)', async () => {
        for (const key of AWKWARD_KEYS) {
          const { result } = await host.copy(
            'server-side',
            s3('a', srcBucket, key),
            s3('a', dstBucket, `ss/${key}`),
            Buffer.byteLength(key),
          );
          assertOk(result);
          await assertText(admin, dstBucket, `ss/${key}`, key);
        }
        const listed = await admin.send(
          new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'ss/awk/' }),
        );
        assert.deepEqual(
          (listed.Contents ?? []).map((o) => o.Key).sort(),
          AWKWARD_KEYS.map((k) => `ss/${k}`).sort(),
        );
      });

      it('counts retries: a SlowDown on CopyObject shows as two CopyObject requests', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          proxy.failNext(
            1,
            { kind: 'error', status: 503, code: 'SlowDown' },
            (r) => r.method === 'PUT',
          );
          const { result } = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'ss/retried'),
            small.length,
          );
          assertOk(result);
          assert.deepEqual(result.requests, { CopyObject: 2 });
          await assertBytes(admin, dstBucket, 'ss/retried', small);
        });
      });

      it('gives up on a persistent SlowDown after exactly maxRetryTimes + 1 CopyObject requests', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          proxy.failAlways(
            { kind: 'error', status: 503, code: 'SlowDown' },
            (r) => r.method === 'PUT',
          );
          const { result } = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'ss/never'),
            small.length,
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'SlowDown');
          assert.equal(result.error.retryable, true);
          // targetSpec's budget is 2 retries: 3 requests in all, reported in the message.
          assert.deepEqual(result.requests, { CopyObject: 3 });
          assert.equal(proxy.requests.filter((r) => r.method === 'PUT').length, 3);
          assert.match(result.error.message, /after 3 attempts/);
          assert.match(result.error.url ?? '', /ss\/never/);
        });
      });

      it('retries a CopyObject that answers 200 with an <Error> document', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          // S3 may fail a copy after sending its 200 status line; the error is then the body.
          proxy.failNext(
            1,
            { kind: 'error', status: 200, code: 'InternalError' },
            (r) => r.method === 'PUT',
          );
          const { result } = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'ss/after-200-error'),
            small.length,
          );
          assertOk(result);
          assert.deepEqual(result.requests, { CopyObject: 2 });
          await assertBytes(admin, dstBucket, 'ss/after-200-error', small);
        });
      });

      it('retries an UploadPartCopy that answers 200 with an <Error> document', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          // As CopyObject, a part copy may fail after its 200 status line.
          proxy.failNext(1, { kind: 'error', status: 200, code: 'InternalError' }, isUploadPart(2));
          const { result } = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'large.bin'),
            s3('p', dstBucket, 'ss/part-after-200-error'),
            large.length,
            multipart,
          );
          assertOk(result);
          assert.equal(result.requests['UploadPartCopy'], 4, JSON.stringify(result.requests));
          await assertBytes(admin, dstBucket, 'ss/part-after-200-error', large);
        });
      });

      it('fails AccessDenied on CopyObject at once, as a fatal error naming the object', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          proxy.failAlways(
            { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
            (r) => r.method === 'PUT',
          );
          const { result } = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'ss/denied'),
            small.length,
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'AccessDenied');
          assert.equal(result.error.retryable, false);
          assert.deepEqual(result.requests, { CopyObject: 1 });
          assert.match(result.error.message, /Access Denied/);
          assert.match(result.error.url ?? '', /ss\/denied/);
        });
      });

      it('aborts the multipart copy when a part keeps failing, leaving no upload', async () => {
        await throughProxy(0, async (proxy, viaProxy) => {
          proxy.failAlways({ kind: 'error', status: 403, code: 'AccessDenied' }, isUploadPart(2));
          const copied = await viaProxy.copy(
            'server-side',
            s3('p', srcBucket, 'large.bin'),
            s3('p', dstBucket, 'ss/failed'),
            large.length,
            multipart,
          );
          await assertAbortedUpload(copied, 'AccessDenied');
          assert.equal(copied.result.requests['CompleteMultipartUpload'], undefined);
        });
      });
    });

    describe('stream', () => {
      it('streams GET → PUT across endpoints, keeping content type and metadata', async () => {
        const { result, reported } = await host.copy(
          'stream',
          s3('a', srcBucket, 'small.bin'),
          s3('a1', dstBucket, 'st/small'),
          small.length,
        );
        assertOk(result);
        assert.deepEqual(result.requests, { GetObject: 1, PutObject: 1 });
        assert.equal(reported, small.length);
        await assertSeedCopy(admin, dstBucket, 'st/small', small);
      });

      it('sends a small object in one PUT with the Content-MD5 of the bytes it read', async () => {
        await throughProxy(1, async (proxy, viaProxy) => {
          const { result } = await viaProxy.copy(
            'stream',
            s3('a', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'st/md5'),
            small.length,
          );
          assertOk(result);
          const puts = proxy.requests.filter((r) => r.method === 'PUT');
          assert.equal(puts.length, 1);
          const expected = createHash('md5').update(small).digest('base64');
          assert.equal(puts[0]!.headers['content-md5'], expected);
          assert.equal(puts[0]!.bodyMd5, expected);
          await assertSeedCopy(admin, dstBucket, 'st/md5', small);
        });
      });

      it('retries a failed small-object PUT from memory: one GET, two PUTs', async () => {
        await throughProxy(1, async (proxy, viaProxy) => {
          proxy.failNext(
            1,
            { kind: 'error', status: 503, code: 'SlowDown' },
            (r) => r.method === 'PUT',
          );
          const { result, reported } = await viaProxy.copy(
            'stream',
            s3('a', srcBucket, 'small.bin'),
            s3('p', dstBucket, 'st/put-retried'),
            small.length,
          );
          assertOk(result);
          assert.deepEqual(result.requests, { GetObject: 1, PutObject: 2 });
          assert.equal(reported, small.length);
          await assertSeedCopy(admin, dstBucket, 'st/put-retried', small);
        });
      });

      it('streams an object that grew past the small-object limit since it was listed', async () => {
        // Listed as 10 bytes; the GET announces 12 MiB: the buffered path steps aside.
        const { result, reported } = await host.copy(
          'stream',
          s3('a', srcBucket, 'large.bin'),
          s3('a1', dstBucket, 'st/grown'),
          10,
        );
        assertOk(result);
        assert.deepEqual(result.requests, { GetObject: 2, PutObject: 1 });
        assert.equal(reported, large.length);
        await assertSeedCopy(admin, dstBucket, 'st/grown', large);
      });

      it('fails a small object that vanished since it was listed as NoSuchKey, without a PUT', async () => {
        const { result } = await host.copy(
          'stream',
          s3('a', srcBucket, 'no/such/key'),
          s3('a1', dstBucket, 'st/vanished'),
          10,
        );
        assert.equal(result.ok, false);
        assert.equal(result.error.code, 'NoSuchKey');
        assert.deepEqual(result.requests, { GetObject: 1 });
        assert.match(result.error.url ?? '', /no\/such\/key/);
      });

      it('streams a 12 MiB object as ranged GETs → UploadPart', async () => {
        const { result, reported } = await host.copy(
          'stream',
          s3('a', srcBucket, 'large.bin'),
          s3('a1', dstBucket, 'st/large'),
          large.length,
          multipart,
        );
        assertOk(result);
        assert.deepEqual(result.requests, {
          HeadObject: 1,
          CreateMultipartUpload: 1,
          GetObject: 3,
          UploadPart: 3,
          CompleteMultipartUpload: 1,
        });
        assert.equal(reported, large.length);
        await assertSeedCopy(admin, dstBucket, 'st/large', large);
      });

      it("copies from user 0's bucket to user 1's bucket on the other gateway", async () => {
        const { result } = await host.copy(
          'stream',
          s3('a', srcBucket, 'large.bin'),
          s3('b', otherUserBucket, 'from-a'),
          large.length,
          multipart,
        );
        assertOk(result);
        await assertBytes(admin2, otherUserBucket, 'from-a', large);
      });

      it('round-trips awkward keys', async () => {
        for (const key of AWKWARD_KEYS) {
          const { result } = await host.copy(
            'stream',
            s3('a', srcBucket, key),
            s3('b', otherUserBucket, key),
            Buffer.byteLength(key),
          );
          assertOk(result);
          await assertText(admin2, otherUserBucket, key, key);
        }
      });

      it('retries a failed streamed part with a fresh GET, within the budget', async () => {
        await throughProxy(1, async (proxy, viaProxy) => {
          proxy.failNext(1, { kind: 'error', status: 500, code: 'InternalError' }, isUploadPart(2));
          const { result, reported } = await viaProxy.copy(
            'stream',
            s3('a', srcBucket, 'large.bin'),
            s3('p', dstBucket, 'st/retried'),
            large.length,
            multipart,
          );
          assertOk(result);
          assert.equal(result.requests['GetObject'], 4);
          assert.equal(result.requests['UploadPart'], 4);
          // The failed attempt's bytes were rolled back: progress ends at the object size.
          assert.equal(reported, large.length);
          await assertBytes(admin, dstBucket, 'st/retried', large);
        });
      });

      it('aborts the upload after a part fails persistently, leaving none behind', async () => {
        await throughProxy(1, async (proxy, viaProxy) => {
          proxy.failAlways({ kind: 'error', status: 500, code: 'InternalError' }, isUploadPart(3));
          const copied = await viaProxy.copy(
            'stream',
            s3('a', srcBucket, 'large.bin'),
            s3('p', dstBucket, 'st/failed'),
            large.length,
            multipart,
          );
          await assertAbortedUpload(copied, 'InternalError');
          // maxRetryTimes 2: part 3 was tried three times, then the upload was aborted.
          assert.equal(proxy.count({ action: 'error' }), 3);
          await assert.rejects(getObject(admin, dstBucket, 'st/failed'));
        });
      });
    });

    describe('upload', () => {
      it('uploads a file with one PutObject', async () => {
        const path = join(dir, 'up-small.bin');
        await writeFile(path, small);
        const { result } = await host.copy(
          'upload',
          local(path),
          s3('a', dstBucket, 'up/small'),
          small.length,
        );
        assertOk(result);
        assert.deepEqual(result.requests, { PutObject: 1 });
        await assertBytes(admin, dstBucket, 'up/small', small);
      });

      it('uploads an empty file', async () => {
        const path = join(dir, 'up-empty.bin');
        await writeFile(path, '');
        const { result } = await host.copy(
          'upload',
          local(path),
          s3('a', dstBucket, 'up/empty'),
          0,
        );
        assertOk(result);
        assert.equal((await getObject(admin, dstBucket, 'up/empty')).bytes.length, 0);
      });

      it('uploads a 12 MiB file in parts from ranged file streams', async () => {
        const path = join(dir, 'up-large.bin');
        await writeFile(path, large);
        const { result, reported } = await host.copy(
          'upload',
          local(path),
          s3('a', dstBucket, 'up/large'),
          large.length,
          multipart,
        );
        assertOk(result);
        assert.deepEqual(result.requests, {
          CreateMultipartUpload: 1,
          UploadPart: 3,
          CompleteMultipartUpload: 1,
        });
        assert.equal(reported, large.length);
        await assertBytes(admin, dstBucket, 'up/large', large);
      });

      it('round-trips awkward keys', async () => {
        const path = join(dir, 'up-awk.bin');
        for (const key of AWKWARD_KEYS) {
          await writeFile(path, key);
          const { result } = await host.copy(
            'upload',
            local(path),
            s3('a', dstBucket, `up/${key}`),
            Buffer.byteLength(key),
          );
          assertOk(result);
          await assertText(admin, dstBucket, `up/${key}`, key);
        }
      });

      it('reports a missing file as a local-io error', async () => {
        const path = join(dir, 'does-not-exist');
        const { result } = await host.copy(
          'upload',
          local(path),
          s3('a', dstBucket, 'up/missing'),
          1,
        );
        assert.equal(result.ok, false);
        assert.equal(result.error.kind, 'local-io');
        assert.equal(result.error.code, 'ENOENT');
        assert.deepEqual(result.requests, {});
      });
    });

    describe('download', () => {
      const mtimeMs = Date.parse('2021-03-04T05:06:07.000Z');

      it('downloads via a temp file, creates parents, sets the mtime and leaves no temp file', async () => {
        const path = join(dir, 'dl', 'nested', 'small.bin');
        const { result } = await host.copy(
          'download',
          s3('a', srcBucket, 'small.bin'),
          local(path),
          small.length,
          { mtimeMs },
        );
        assertOk(result);
        assert.deepEqual(result.requests, { GetObject: 1 });
        assert.equal(md5(await readFile(path)), md5(small));
        assert.equal((await stat(path)).mtimeMs, mtimeMs);
        assert.deepEqual(await readdir(join(dir, 'dl', 'nested')), ['small.bin']);
      });

      it('downloads a 12 MiB object as parallel ranged GETs written at their offsets', async () => {
        const path = join(dir, 'dl-large', 'large.bin');
        const { result, reported } = await host.copy(
          'download',
          s3('a', srcBucket, 'large.bin'),
          local(path),
          large.length,
          { ...multipart, mtimeMs },
        );
        assertOk(result);
        assert.deepEqual(result.requests, { HeadObject: 1, GetObject: 3 });
        assert.equal(reported, large.length);
        assert.equal(md5(await readFile(path)), md5(large));
        assert.equal((await stat(path)).mtimeMs, mtimeMs);
        assert.deepEqual(await readdir(join(dir, 'dl-large')), ['large.bin']);
      });

      it('replaces an existing file whole, and round-trips an awkward key', async () => {
        const key = 'awk/ünïcødé/日本語/😀';
        const path = join(dir, 'dl-awk', 'ünïcødé 😀');
        const { result: first } = await host.copy(
          'download',
          s3('a', srcBucket, 'small.bin'),
          local(path),
          small.length,
        );
        assertOk(first);
        const { result } = await host.copy(
          'download',
          s3('a', srcBucket, key),
          local(path),
          Buffer.byteLength(key),
        );
        assertOk(result);
        assert.equal(await readFile(path, 'utf8'), key);
      });

      it('leaves the old file untouched and no temp file when the download fails', async () => {
        const folder = join(dir, 'dl-fail');
        const path = join(folder, 'large.bin');
        await throughProxy(0, async (proxy, viaProxy) => {
          const first = await viaProxy.copy(
            'download',
            s3('p', srcBucket, 'small.bin'),
            local(path),
            small.length,
          );
          assertOk(first.result);
          proxy.failAlways(
            { kind: 'error', status: 500, code: 'InternalError' },
            (r) => r.method === 'GET' && r.headers.range === `bytes=${5 * MiB}-${10 * MiB - 1}`,
          );
          const { result } = await viaProxy.copy(
            'download',
            s3('p', srcBucket, 'large.bin'),
            local(path),
            large.length,
            multipart,
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'InternalError');
          assert.equal(md5(await readFile(path)), md5(small));
          assert.deepEqual(await readdir(folder), ['large.bin']);
        });
      });

      it('leaves no file at all when the object does not exist', async () => {
        const folder = join(dir, 'dl-missing');
        const { result } = await host.copy(
          'download',
          s3('a', srcBucket, 'no-such-key'),
          local(join(folder, 'x')),
          1,
        );
        assert.equal(result.ok, false);
        assert.equal(result.error.kind, 'not-found');
        assert.deepEqual(await readdir(folder), []);
      });
    });

    describe('a cancelled multipart copy', () => {
      // Under a checkpoint the copy reports its upload (ctx.onUpload): a cancel (Ctrl-C) must
      // leave the upload on the server with the parts it stored, for the next run to continue;
      // a copy nobody records aborts its upload on a cancel. Parts 2 and 3 stall in the proxy for
      // a minute, so part 1 is the only one stored when the cancel arrives.
      const stalled = (r: ProxiedRequest): boolean =>
        r.method === 'PUT' && /(^|&)partNumber=[23](&|$)/.test(r.query);
      const largeFile = (): string => join(dir, 'cancel-large.bin');
      type Case = {
        method: CopyMethod;
        /** The gateway behind the proxy (profile `p`). */
        endpoint: 0 | 1;
        /** The source, through the proxy's profile or not. */
        src(viaProxy: boolean): Location;
        /** The destination's profile without the proxy (same gateway and user as `p`). */
        dstProfile: string;
        /** The request that stores a part. */
        partRequest: 'UploadPart' | 'UploadPartCopy';
      };
      const cases: Case[] = [
        {
          method: 'server-side',
          endpoint: 0,
          src: (viaProxy) => s3(viaProxy ? 'p' : 'a', srcBucket, 'large.bin'),
          dstProfile: 'a',
          partRequest: 'UploadPartCopy',
        },
        {
          method: 'stream',
          endpoint: 1,
          src: () => s3('a', srcBucket, 'large.bin'),
          dstProfile: 'a1',
          partRequest: 'UploadPart',
        },
        {
          method: 'upload',
          endpoint: 0,
          src: () => local(largeFile()),
          dstProfile: 'a',
          partRequest: 'UploadPart',
        },
      ];

      before(async () => {
        await writeFile(largeFile(), large);
      });

      const uploadsOf = async (key: string): Promise<string[]> => {
        const out = await admin.send(
          new ListMultipartUploadsCommand({ Bucket: dstBucket, Prefix: key }),
        );
        return (out.Uploads ?? []).map((u) => u.UploadId ?? '');
      };

      for (const c of cases) {
        it(`${c.method}: a recorded upload outlives the cancel with its stored part, and is continued from part 2`, async () => {
          const key = `cancel/${c.method}/kept`;
          const events: UploadEvent[] = [];
          await throughProxy(c.endpoint, async (proxy, viaProxy) => {
            proxy.failAlways(faults.delay(60_000), stalled);
            const cancel = new AbortController();
            const started = performance.now();
            const { result } = await viaProxy.run(
              copyTask(c.method, c.src(true), s3('p', dstBucket, key), large.length, {
                ...multipart,
                recordsUploads: true,
              }),
              {
                signal: cancel.signal,
                onUpload: (event) => {
                  events.push(event);
                  if (event.type === 'part') {
                    setImmediate(() => {
                      cancel.abort();
                    });
                  }
                },
              },
            );
            // The stalled parts' requests were aborted, not waited for.
            assert.ok(performance.now() - started < 20_000, 'the cancel stopped the parts at once');
            assert.equal(result.ok, false);
            assert.equal(result.error.code, 'Aborted');
            assert.equal(result.requests['AbortMultipartUpload'], undefined, 'not aborted');
            assert.equal(result.requests['CompleteMultipartUpload'], undefined);
          });
          const [first, ...rest] = events;
          assert.equal(first?.type, 'started');
          const uploadId = first.uploadId;
          const stored = rest.filter((e) => e.type === 'part');
          assert.deepEqual(
            rest.map((e) => e.type),
            ['part'],
            'part 1 reported, no end',
          );
          assert.equal(stored[0]?.partNumber, 1);
          // The server still holds the upload and the part as reported.
          assert.deepEqual(await uploadsOf(key), [uploadId]);
          const listed = await admin.send(
            new ListPartsCommand({ Bucket: dstBucket, Key: key, UploadId: uploadId }),
          );
          assert.deepEqual(
            (listed.Parts ?? []).map((p) => [p.PartNumber, p.ETag?.replaceAll('"', ''), p.Size]),
            stored.map((p) => [p.partNumber, p.etag, p.sizeBytes]),
          );

          // The next run hands the recorded upload back: only parts 2 and 3 are sent.
          const more: UploadEvent[] = [];
          const { result, reported } = await host.run(
            copyTask(c.method, c.src(false), s3(c.dstProfile, dstBucket, key), large.length, {
              ...multipart,
              recordsUploads: true,
              resumeUpload: {
                uploadId,
                partSizeBytes: 5 * MiB,
                parts: stored.map((p) => [p.partNumber, p.etag, p.sizeBytes]),
              },
            }),
            { signal: new AbortController().signal, onUpload: (event) => more.push(event) },
          );
          assertOk(result);
          assert.equal(result.requests['CreateMultipartUpload'], undefined);
          assert.equal(result.requests['ListParts'], 1);
          assert.equal(result.requests[c.partRequest], 2);
          assert.equal(result.requests['CompleteMultipartUpload'], 1);
          assert.deepEqual(
            more.map((e) => (e.type === 'part' ? `part ${e.partNumber}` : e.type)).sort(),
            ['ended', 'part 2', 'part 3'],
          );
          assert.ok(more.every((e) => e.uploadId === uploadId));
          assert.equal(reported, large.length);
          if (c.method === 'upload') await assertBytes(admin, dstBucket, key, large);
          else await assertSeedCopy(admin, dstBucket, key, large);
          assert.deepEqual(await uploadsOf(key), []);
        });

        it(`${c.method}: an upload nobody records is aborted by a cancel`, async () => {
          const key = `cancel/${c.method}/aborted`;
          await throughProxy(c.endpoint, async (proxy, viaProxy) => {
            proxy.failAlways(faults.delay(60_000), stalled);
            const cancel = new AbortController();
            const running = viaProxy.run(
              copyTask(c.method, c.src(true), s3('p', dstBucket, key), large.length, multipart),
              { signal: cancel.signal },
            );
            // Cancelled once part 1 is stored (its answer went back through the proxy).
            while (
              !proxy.requests.some(
                (r) => /(^|&)partNumber=1(&|$)/.test(r.query) && r.answerBytes !== undefined,
              )
            ) {
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
            cancel.abort();
            const { result } = await running;
            assert.equal(result.ok, false);
            assert.equal(result.error.code, 'Aborted');
            assert.equal(result.requests['AbortMultipartUpload'], 1);
          });
          assert.deepEqual(await uploadsOf(key), []);
        });
      }
    });
  });
}
