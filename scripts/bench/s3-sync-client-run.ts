// s3-sync-client as a command, for the benchmark (run by bench.ts from dist/, measured like the
// other tools). Same endpoint and user: one bucket-to-bucket sync (server-side CopyObject).
// Across endpoints or users it has one client per sync, so it goes in two steps through a local
// directory (s3-servers.md §5.1): bucket → dir with the source client, dir → bucket with the
// destination client. Both clients use WHEN_REQUIRED checksums (RGW 16 refuses the SDK's
// streamed aws-chunked uploads with 411) and the library's default concurrency.
//
//   node dist/scripts/bench/s3-sync-client-run.js '<SyncClientSpec as JSON>'
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { S3SyncClient } from 's3-sync-client';
import type { CeilingSide } from './ceiling.ts';

export type SyncClientSpec = {
  src: CeilingSide;
  dst: CeilingSide;
  /** Local directory for the two-step cross-endpoint sync (kept between fresh and no-op). */
  localDir: string;
};

function client(side: CeilingSide): S3Client {
  return new S3Client({
    endpoint: side.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: side.accessKeyId, secretAccessKey: side.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function runSyncClient(spec: SyncClientSpec): Promise<void> {
  const same =
    spec.src.endpoint === spec.dst.endpoint && spec.src.accessKeyId === spec.dst.accessKeyId;
  const srcClient = client(spec.src);
  try {
    const source = new S3SyncClient({ client: srcClient });
    if (same) {
      await source.sync(`s3://${spec.src.bucket}`, `s3://${spec.dst.bucket}`);
      return;
    }
    const dstClient = client(spec.dst);
    try {
      await source.sync(`s3://${spec.src.bucket}`, spec.localDir);
      await new S3SyncClient({ client: dstClient }).sync(spec.localDir, `s3://${spec.dst.bucket}`);
    } finally {
      dstClient.destroy();
    }
  } finally {
    srcClient.destroy();
  }
}

const spec = process.argv[2];
if (spec !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSyncClient(JSON.parse(spec) as SyncClientSpec);
}
