// The fault soak (issue 12 §3): 2,000 objects of mixed sizes synced across gateways and users by
// the built CLI through fault-injecting proxies — 10 % of the requests faulted, in equal shares of
// SlowDown, 500, a reset mid-body, a truncated answer, a 4 s stall and a lost answer — first on the
// destination, then on the source, then on both. After each run an independent check with the
// test's own SDK client, straight at the gateway (not through a proxy, not s3ferry's listing):
// every key present with the source's MD5, no multipart upload left, and the exit code and report
// consistent with what the proxies did.
//
// RGW only: the faults are the proxy's, so a second server adds minutes and no new fault.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { addFaultMix, faultCounts } from '../helpers/fault-mix.ts';
import type { FaultKind } from '../helpers/fault-mix.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, keysOf, md5, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-soak-');

const SMALL = 1_994;
const LARGE_MIB = [6, 7, 8, 9, 11, 12];
const KINDS: readonly FaultKind[] = [
  'slowDown',
  'internalError',
  'resetMidBody',
  'truncate',
  'stall',
  'drop',
];
const RATE = 0.1;

/** Deterministic objects: small ones of 1–32 KiB in a few prefixes, and six multipart ones. */
function soakObjects(): Record<string, Buffer> {
  const objects: Record<string, Buffer> = {};
  for (let i = 0; i < SMALL; i += 1) {
    const size = 1024 + ((i * 7919) % (31 * 1024));
    objects[`d${i % 7}/obj-${String(i).padStart(5, '0')}`] = randomBytes(size);
  }
  LARGE_MIB.forEach((mib, i) => {
    objects[`large/big-${i}`] = randomBytes(mib * 1024 * 1024 + 4321 * i);
  });
  return objects;
}

/** MD5 of every object under `prefix` (keys relative to it), read straight from the gateway. */
async function md5sUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<Map<string, string>> {
  const keys = await keysOf(client, bucket, prefix);
  const out = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(
      keys.slice(i, i + 16).map(async (key) => {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        out.set(key.slice(prefix.length), md5(await got.Body!.transformToByteArray()));
      }),
    );
  }
  return out;
}

const target = testTargets().find((t) => t.name === 'rgw');

describe(
  'fault soak: 2,000 objects, 10 % mixed faults (SlowDown, 500, reset, truncation, stall, lost answer)',
  { skip: target === undefined ? 'the soak runs on the local RGW cluster only' : false },
  () => {
    const t = target!;
    const srcClient = createS3Client(targetSpec(t, { endpoint: 0, user: 0 }));
    const dstClient = createS3Client(targetSpec(t, { endpoint: 1, user: 1 }));
    const expected = new Map<string, string>();
    let srcBucket = '';
    let dstBucket = '';
    let srcProxy: FaultProxy;
    let dstProxy: FaultProxy;

    before(async () => {
      srcBucket = await createBucket(srcClient, 'soak-src');
      dstBucket = await createBucket(dstClient, 'soak-dst');
      const objects = soakObjects();
      await seed(srcClient, srcBucket, objects);
      for (const [key, body] of Object.entries(objects)) expected.set(key, md5(body));
      srcProxy = await FaultProxy.start(t.endpoints[0]);
      dstProxy = await FaultProxy.start(t.endpoints[1]);
    });

    after(async () => {
      await srcProxy.close();
      await dstProxy.close();
      await removeBucket(srcClient, srcBucket);
      await removeBucket(dstClient, dstBucket);
      srcClient.destroy();
      dstClient.destroy();
    });

    for (const [index, side] of (
      ['the destination', 'the source', 'both sides'] as const
    ).entries()) {
      it(`faults on ${side}: every object arrives whole, nothing is left behind`, async () => {
        srcProxy.clearRules();
        dstProxy.clearRules();
        srcProxy.clearLog();
        dstProxy.clearLog();
        const faulted = [
          ...(side === 'the destination' ? [] : [srcProxy]),
          ...(side === 'the source' ? [] : [dstProxy]),
        ];
        const mixes = faulted.map((proxy, i) =>
          addFaultMix(proxy, { rate: RATE, kinds: KINDS, seed: 100 * index + i + 1 }),
        );
        const home = freshDir(`home-${index}`);
        const report = join(home, 'report.json');
        const prefix = `run-${index}/`;
        const env = cliEnv(home, {
          src: { endpoint: srcProxy.url, user: t.users[0] },
          dst: { endpoint: dstProxy.url, user: t.users[1] },
        });
        const result = await runCli(env, [
          'sync',
          `s3+src://${srcBucket}/`,
          `s3+dst://${dstBucket}/${prefix}`,
          '--report',
          report,
        ]);
        const injected = mixes.map((rules) => faultCounts(KINDS, rules));
        const context = `faults ${JSON.stringify(injected)}; stderr:\n${result.stderr}`;

        // What a user checks first: the exit code and the report.
        assert.equal(result.code, ExitCode.Ok, context);
        const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
        assert.equal(summary.status, 'ok', context);
        assert.equal(summary.objects.copied, expected.size, context);
        assert.equal(summary.objects.failed, 0, context);
        // Every kind of fault really happened on every faulted side.
        for (const counts of injected) {
          for (const kind of KINDS) assert.ok((counts[kind] ?? 0) > 0, `no ${kind}: ${context}`);
        }
        // The report counts every attempt; every attempt reached a proxy.
        const seen = srcProxy.requests.length + dstProxy.requests.length;
        assert.ok(summary.requestsTotal >= seen, `${summary.requestsTotal} < ${seen} seen`);
        // SlowDowns were answered by the adaptive limit of the endpoint that sent them.
        const throttled = new Set((summary.throttling ?? []).map((e) => e.endpoint));
        for (const proxy of faulted) assert.ok(throttled.has(proxy.url), context);

        // The independent check: straight at the gateway, with the test's own client.
        const arrived = await md5sUnder(dstClient, dstBucket, prefix);
        assert.equal(arrived.size, expected.size, 'keys at the destination');
        for (const [key, sum] of expected) assert.equal(arrived.get(key), sum, key);
        const uploads = await dstClient.send(
          new ListMultipartUploadsCommand({ Bucket: dstBucket }),
        );
        assert.deepEqual(
          (uploads.Uploads ?? []).map((u) => u.Key),
          [],
          'multipart uploads left',
        );
      });
    }
  },
);
