// The cost estimator (src/plan/cost.ts) against what real runs send: for every copy method and
// object shape, a real sync() of exactly that object set through a logging proxy. What reached
// the server (requests by operation, told from method, query and headers) must be what the
// summary counted, and, less the listing's ListObjectsV2 (the only request a run sends before and
// besides its copies), the sum of estimateCopy over the listed entries, operation by operation.
// The bytes of GET answers and PUT bodies on the wire must be the estimate's bytes through
// s3ferry (none for server-side copies), and bytes copied its bytes through plus server-side.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { sync } from '../../src/index.ts';
import type { CopyMethod, SyncOptions, SyncSummary } from '../../src/index.ts';
import { addEstimate, emptyEstimate, estimateCopy, estimateDeletes } from '../../src/plan/cost.ts';
import type { CostEstimate } from '../../src/plan/cost.ts';
import { MiB, choosePartSize } from '../../src/plan/parts.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { DELETE_BATCH_SIZE } from '../../src/s3/delete.ts';
import { listS3 } from '../../src/s3/list.ts';
import type { ListEntry } from '../../src/shared/protocol.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
  fixedConfig,
  md5s,
  objectMd5s,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-cost-');

/** Small enough to keep the data small: 5 MiB, S3's smallest part. */
const THRESHOLD = 5 * MiB;
const PART = 5 * MiB;

/**
 * One object shape, stored as `<name>/obj`. `uploadPartBytes`: the source is a multipart object
 * uploaded in parts of this size (its ETag `…-N`); otherwise a single PutObject.
 */
type Shape = { name: string; sizeBytes: number; uploadPartBytes?: number };

const SHAPES: Shape[] = [
  { name: 'empty', sizeBytes: 0 },
  // Up to 1 MiB a stream takes the buffered, signed GET → PUT path (small-object.ts).
  { name: 'small', sizeBytes: 1000 },
  // Above it, below the threshold: the SDK's streamed GET → PutObject.
  { name: 'medium', sizeBytes: 2 * MiB },
  { name: 'below-threshold', sizeBytes: THRESHOLD - 1 },
  { name: 'at-threshold', sizeBytes: THRESHOLD },
  { name: 'large', sizeBytes: 11 * MiB },
  // Multipart sources: s3ferry's own layout (3 × 5 MiB); another one (2 × 6 MiB, where s3ferry
  // would cut 3 parts); and a single part larger than s3ferry's part size.
  { name: 'mp-own-layout', sizeBytes: 11 * MiB, uploadPartBytes: 5 * MiB },
  { name: 'mp-other-layout', sizeBytes: 12 * MiB, uploadPartBytes: 6 * MiB },
  { name: 'mp-one-part', sizeBytes: 6 * MiB, uploadPartBytes: 6 * MiB },
];

/** Only these make sense as local files (a file has no part layout). */
const FILE_SHAPES = SHAPES.filter((shape) => shape.uploadPartBytes === undefined);

async function seedMultipart(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  partBytes: number,
): Promise<void> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const parts: { PartNumber: number; ETag: string | undefined }[] = [];
  for (let offset = 0, n = 1; offset < body.length; offset += partBytes, n++) {
    const { ETag } = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: n,
        Body: body.subarray(offset, offset + partBytes),
      }),
    );
    parts.push({ PartNumber: n, ETag });
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function listed(client: S3Client, spec: ProfileSpec, bucket: string, prefix: string) {
  const entries: ListEntry[] = [];
  for await (const entry of listS3(client, spec, { bucket, prefix })) entries.push(entry);
  return entries;
}

/** The sum of estimateCopy over `entries`, with this file's threshold and part size. */
function estimateOf(
  method: CopyMethod,
  entries: readonly ListEntry[],
  isPartNumberAnswered: boolean,
): CostEstimate {
  const total = emptyEstimate();
  for (const entry of entries) {
    addEstimate(
      total,
      estimateCopy({
        method,
        sizeBytes: entry.sizeBytes,
        multipartThresholdBytes: THRESHOLD,
        partSizeBytes: choosePartSize(entry.sizeBytes, PART),
        srcEtag: entry.etag,
        isPartNumberAnswered,
        // The runs below carry tags (the default) on their S3 → S3 copies.
        copiesTags: method === 'server-side' || method === 'stream',
      }),
    );
  }
  return total;
}

/** The S3 operation of a path-style request as it reached the server. */
function operationOf(req: ProxiedRequest): string {
  const query = new URLSearchParams(req.query);
  const hasKey = /^\/[^/]+\/./.test(req.path);
  const isCopy = req.headers['x-amz-copy-source'] !== undefined;
  switch (req.method) {
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'HeadBucket';
    case 'GET':
      if (query.get('list-type') === '2') return 'ListObjectsV2';
      if (query.has('uploadId')) return 'ListParts';
      if (query.has('uploads')) return 'ListMultipartUploads';
      if (query.has('tagging')) return 'GetObjectTagging';
      return hasKey ? 'GetObject' : 'ListObjects';
    case 'PUT':
      if (query.has('partNumber')) return isCopy ? 'UploadPartCopy' : 'UploadPart';
      if (query.has('tagging')) return 'PutObjectTagging';
      if (isCopy) return 'CopyObject';
      return hasKey ? 'PutObject' : 'CreateBucket';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      if (query.has('delete')) return 'DeleteObjects';
      return `POST ${req.path}`;
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload';
      return hasKey ? 'DeleteObject' : 'DeleteBucket';
    default:
      return `${req.method} ${req.path}`;
  }
}

/** What the proxies saw: requests by operation, object bytes read (GET) and sent (PUT). */
function onTheWire(requests: readonly ProxiedRequest[]) {
  const counts: Record<string, number> = {};
  let readBytes = 0;
  let sentBytes = 0;
  for (const req of requests) {
    const operation = operationOf(req);
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (operation === 'GetObject') readBytes += req.answerBytes ?? NaN;
    if (operation === 'PutObject' || operation === 'UploadPart') sentBytes += req.bodyBytes ?? NaN;
  }
  return { counts, readBytes, sentBytes };
}

/**
 * The run against the estimate: every object copied by `method`; every request on the wire
 * counted by the summary, and all but the listing's estimated exactly; the object bytes on the
 * wire, and bytes copied, as estimated.
 */
function assertMatches(
  summary: SyncSummary,
  wire: ReturnType<typeof onTheWire>,
  method: CopyMethod,
  count: number,
  estimate: CostEstimate,
): void {
  const detail = JSON.stringify({
    requests: summary.requests,
    wire,
    estimate,
    failures: summary.failures,
  });
  assert.equal(summary.status, 'ok', detail);
  assert.equal(summary.objects.copied, count, detail);
  assert.deepEqual(summary.objects.byMethod, count === 0 ? {} : { [method]: count }, detail);
  assert.deepEqual(wire.counts, summary.requests, detail);
  const { ListObjectsV2: listing, ...copying } = summary.requests;
  if (method !== 'local') assert.ok((listing ?? 0) >= 1, detail);
  assert.deepEqual(copying, estimate.requests, detail);
  assert.equal(summary.bytes.copied, estimate.bytesThrough + estimate.bytesServerSide, detail);
  const reads = method === 'stream' || method === 'download';
  const sends = method === 'stream' || method === 'upload';
  assert.equal(wire.readBytes, reads ? estimate.bytesThrough : 0, detail);
  assert.equal(wire.sentBytes, sends ? estimate.bytesThrough : 0, detail);
  if (method === 'server-side') assert.equal(estimate.bytesThrough, 0, detail);
  else assert.equal(estimate.bytesServerSide, 0, detail);
}

for (const target of testTargets()) {
  describe(`cost estimate = real run's requests on ${target.name}`, () => {
    const specA = targetSpec(target, { endpoint: 0, user: 0, name: 'a' });
    const specB = targetSpec(target, { endpoint: 1, user: 1, name: 'b' });
    // Seeding and checking go to the server directly; the runs go through the proxies.
    const c0 = createS3Client(specA);
    const c1 = createS3Client(specB);
    const proxies: FaultProxy[] = [];
    const bodies: Objects = {};
    const state = { src: '', sameDst: '', otherDst: '', files: '', isPartNumberAnswered: false };
    const options = {
      workers: 1,
      tasksPerWorker: 2,
      multipartThresholdBytes: THRESHOLD,
      partSizeBytes: PART,
    };

    /** Runs sync() through the proxies, and what they saw of it. */
    const run = async (src: string, dst: string, more: Partial<SyncOptions> = {}) => {
      const [p0, p1] = proxies as [FaultProxy, FaultProxy];
      const a = { ...specA, endpointUrl: p0.url };
      const config = fixedConfig(
        { a, b: { ...specB, endpointUrl: p1.url }, c: { ...a, name: 'c' } },
        'a',
      );
      p0.clearLog();
      p1.clearLog();
      const summary = await sync({ ...options, ...more, config, src, dst });
      return { summary, wire: onTheWire([...p0.requests, ...p1.requests]) };
    };

    after(async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    });

    before(async () => {
      for (const endpoint of target.endpoints) proxies.push(await FaultProxy.start(endpoint));
      state.src = await createBucket(c0, 'cost-src');
      state.sameDst = await createBucket(c0, 'cost-dst');
      state.otherDst = await createBucket(c1, 'cost-dst');
      state.files = freshDir('files');
      const files: Objects = {};
      for (const shape of SHAPES) {
        const key = `${shape.name}/obj`;
        const body = randomBytes(shape.sizeBytes);
        bodies[key] = body;
        if (shape.uploadPartBytes === undefined) {
          await seed(c0, state.src, { [key]: body });
          files[key] = body;
        } else {
          await seedMultipart(c0, state.src, key, body, shape.uploadPartBytes);
        }
      }
      writeTree(state.files, files);
      // Whether this server answers the run's HEAD ?partNumber=1 (If-Match: the object's ETag)
      // with the part, as AWS does: the dry run cannot know, the estimate takes it as an input.
      // RGW 16 ignores partNumber (the whole object, no PartsCount); moto 5 answers the part
      // without If-Match but 412 with it (it matches the part's own ETag, not the object's).
      const key = 'mp-other-layout/obj';
      const whole = await c0.send(new HeadObjectCommand({ Bucket: state.src, Key: key }));
      const part = await c0
        .send(
          new HeadObjectCommand({
            Bucket: state.src,
            Key: key,
            PartNumber: 1,
            IfMatch: whole.ETag,
          }),
        )
        .catch(() => undefined);
      state.isPartNumberAnswered = part?.PartsCount === 2 && part.ContentLength === 6 * MiB;
    });

    it('lists the multipart sources with their part counts', async () => {
      const entries = await listed(c0, specA, state.src, '');
      const etags = Object.fromEntries(entries.map((e) => [e.key, e.etag]));
      assert.match(etags['mp-own-layout/obj'] ?? '', /-3$/);
      assert.match(etags['mp-other-layout/obj'] ?? '', /-2$/);
      assert.match(etags['mp-one-part/obj'] ?? '', /-1$/);
      assert.match(etags['large/obj'] ?? '', /^[0-9a-f]{32}$/);
    });

    /** S3 → S3 or S3 → local of one prefix of the source bucket (`''`: every shape). */
    const s3Source = async (method: CopyMethod, prefix: string): Promise<void> => {
      const entries = await listed(c0, specA, state.src, prefix);
      const to = `${method}-${prefix === '' ? 'all/' : prefix}`;
      const dst =
        method === 'server-side'
          ? `s3+c://${state.sameDst}/${to}`
          : method === 'stream'
            ? `s3+b://${state.otherDst}/${to}`
            : freshDir(method);
      const { summary, wire } = await run(`s3+a://${state.src}/${prefix}`, dst);
      assertMatches(
        summary,
        wire,
        method,
        entries.length,
        estimateOf(method, entries, state.isPartNumberAnswered),
      );
      const expected = md5s(
        Object.fromEntries(
          Object.entries(bodies)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, body]) => [key.slice(prefix.length), body]),
        ),
      );
      const got =
        method === 'server-side'
          ? await objectMd5s(c0, state.sameDst, to)
          : method === 'stream'
            ? await objectMd5s(c1, state.otherDst, to)
            : fileMd5s(dst);
      assert.deepEqual(got, expected);
    };

    /** Local → S3 (upload) or local → local of one directory of the files (`''`: all). */
    const localSource = async (method: CopyMethod, dir: string): Promise<void> => {
      const entries = FILE_SHAPES.filter((s) => dir === '' || `${s.name}/` === dir).map((s) => ({
        key: `${s.name}/obj`,
        sizeBytes: s.sizeBytes,
        mtimeMs: 0,
      }));
      const to = `${method}-${dir === '' ? 'all/' : dir}`;
      const dst = method === 'upload' ? `s3+a://${state.sameDst}/${to}` : freshDir(method);
      const { summary, wire } = await run(join(state.files, dir), dst);
      assertMatches(
        summary,
        wire,
        method,
        entries.length,
        estimateOf(method, entries, state.isPartNumberAnswered),
      );
      const expected = md5s(
        Object.fromEntries(
          entries.map((e) => [e.key.slice(dir.length), bodies[e.key] ?? new Uint8Array(0)]),
        ),
      );
      const got = method === 'upload' ? await objectMd5s(c0, state.sameDst, to) : fileMd5s(dst);
      assert.deepEqual(got, expected);
    };

    for (const method of ['server-side', 'stream', 'download'] as const) {
      for (const shape of SHAPES) {
        it(`${method}: ${shape.name} (${shape.sizeBytes} bytes)`, () =>
          s3Source(method, `${shape.name}/`));
      }
      it(`${method}: every shape in one run (the estimates add up)`, () => s3Source(method, ''));
    }
    for (const method of ['upload', 'local'] as const) {
      for (const shape of FILE_SHAPES) {
        it(`${method}: ${shape.name} (${shape.sizeBytes} bytes)`, () =>
          localSource(method, `${shape.name}/`));
      }
      it(`${method}: every shape in one run (the estimates add up)`, () => localSource(method, ''));
    }

    it('--delete at an S3 destination: one DeleteObjects per 1,000 extraneous keys (1,001: 2)', async () => {
      const entries = await listed(c0, specA, state.src, 'small/');
      const extra: Objects = {};
      for (let i = 0; i < DELETE_BATCH_SIZE + 1; i++) extra[`delete-s3/x${i}`] = '';
      await seed(c0, state.sameDst, extra);
      const { summary, wire } = await run(
        `s3+a://${state.src}/small/`,
        `s3+c://${state.sameDst}/delete-s3/`,
        {
          shouldDelete: true,
        },
      );
      const estimate = addEstimate(
        estimateOf('server-side', entries, state.isPartNumberAnswered),
        estimateDeletes(DELETE_BATCH_SIZE + 1, DELETE_BATCH_SIZE, 's3'),
      );
      assertMatches(summary, wire, 'server-side', 1, estimate);
      assert.equal(summary.objects.deleted, DELETE_BATCH_SIZE + 1);
      assert.deepEqual(
        await objectMd5s(c0, state.sameDst, 'delete-s3/'),
        md5s({ obj: bodies['small/obj'] ?? '' }),
      );
    });

    it('--delete at a local destination: no request for the deletes', async () => {
      const entries = await listed(c0, specA, state.src, 'small/');
      const dst = freshDir('delete-local');
      writeTree(dst, { a: 'x', 'b/c': 'y', d: '' });
      const { summary, wire } = await run(`s3+a://${state.src}/small/`, dst, {
        shouldDelete: true,
      });
      const estimate = addEstimate(
        estimateOf('download', entries, state.isPartNumberAnswered),
        estimateDeletes(3, DELETE_BATCH_SIZE, 'local'),
      );
      assertMatches(summary, wire, 'download', 1, estimate);
      assert.equal(summary.objects.deleted, 3);
      assert.deepEqual(fileMd5s(dst), md5s({ obj: bodies['small/obj'] ?? '' }));
    });
  });
}
