// Test bucket clean-up: whatever a test left in a bucket (objects, unfinished multipart uploads)
// goes, then the bucket itself.
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

/** Aborts the bucket's multipart uploads, deletes its objects, then deletes the bucket. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
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
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (objects.length === 0) break;
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
    // Without this a refused delete would list the same page forever.
    const refused = out.Errors ?? [];
    if (refused.length > 0) {
      throw new Error(`cannot empty ${bucket}: ${refused.map((e) => e.Code).join(', ')}`);
    }
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
