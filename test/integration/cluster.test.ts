// The local S3 targets the runner started behave as the other tests assume: both endpoints
// serve the same storage, and (where claimed) the two users cannot read each other's buckets.
// Uses the raw SDK on purpose: this checks the servers, not s3ferry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { testTargets, uniqueBucket, type TestTarget } from '../helpers/targets.ts';

function clientFor(target: TestTarget, endpointIndex: 0 | 1, userIndex: 0 | 1): S3Client {
  const user = target.users[userIndex];
  return new S3Client({
    endpoint: target.endpoints[endpointIndex],
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'AccessDenied' && e.$metadata?.httpStatusCode === 403;
}

for (const target of testTargets()) {
  describe(`S3 target "${target.name}" (${target.endpoints.join(', ')})`, () => {
    const viaFirst = clientFor(target, 0, 0);
    const viaSecond = clientFor(target, 1, 0);
    const otherUser = clientFor(target, 1, 1);
    const bucket = uniqueBucket('cluster');
    const key = 'dir/hello world+ü.bin';
    const body = randomBytes(64 * 1024);

    before(async () => {
      await viaFirst.send(new CreateBucketCommand({ Bucket: bucket }));
    });

    after(async () => {
      await viaFirst.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      await viaFirst.send(new DeleteBucketCommand({ Bucket: bucket }));
      for (const client of [viaFirst, viaSecond, otherUser]) client.destroy();
    });

    it('lists a bucket created through endpoint 0 when asked through endpoint 1', async () => {
      for (const client of [viaFirst, viaSecond]) {
        const listed = await client.send(new ListBucketsCommand({}));
        assert.ok(
          listed.Buckets?.some((b) => b.Name === bucket),
          `bucket ${bucket} not listed`,
        );
      }
    });

    it('returns through endpoint 1 the bytes written through endpoint 0', async () => {
      await viaFirst.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      const got = await viaSecond.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.ok(got.Body, 'GetObject returned no body');
      const bytes = Buffer.from(await got.Body.transformToByteArray());
      assert.equal(bytes.length, body.length);
      assert.ok(bytes.equals(body), 'bytes read back differ from the bytes written');
    });

    it(
      "refuses the second user access to the first user's bucket",
      { skip: target.usersIsolated ? false : 'the users of this target are not isolated' },
      async () => {
        await viaFirst.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        await assert.rejects(
          otherUser.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
          isAccessDenied,
        );
        await assert.rejects(
          otherUser.send(new PutObjectCommand({ Bucket: bucket, Key: 'intruder', Body: 'x' })),
          isAccessDenied,
        );
      },
    );
  });
}
