// The raw SDK ceiling (s3-servers.md §4): a minimal loop issuing the same requests as a sync of
// the workload, at high concurrency, with nothing else — a keep-alive agent, maxAttempts 1,
// WHEN_REQUIRED checksums, no listing, no planning. Run by bench.ts as its own process (from
// dist/, no loader), measured like the tools; prints one JSON line (CeilingResult) whose timing
// starts at the first request, so Node's start-up is not counted in its wall (its CPU, from GNU
// time, counts it; startupCpuMs says how much of it that was).
//
//   node dist/scripts/bench/ceiling.js '<CeilingSpec as JSON>'
import { pathToFileURL } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { copySource, multipartShape, partRanges, pool } from './loop.ts';
import { keyOf, type CeilingOp } from './workloads.ts';
import { rawS3Client } from '../cluster/raw-client.ts';

export type CeilingSide = {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
};

export type CeilingSpec = {
  op: CeilingOp;
  src: CeilingSide;
  dst: CeilingSide;
  count: number;
  sizeBytes: number;
  partSizeBytes: number;
  /** get-put-multipart: objects at least this big go in parts, smaller ones in one GET → PUT. */
  multipartThresholdBytes: number;
  concurrency: number;
};

export type CeilingResult = {
  /** Objects copied (or keys listed, for list-both). */
  objects: number;
  bytes: number;
  requests: number;
  /** Wall from the first request to the last answer. */
  ms: number;
  /** CPU (user + sys) the process had spent before its first request: Node's start-up and the module load. */
  startupCpuMs?: number;
};

function client(side: CeilingSide, concurrency: number): S3Client {
  return rawS3Client(side.endpoint, side, { maxSockets: concurrency, maxAttempts: 1 });
}

async function listAll(s3: S3Client, bucket: string): Promise<{ keys: number; pages: number }> {
  let token: string | undefined;
  let keys = 0;
  let pages = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 1000 }),
    );
    keys += page.KeyCount ?? page.Contents?.length ?? 0;
    pages += 1;
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return { keys, pages };
}

export async function runCeiling(spec: CeilingSpec): Promise<CeilingResult> {
  const src = client(spec.src, spec.concurrency);
  const dst =
    spec.dst.endpoint === spec.src.endpoint && spec.dst.accessKeyId === spec.src.accessKeyId
      ? src
      : client(spec.dst, spec.concurrency);
  const keys = Array.from({ length: spec.count }, (_, i) => keyOf(i, spec.count));
  const { objectsAtOnce, partConcurrency } = multipartShape(spec);
  let requests = 0;
  let bytes = 0;
  let objects = 0;
  const startup = process.cpuUsage();
  const started = performance.now();

  const multipart = async (
    key: string,
    part: (uploadId: string, n: number, range: { first: number; last: number }) => Promise<string>,
    partConcurrency: number,
  ): Promise<void> => {
    const created = await dst.send(
      new CreateMultipartUploadCommand({ Bucket: spec.dst.bucket, Key: key }),
    );
    requests += 1;
    const uploadId = created.UploadId!;
    const ranges = partRanges(spec.sizeBytes, spec.partSizeBytes);
    const etags: string[] = [];
    await pool(
      ranges.map((range, i) => async () => {
        etags[i] = await part(uploadId, i + 1, range);
        requests += 1;
      }),
      partConcurrency,
    );
    await dst.send(
      new CompleteMultipartUploadCommand({
        Bucket: spec.dst.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    requests += 1;
    bytes += spec.sizeBytes;
    objects += 1;
  };

  switch (spec.op) {
    case 'list-both': {
      const [a, b] = await Promise.all([
        listAll(src, spec.src.bucket),
        listAll(dst, spec.dst.bucket),
      ]);
      objects = a.keys + b.keys;
      requests = a.pages + b.pages;
      break;
    }
    case 'copy':
      await pool(
        keys.map((key) => async () => {
          await dst.send(
            new CopyObjectCommand({
              Bucket: spec.dst.bucket,
              Key: key,
              CopySource: copySource(spec.src.bucket, key),
            }),
          );
          requests += 1;
          objects += 1;
          bytes += spec.sizeBytes;
        }),
        spec.concurrency,
      );
      break;
    case 'upload-part-copy':
      await pool(
        keys.map(
          (key) => () =>
            multipart(
              key,
              async (uploadId, n, range) => {
                const out = await dst.send(
                  new UploadPartCopyCommand({
                    Bucket: spec.dst.bucket,
                    Key: key,
                    UploadId: uploadId,
                    PartNumber: n,
                    CopySource: copySource(spec.src.bucket, key),
                    CopySourceRange: `bytes=${range.first}-${range.last}`,
                  }),
                );
                return out.CopyPartResult?.ETag ?? '';
              },
              partConcurrency,
            ),
        ),
        objectsAtOnce,
      );
      break;
    case 'get-put':
    case 'get-put-multipart': {
      const single = async (key: string): Promise<void> => {
        const got = await src.send(new GetObjectCommand({ Bucket: spec.src.bucket, Key: key }));
        const body = await got.Body!.transformToByteArray();
        await dst.send(
          new PutObjectCommand({
            Bucket: spec.dst.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
          }),
        );
        requests += 2;
        objects += 1;
        bytes += body.length;
      };
      const inParts =
        spec.op === 'get-put-multipart' && spec.sizeBytes >= spec.multipartThresholdBytes;
      if (!inParts) {
        await pool(
          keys.map((key) => () => single(key)),
          spec.concurrency,
        );
        break;
      }
      await pool(
        keys.map(
          (key) => () =>
            multipart(
              key,
              async (uploadId, n, range) => {
                const got = await src.send(
                  new GetObjectCommand({
                    Bucket: spec.src.bucket,
                    Key: key,
                    Range: `bytes=${range.first}-${range.last}`,
                  }),
                );
                requests += 1;
                const body = await got.Body!.transformToByteArray();
                const out = await dst.send(
                  new UploadPartCommand({
                    Bucket: spec.dst.bucket,
                    Key: key,
                    UploadId: uploadId,
                    PartNumber: n,
                    Body: body,
                    ContentLength: body.length,
                  }),
                );
                return out.ETag ?? '';
              },
              partConcurrency,
            ),
        ),
        objectsAtOnce,
      );
      break;
    }
  }
  const ms = performance.now() - started;
  src.destroy();
  if (dst !== src) dst.destroy();
  return {
    objects,
    bytes,
    requests,
    ms,
    startupCpuMs: (startup.user + startup.system) / 1000,
  };
}

const spec = process.argv[2];
if (spec !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runCeiling(JSON.parse(spec) as CeilingSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
