// The copy paths (runTask on the main thread) against every real S3 target: each method must put
// the exact bytes at the destination (MD5 of both sides), keep content type and user metadata,
// go multipart with a small threshold, leave no multipart upload or temp file behind on failure,
// and round-trip awkward keys.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import { fullJitterBackoff } from '../../src/s3/retry.ts';
import type { TransferContext } from '../../src/s3/transfer/context.ts';
import { runTask } from '../../src/s3/transfer/run-task.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { CopyMethod, CopyTask, Location, TaskResult } from '../../src/shared/protocol.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

const MiB = 1024 * 1024;
const fast = { backoff: fullJitterBackoff({ baseMs: 1, capMs: 5 }) };

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
  const keys = target.users[user];
  return {
    name,
    envPrefix: `${name.toUpperCase()}__`,
    endpointUrl: target.endpoints[endpoint],
    region: target.region,
    addressingStyle: 'path',
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    maxRetryTimes: 2,
    verify: true,
    redirect: false,
    caBundle: undefined,
    requestChecksumCalculation: 'when_required',
    responseChecksumValidation: 'when_required',
    credentialsFile: join(homedir(), '.aws', 'credentials'),
    configFile: join(homedir(), '.aws', 'config'),
    sources: {},
    ...overrides,
  };
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function getObject(client: S3Client, bucket: string, key: string) {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await out.Body!.transformToByteArray();
  return { bytes, contentType: out.ContentType, metadata: out.Metadata ?? {} };
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const upload of uploads.Uploads ?? []) {
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.Key,
        UploadId: upload.UploadId,
      }),
    );
  }
  let token: string | undefined;
  do {
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const object of listed.Contents ?? []) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
    }
    token = listed.NextContinuationToken;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function pendingUploads(client: S3Client, bucket: string): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).length;
}

/** A small host for runTask: the clients of the given profiles, byte and request tallies. */
class Host {
  readonly specs = new Map<string, ProfileSpec>();
  readonly clients = new Map<string, S3Client>();

  add(spec: ProfileSpec): this {
    this.specs.set(spec.name, spec);
    this.clients.set(spec.name, createS3Client(spec, fast));
    return this;
  }

  /** Runs a task and returns its result plus the bytes reported through onBytes. */
  async run(task: CopyTask): Promise<{ result: TaskResult; reported: number }> {
    let reported = 0;
    const ctx: TransferContext = {
      clientFor: (name) => this.clients.get(name)!,
      specFor: (name) => this.specs.get(name),
      signal: new AbortController().signal,
      onBytes: (delta) => {
        reported += delta;
      },
      counter: new RequestCounter(),
      backoff: fast.backoff,
    };
    return { result: await runTask(task, ctx), reported };
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
  }
}

let nextId = 1;
function copyTask(
  method: CopyMethod,
  src: Location,
  dst: Location,
  sizeBytes: number,
  overrides: Partial<CopyTask> = {},
): CopyTask {
  return {
    kind: 'copy',
    id: nextId++,
    method,
    src,
    dst,
    sizeBytes,
    mtimeMs: Date.now(),
    multipartThresholdBytes: 64 * MiB,
    partSizeBytes: 5 * MiB,
    partConcurrency: 3,
    ...overrides,
  };
}

/** Small threshold: a 12 MiB object becomes 3 parts of 5 + 5 + 2 MiB. */
const multipart = { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB };

function assertOk(result: TaskResult): asserts result is Extract<TaskResult, { ok: true }> {
  if (!result.ok) assert.fail(`task failed: ${result.error.code}: ${result.error.message}`);
}

const isUploadPart = (n: number) => (req: ProxiedRequest) =>
  req.method === 'PUT' && req.query.includes(`partNumber=${n}`);

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

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 's3ferry-copy-'));
      await admin.send(new CreateBucketCommand({ Bucket: srcBucket }));
      await admin.send(new CreateBucketCommand({ Bucket: dstBucket }));
      await admin2.send(new CreateBucketCommand({ Bucket: otherUserBucket }));
      const meta = {
        ContentType: 'text/x-s3ferry',
        Metadata: { origin: 'seed', 'two-words': 'a b' },
      };
      await admin.send(
        new PutObjectCommand({ Bucket: srcBucket, Key: 'small.bin', Body: small, ...meta }),
      );
      await admin.send(
        new PutObjectCommand({ Bucket: srcBucket, Key: 'large.bin', Body: large, ...meta }),
      );
      for (const key of AWKWARD_KEYS) {
        await admin.send(new PutObjectCommand({ Bucket: srcBucket, Key: key, Body: key }));
      }
    });

    after(async () => {
      await emptyBucket(admin, srcBucket);
      await emptyBucket(admin, dstBucket);
      await emptyBucket(admin2, otherUserBucket);
      host.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    describe('server-side', () => {
      it('copies with one CopyObject, keeping content type and metadata', async () => {
        const { result, reported } = await host.run(
          copyTask(
            'server-side',
            s3('a', srcBucket, 'small.bin'),
            s3('a', dstBucket, 'ss/small'),
            small.length,
          ),
        );
        assertOk(result);
        assert.deepEqual(result.requests, { CopyObject: 1 });
        assert.equal(result.bytes, small.length);
        assert.equal(reported, small.length);
        const got = await getObject(admin, dstBucket, 'ss/small');
        assert.equal(md5(got.bytes), md5(small));
        assert.equal(got.contentType, 'text/x-s3ferry');
        assert.deepEqual(got.metadata, { origin: 'seed', 'two-words': 'a b' });
      });

      it('copies a 12 MiB object with parallel UploadPartCopy above the threshold', async () => {
        const { result, reported } = await host.run(
          copyTask(
            'server-side',
            s3('a', srcBucket, 'large.bin'),
            s3('a', dstBucket, 'ss/large'),
            large.length,
            multipart,
          ),
        );
        assertOk(result);
        assert.deepEqual(result.requests, {
          HeadObject: 1,
          CreateMultipartUpload: 1,
          UploadPartCopy: 3,
          CompleteMultipartUpload: 1,
        });
        assert.equal(reported, large.length);
        const got = await getObject(admin, dstBucket, 'ss/large');
        assert.equal(md5(got.bytes), md5(large));
        assert.equal(got.contentType, 'text/x-s3ferry');
        assert.deepEqual(got.metadata, { origin: 'seed', 'two-words': 'a b' });
      });

      it('round-trips awkward keys exactly (CopySource encoding)', async () => {
        for (const key of AWKWARD_KEYS) {
          const { result } = await host.run(
            copyTask(
              'server-side',
              s3('a', srcBucket, key),
              s3('a', dstBucket, `ss/${key}`),
              Buffer.byteLength(key),
            ),
          );
          assertOk(result);
          const got = await getObject(admin, dstBucket, `ss/${key}`);
          assert.equal(Buffer.from(got.bytes).toString(), key, `content of ${JSON.stringify(key)}`);
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
        const proxy = await FaultProxy.start(target.endpoints[0]);
        const viaProxy = new Host().add(specFor(target, 'p', 0, 0, { endpointUrl: proxy.url }));
        try {
          proxy.failNext(
            1,
            { kind: 'error', status: 503, code: 'SlowDown' },
            (r) => r.method === 'PUT',
          );
          const { result } = await viaProxy.run(
            copyTask(
              'server-side',
              s3('p', srcBucket, 'small.bin'),
              s3('p', dstBucket, 'ss/retried'),
              small.length,
            ),
          );
          assertOk(result);
          assert.deepEqual(result.requests, { CopyObject: 2 });
          assert.equal(md5((await getObject(admin, dstBucket, 'ss/retried')).bytes), md5(small));
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
      });

      it('aborts the multipart copy when a part keeps failing, leaving no upload', async () => {
        const proxy = await FaultProxy.start(target.endpoints[0]);
        const viaProxy = new Host().add(specFor(target, 'p', 0, 0, { endpointUrl: proxy.url }));
        try {
          proxy.failAlways({ kind: 'error', status: 403, code: 'AccessDenied' }, isUploadPart(2));
          const { result, reported } = await viaProxy.run(
            copyTask(
              'server-side',
              s3('p', srcBucket, 'large.bin'),
              s3('p', dstBucket, 'ss/failed'),
              large.length,
              multipart,
            ),
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'AccessDenied');
          assert.equal(result.requests['AbortMultipartUpload'], 1);
          assert.equal(result.requests['CompleteMultipartUpload'], undefined);
          assert.ok(reported < large.length);
          assert.equal(await pendingUploads(admin, dstBucket), 0);
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
      });
    });

    describe('stream', () => {
      it('streams GET → PUT across endpoints, keeping content type and metadata', async () => {
        const { result, reported } = await host.run(
          copyTask(
            'stream',
            s3('a', srcBucket, 'small.bin'),
            s3('a1', dstBucket, 'st/small'),
            small.length,
          ),
        );
        assertOk(result);
        assert.deepEqual(result.requests, { GetObject: 1, PutObject: 1 });
        assert.equal(reported, small.length);
        const got = await getObject(admin, dstBucket, 'st/small');
        assert.equal(md5(got.bytes), md5(small));
        assert.equal(got.contentType, 'text/x-s3ferry');
        assert.deepEqual(got.metadata, { origin: 'seed', 'two-words': 'a b' });
      });

      it('streams a 12 MiB object as ranged GETs → UploadPart', async () => {
        const { result, reported } = await host.run(
          copyTask(
            'stream',
            s3('a', srcBucket, 'large.bin'),
            s3('a1', dstBucket, 'st/large'),
            large.length,
            multipart,
          ),
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
        const got = await getObject(admin, dstBucket, 'st/large');
        assert.equal(md5(got.bytes), md5(large));
        assert.equal(got.contentType, 'text/x-s3ferry');
        assert.deepEqual(got.metadata, { origin: 'seed', 'two-words': 'a b' });
      });

      it("copies from user 0's bucket to user 1's bucket on the other gateway", async () => {
        const { result } = await host.run(
          copyTask(
            'stream',
            s3('a', srcBucket, 'large.bin'),
            s3('b', otherUserBucket, 'from-a'),
            large.length,
            multipart,
          ),
        );
        assertOk(result);
        assert.equal(md5((await getObject(admin2, otherUserBucket, 'from-a')).bytes), md5(large));
      });

      it('round-trips awkward keys', async () => {
        for (const key of AWKWARD_KEYS) {
          const { result } = await host.run(
            copyTask(
              'stream',
              s3('a', srcBucket, key),
              s3('b', otherUserBucket, key),
              Buffer.byteLength(key),
            ),
          );
          assertOk(result);
          const got = await getObject(admin2, otherUserBucket, key);
          assert.equal(Buffer.from(got.bytes).toString(), key);
        }
      });

      it('retries a failed streamed part with a fresh GET, within the budget', async () => {
        const proxy = await FaultProxy.start(target.endpoints[1]);
        const viaProxy = new Host()
          .add(a)
          .add(specFor(target, 'p', 1, 0, { endpointUrl: proxy.url }));
        try {
          proxy.failNext(1, { kind: 'error', status: 500, code: 'InternalError' }, isUploadPart(2));
          const { result, reported } = await viaProxy.run(
            copyTask(
              'stream',
              s3('a', srcBucket, 'large.bin'),
              s3('p', dstBucket, 'st/retried'),
              large.length,
              multipart,
            ),
          );
          assertOk(result);
          assert.equal(result.requests['GetObject'], 4);
          assert.equal(result.requests['UploadPart'], 4);
          // The failed attempt's bytes were rolled back: progress ends at the object size.
          assert.equal(reported, large.length);
          assert.equal(md5((await getObject(admin, dstBucket, 'st/retried')).bytes), md5(large));
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
      });

      it('aborts the upload after a part fails persistently, leaving none behind', async () => {
        const proxy = await FaultProxy.start(target.endpoints[1]);
        const viaProxy = new Host()
          .add(a)
          .add(specFor(target, 'p', 1, 0, { endpointUrl: proxy.url }));
        try {
          proxy.failAlways({ kind: 'error', status: 500, code: 'InternalError' }, isUploadPart(3));
          const { result, reported } = await viaProxy.run(
            copyTask(
              'stream',
              s3('a', srcBucket, 'large.bin'),
              s3('p', dstBucket, 'st/failed'),
              large.length,
              multipart,
            ),
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'InternalError');
          // maxRetryTimes 2: part 3 was tried three times, then the upload was aborted.
          assert.equal(proxy.count({ action: 'error' }), 3);
          assert.equal(result.requests['AbortMultipartUpload'], 1);
          assert.ok(reported < large.length);
          assert.equal(await pendingUploads(admin, dstBucket), 0);
          await assert.rejects(getObject(admin, dstBucket, 'st/failed'));
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
      });
    });

    describe('upload', () => {
      it('uploads a file with one PutObject', async () => {
        const path = join(dir, 'up-small.bin');
        await writeFile(path, small);
        const { result } = await host.run(
          copyTask('upload', { kind: 'local', path }, s3('a', dstBucket, 'up/small'), small.length),
        );
        assertOk(result);
        assert.deepEqual(result.requests, { PutObject: 1 });
        assert.equal(md5((await getObject(admin, dstBucket, 'up/small')).bytes), md5(small));
      });

      it('uploads an empty file', async () => {
        const path = join(dir, 'up-empty.bin');
        await writeFile(path, '');
        const { result } = await host.run(
          copyTask('upload', { kind: 'local', path }, s3('a', dstBucket, 'up/empty'), 0),
        );
        assertOk(result);
        assert.equal((await getObject(admin, dstBucket, 'up/empty')).bytes.length, 0);
      });

      it('uploads a 12 MiB file in parts from ranged file streams', async () => {
        const path = join(dir, 'up-large.bin');
        await writeFile(path, large);
        const { result, reported } = await host.run(
          copyTask(
            'upload',
            { kind: 'local', path },
            s3('a', dstBucket, 'up/large'),
            large.length,
            multipart,
          ),
        );
        assertOk(result);
        assert.deepEqual(result.requests, {
          CreateMultipartUpload: 1,
          UploadPart: 3,
          CompleteMultipartUpload: 1,
        });
        assert.equal(reported, large.length);
        assert.equal(md5((await getObject(admin, dstBucket, 'up/large')).bytes), md5(large));
      });

      it('round-trips awkward keys', async () => {
        const path = join(dir, 'up-awk.bin');
        for (const key of AWKWARD_KEYS) {
          await writeFile(path, key);
          const { result } = await host.run(
            copyTask(
              'upload',
              { kind: 'local', path },
              s3('a', dstBucket, `up/${key}`),
              Buffer.byteLength(key),
            ),
          );
          assertOk(result);
          assert.equal(
            Buffer.from((await getObject(admin, dstBucket, `up/${key}`)).bytes).toString(),
            key,
          );
        }
      });

      it('reports a missing file as a local-io error', async () => {
        const path = join(dir, 'does-not-exist');
        const { result } = await host.run(
          copyTask('upload', { kind: 'local', path }, s3('a', dstBucket, 'up/missing'), 1),
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
        const { result } = await host.run(
          copyTask(
            'download',
            s3('a', srcBucket, 'small.bin'),
            { kind: 'local', path },
            small.length,
            { mtimeMs },
          ),
        );
        assertOk(result);
        assert.deepEqual(result.requests, { GetObject: 1 });
        assert.equal(md5(await readFile(path)), md5(small));
        assert.equal((await stat(path)).mtimeMs, mtimeMs);
        assert.deepEqual(await readdir(join(dir, 'dl', 'nested')), ['small.bin']);
      });

      it('downloads a 12 MiB object as parallel ranged GETs written at their offsets', async () => {
        const path = join(dir, 'dl-large', 'large.bin');
        const { result, reported } = await host.run(
          copyTask(
            'download',
            s3('a', srcBucket, 'large.bin'),
            { kind: 'local', path },
            large.length,
            { ...multipart, mtimeMs },
          ),
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
        const { result: first } = await host.run(
          copyTask(
            'download',
            s3('a', srcBucket, 'small.bin'),
            { kind: 'local', path },
            small.length,
          ),
        );
        assertOk(first);
        const { result } = await host.run(
          copyTask(
            'download',
            s3('a', srcBucket, key),
            { kind: 'local', path },
            Buffer.byteLength(key),
          ),
        );
        assertOk(result);
        assert.equal(await readFile(path, 'utf8'), key);
      });

      it('leaves the old file untouched and no temp file when the download fails', async () => {
        const proxy = await FaultProxy.start(target.endpoints[0]);
        const viaProxy = new Host().add(specFor(target, 'p', 0, 0, { endpointUrl: proxy.url }));
        const folder = join(dir, 'dl-fail');
        const path = join(folder, 'large.bin');
        try {
          const first = await viaProxy.run(
            copyTask(
              'download',
              s3('p', srcBucket, 'small.bin'),
              { kind: 'local', path },
              small.length,
            ),
          );
          assertOk(first.result);
          proxy.failAlways(
            { kind: 'error', status: 500, code: 'InternalError' },
            (r) => r.method === 'GET' && r.headers.range === `bytes=${5 * MiB}-${10 * MiB - 1}`,
          );
          const { result } = await viaProxy.run(
            copyTask(
              'download',
              s3('p', srcBucket, 'large.bin'),
              { kind: 'local', path },
              large.length,
              multipart,
            ),
          );
          assert.equal(result.ok, false);
          assert.equal(result.error.code, 'InternalError');
          assert.equal(md5(await readFile(path)), md5(small));
          assert.deepEqual(await readdir(folder), ['large.bin']);
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
      });

      it('leaves no file at all when the object does not exist', async () => {
        const folder = join(dir, 'dl-missing');
        const { result } = await host.run(
          copyTask(
            'download',
            s3('a', srcBucket, 'no-such-key'),
            { kind: 'local', path: join(folder, 'x') },
            1,
          ),
        );
        assert.equal(result.ok, false);
        assert.equal(result.error.kind, 'not-found');
        assert.deepEqual(await readdir(folder), []);
      });
    });
  });
}
