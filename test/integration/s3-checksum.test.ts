// Checksum settings against every real S3 target: PutObject from a Buffer and from a stream of
// known length under when_required and when_supported (Ceph RGW 16 refuses the streamed
// aws-chunked form with 411), and Content-MD5 on DeleteObjects. A pass-through proxy records
// what went over the wire.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { classifyS3Error } from '../../src/s3/classify.ts';
import { createS3Client } from '../../src/s3/client.ts';
import type { ChecksumPolicy, ProfileSpec } from '../../src/shared/profile.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

function specFor(target: TestTarget, overrides: Partial<ProfileSpec> = {}): ProfileSpec {
  return targetSpec(target, { name: 'sums', ...overrides });
}

const policies: ChecksumPolicy[] = ['when_required', 'when_supported'];
const bodies = ['Buffer', 'stream'] as const;

for (const target of testTargets()) {
  describe(`checksums against ${target.name}`, () => {
    const direct = createS3Client(specFor(target));
    const bucket = uniqueBucket('sums');
    let proxy: FaultProxy;

    before(async () => {
      await direct.send(new CreateBucketCommand({ Bucket: bucket }));
      proxy = await FaultProxy.start(target.endpoints[0]);
    });

    beforeEach(() => {
      proxy.clearLog();
    });

    after(async () => {
      await proxy.close();
      await removeBucket(direct, bucket);
      direct.destroy();
    });

    for (const policy of policies) {
      for (const kind of bodies) {
        const refused = policy === 'when_supported' && kind === 'stream';
        const expectRefusal = refused && !target.acceptsStreamingChecksums;
        const outcome = expectRefusal
          ? 'is refused with 411 and a hint naming the checksum setting'
          : 'round-trips the bytes';
        it(`PutObject from a ${kind} with ${policy} ${outcome}`, async () => {
          const spec = specFor(target, {
            endpointUrl: proxy.url,
            requestChecksumCalculation: policy,
            responseChecksumValidation: policy,
          });
          const client = createS3Client(spec);
          const key = `${policy}/${kind}.bin`;
          const data = randomBytes(70_000);
          const put = new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body:
              kind === 'Buffer'
                ? data
                : Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]),
            ContentLength: data.length,
          });
          try {
            if (expectRefusal) {
              let raw: unknown;
              try {
                await client.send(put);
              } catch (error) {
                raw = error;
              }
              const error = classifyS3Error(raw, { spec, bucket, key });
              assert.equal(error.httpStatus, 411);
              assert.equal(error.code, 'MissingContentLength');
              assert.equal(error.kind, 'client');
              assert.equal(error.fatal, true);
              assert.equal(
                error.hint,
                'set AWS_REQUEST_CHECKSUM_CALCULATION=when_required (or SUMS__AWS_REQUEST_CHECKSUM_CALCULATION for profile sums only)',
              );
              return;
            }
            await client.send(put);
            const sent = proxy.requests.find((r) => r.method === 'PUT');
            assert.ok(sent);
            // What went over the wire: the setting decides whether a checksum travels along.
            if (policy === 'when_required') {
              assert.equal(sent.headers['x-amz-checksum-crc32'], undefined);
              assert.equal(sent.headers['x-amz-trailer'], undefined);
              assert.equal(sent.headers['content-length'], String(data.length));
            } else if (kind === 'Buffer') {
              assert.equal(typeof sent.headers['x-amz-checksum-crc32'], 'string');
            } else {
              assert.equal(sent.headers['x-amz-trailer'], 'x-amz-checksum-crc32');
            }
            const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            assert.deepEqual(Buffer.from((await got.Body?.transformToByteArray()) ?? []), data);
            const getSent = proxy.requests.find((r) => r.method === 'GET');
            assert.equal(
              getSent?.headers['x-amz-checksum-mode'],
              policy === 'when_supported' ? 'ENABLED' : undefined,
            );
          } finally {
            client.destroy();
          }
        });
      }
    }

    it('sends DeleteObjects with a Content-MD5 of its body, and the server deletes the keys', async () => {
      const client = createS3Client(specFor(target, { endpointUrl: proxy.url }));
      const keys = ['del/a', 'del/b c', 'del/ü'];
      for (const key of keys) {
        await direct.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
      const out = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })) },
        }),
      );
      assert.deepEqual(out.Errors ?? [], []);
      const sent = proxy.requests.find((r) => r.method === 'POST');
      assert.ok(sent);
      assert.equal(sent.headers['content-md5'], sent.bodyMd5);
      const left = await direct.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'del/' }));
      assert.equal(left.KeyCount, 0);
      client.destroy();
    });
  });
}
