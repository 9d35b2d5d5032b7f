// A source overwritten in the middle of a multipart copy, against every real S3 target: the parts
// of one copy must all come from one version of the source. The fault proxy holds the request
// of part 2 (a ranged GET, or the 2nd UploadPartCopy) while the test overwrites the source
// directly on the server (not through the proxy) with other bytes of the same size; then the
// request goes on. The copy must fail as SourceChanged (or be redone from the new version), the
// destination must never hold an object stitched from two versions (absent, or wholly one
// version: its MD5 is v1's or v2's), and no multipart upload or temp file may be left.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type { CopyMethod, Location, TaskResult } from '../../src/shared/protocol.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import { Host, MiB } from '../helpers/transfer-host.ts';

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/** Small threshold: a 12 MiB object becomes 3 parts of 5 + 5 + 2 MiB. */
const multipart = { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB };
const PART_2_RANGE = `bytes=${5 * MiB}-${10 * MiB - 1}`;
/** How long part 2's request is held: the overwrite (12 MiB, local) takes far less. */
const HOLD_MS = 3000;

for (const target of testTargets()) {
  describe(`a source overwritten during a multipart copy, against ${target.name}`, () => {
    const spec = (name: string, endpoint: 0 | 1, overrides: Partial<ProfileSpec> = {}) =>
      targetSpec(target, { name, endpoint, user: 0, ...overrides });
    const host = new Host().add(spec('a', 0));
    const admin = host.clients.get('a')!;
    const srcBucket = uniqueBucket('ow-src');
    const dstBucket = uniqueBucket('ow-dst');
    const v1 = randomBytes(12 * MiB + 3);
    const v2 = randomBytes(v1.length);
    const s3 = (profile: string, bucket: string, key: string): Location => ({
      kind: 's3',
      profile,
      bucket,
      key,
    });
    let dir = '';

    type Case = {
      method: CopyMethod;
      /** The destination of the copy of source `key`. */
      dst(key: string): Location;
      /** Part 2's request, as the proxy sees it. */
      isPart2(r: ProxiedRequest): boolean;
    };
    const isRangedGet = (r: ProxiedRequest): boolean =>
      r.method === 'GET' && r.headers.range === PART_2_RANGE;
    const cases: Case[] = [
      {
        method: 'stream',
        // The source's reads go through the proxy; the destination is the other gateway.
        dst: (key) => s3('a1', dstBucket, key),
        isPart2: isRangedGet,
      },
      {
        method: 'download',
        dst: (key) => ({ kind: 'local', path: join(dir, key) }),
        isPart2: isRangedGet,
      },
      {
        method: 'server-side',
        dst: (key) => s3('p', dstBucket, key),
        isPart2: (r) =>
          r.method === 'PUT' &&
          r.headers['x-amz-copy-source'] !== undefined &&
          /(^|&)partNumber=2(&|$)/.test(r.query),
      },
    ];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 's3ferry-overwrite-'));
      await admin.send(new CreateBucketCommand({ Bucket: srcBucket }));
      await admin.send(new CreateBucketCommand({ Bucket: dstBucket }));
    });

    after(async () => {
      await removeBucket(admin, srcBucket);
      await removeBucket(admin, dstBucket);
      host.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    /** What the destination holds after the copy: its bytes, or undefined when it is absent. */
    async function dstBytes(c: Case, key: string): Promise<Uint8Array | undefined> {
      const dst = c.dst(key);
      if (dst.kind === 'local') {
        try {
          return await readFile(dst.path);
        } catch {
          return undefined;
        }
      }
      try {
        const got = await admin.send(new GetObjectCommand({ Bucket: dstBucket, Key: dst.key }));
        return await got.Body!.transformToByteArray();
      } catch {
        return undefined;
      }
    }

    for (const c of cases) {
      it(`${c.method}: never stitches two versions, fails as SourceChanged, leaves nothing behind`, async () => {
        const key = `${c.method}/source.bin`;
        await admin.send(new PutObjectCommand({ Bucket: srcBucket, Key: key, Body: v1 }));
        const proxy = await FaultProxy.start(target.endpoints[0]);
        const viaProxy = new Host()
          .add(spec('a1', 1))
          .add(spec('p', 0, { endpointUrl: proxy.url }));
        const held: { at?: number; overwritten?: Promise<number> } = {};
        proxy.addRule({
          times: 1,
          match: (r) => {
            if (!c.isPart2(r)) return false;
            held.at = Date.now();
            // Directly on the server, while the proxy holds part 2's request.
            held.overwritten = admin
              .send(new PutObjectCommand({ Bucket: srcBucket, Key: key, Body: v2 }))
              .then(() => Date.now());
            return true;
          },
          fault: faults.delay(HOLD_MS),
        });
        let result: TaskResult;
        try {
          ({ result } = await viaProxy.copy(
            c.method,
            s3('p', srcBucket, key),
            c.dst(key),
            v1.length,
            multipart,
          ));
        } finally {
          viaProxy.destroy();
          await proxy.close();
        }
        assert.ok(held.overwritten !== undefined, "part 2's request was held");
        const overwrittenAt = await held.overwritten;
        assert.ok(overwrittenAt < held.at! + HOLD_MS, 'the source was overwritten while held');

        const stored = await dstBytes(c, key);
        if (result.ok) {
          // Redone from the new version: wholly v2.
          assert.equal(stored && md5(stored), md5(v2), 'a successful copy holds v2 whole');
        } else {
          assert.equal(result.error.code, 'SourceChanged', result.error.message);
          assert.match(result.error.message, /changed/);
          if (stored !== undefined) {
            assert.ok([md5(v1), md5(v2)].includes(md5(stored)), 'one version, whole');
          }
        }
        if (c.method === 'download') {
          assert.deepEqual(await readdir(join(dir, c.method)), stored ? ['source.bin'] : []);
        } else {
          const uploads = await admin.send(
            new ListMultipartUploadsCommand({ Bucket: dstBucket, Prefix: `${c.method}/` }),
          );
          assert.deepEqual(uploads.Uploads ?? [], []);
        }
      });
    }
  });
}
