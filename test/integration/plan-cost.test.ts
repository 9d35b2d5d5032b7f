// The cost a --dry-run reports is what the real run then sends: for a fresh, a partial and a no-op
// sync of the same data, server-side and streamed across endpoints and users, uploads and
// downloads, with multipart objects and --delete, the dry run's `plan.requests` equal the real
// run's `requests`, operation by operation, and its bytes through s3ferry / server-side equal the
// bytes the real run moved that way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { SyncOptions } from '../../src/engine/options.ts';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, fixedConfig, runSync, seed, writeTree } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-plan-cost-');
const MiB = 1024 * 1024;

function data(): Objects {
  const out: Objects = {};
  for (let i = 0; i < 40; i += 1)
    out[`s/${String(i).padStart(3, '0')}`] = randomBytes(100 + i * 37);
  out['empty'] = '';
  out['big/eleven'] = randomBytes(11 * MiB);
  out['big/five'] = randomBytes(5 * MiB);
  return out;
}

/** The same sync as a dry run, then for real: the plan's cost must be the real run's. */
async function planThenRun(options: SyncOptions, what: string): Promise<SyncSummary> {
  const common = { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, ...options };
  const dry = await runSync({ ...common, isDryRun: true });
  const real = await runSync(common);
  assert.equal(real.summary.status, 'ok', what);
  const plan = dry.summary.plan;
  assert.ok(plan !== undefined, `${what}: the dry run reports a cost`);
  assert.deepEqual(plan.requests, real.summary.requests, `${what}: requests by operation`);
  assert.equal(plan.requestsTotal, real.summary.requestsTotal, `${what}: total`);
  const copied = real.summary.bytes.copied;
  const serverSide = (real.summary.objects.byMethod['server-side'] ?? 0) > 0;
  assert.equal(plan.bytesServerSide, serverSide ? copied : 0, `${what}: bytes server-side`);
  assert.equal(plan.bytesThrough, serverSide ? 0 : copied, `${what}: bytes through s3ferry`);
  return real.summary;
}

for (const target of testTargets()) {
  describe(`the cost of a dry run is the real run's, on ${target.name}`, () => {
    const a = targetSpec(target, { endpoint: 0, user: 0, name: 'a' });
    const b = targetSpec(target, { endpoint: 1, user: 1, name: 'b' });
    const c = targetSpec(target, { endpoint: 0, user: 0, name: 'c' });
    const config = fixedConfig({ a, b, c }, 'a');

    for (const [method, dstProfile] of [
      ['server-side', 'c'],
      ['stream', 'b'],
    ] as const) {
      it(`S3→S3 ${method}: fresh, partial (changed, missing and extra keys, --delete), no-op`, async () => {
        const ca = createS3Client(a);
        const cd = createS3Client(dstProfile === 'b' ? b : c);
        const src = await createBucket(ca, 'cost-src');
        const dst = await createBucket(cd, 'cost-dst');
        const objects = data();
        await seed(ca, src, objects);
        const options = {
          src: `s3+a://${src}/`,
          dst: `s3+${dstProfile}://${dst}/`,
          config,
          shouldDelete: true,
        };
        const fresh = await planThenRun(options, `${method} fresh`);
        assert.equal(fresh.objects.copied, Object.keys(objects).length);
        // Partial: one changed, one missing, two extra keys at the destination.
        await seed(ca, src, { 's/001': randomBytes(999) });
        await seed(cd, dst, { 'x/extra-1': 'x', 'x/extra-2': 'y' });
        await cd.send(
          new DeleteObjectCommand({
            Bucket: dst,
            Key: 's/002',
          }),
        );
        const partial = await planThenRun(options, `${method} partial`);
        assert.equal(partial.objects.copied, 2);
        assert.equal(partial.objects.deleted, 2);
        const noop = await planThenRun(options, `${method} no-op`);
        assert.equal(noop.objects.copied, 0);
        ca.destroy();
        cd.destroy();
      });
    }

    it('upload and download: fresh, partial, no-op', async () => {
      const ca = createS3Client(a);
      const bucket = await createBucket(ca, 'cost-updown');
      const local = freshDir('up');
      const objects = data();
      writeTree(local, objects);
      const up = { src: local, dst: `s3+a://${bucket}/up/`, config };
      await planThenRun(up, 'upload fresh');
      writeTree(local, { 's/003': randomBytes(4321) });
      await planThenRun(up, 'upload partial');
      await planThenRun(up, 'upload no-op');
      const down = { src: `s3+a://${bucket}/up/`, dst: freshDir('down'), config };
      await planThenRun(down, 'download fresh');
      writeTree(down.dst, { 's/004': 'changed locally' });
      await planThenRun(down, 'download partial');
      await planThenRun(down, 'download no-op');
      ca.destroy();
    });
  });
}
