// --bwlimit and --tpslimit through the built CLI on the local RGW cluster, as a user checks them:
// the bytes arrive whole, a bandwidth-limited run takes as long as its bytes at that rate (not
// less, and not much more), and a request-limited run never sends more requests in any one second
// than the limit, counted where the server would count them (fault proxies in front of both
// endpoints, passing everything through and logging each request's arrival).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client.ts';
import { ExitCode } from '../../src/shared/exit-codes.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, fileMd5s, md5s, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-limits-');
const KiB = 1024;
const MiB = 1024 * KiB;

/** The most requests that arrived within any one second (sliding window over arrival times). */
function busiestSecond(arrivalsMs: number[]): number {
  const times = [...arrivalsMs].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last += 1) {
    while ((times[last] as number) - (times[first] as number) >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Runs the CLI and measures its wall time (process start-up included, as a user's clock). */
async function timedRun(
  env: NodeJS.ProcessEnv,
  argv: string[],
): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const started = performance.now();
  const result = await runCli(env, argv);
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

const target = testTargets().find((t) => t.name === 'rgw');

describe(
  '--bwlimit and --tpslimit, built CLI, local RGW cluster',
  { skip: target === undefined ? 'the limits are measured on the local RGW cluster only' : false },
  () => {
    const t = target!;
    const srcClient: S3Client = createS3Client(targetSpec(t, { endpoint: 0, user: 0 }));
    const dstClient: S3Client = createS3Client(targetSpec(t, { endpoint: 1, user: 1 }));
    // 8 MiB in all: one object above the small-copy limit (streamed), two in parts of 5 MiB
    // (--multipart-threshold below), and small ones (buffered copies).
    const objects: Objects = {
      'big/streamed.bin': randomBytes(3 * MiB),
      'big/parts.bin': randomBytes(Math.round(4.5 * MiB)),
      ...Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [`small/${i}.bin`, randomBytes(64 * KiB)]),
      ),
    };
    const totalBytes = Object.values(objects).reduce((sum, body) => sum + body.length, 0);
    const RATE = 4 * MiB;
    const expectedSeconds = totalBytes / RATE;
    let srcBucket = '';
    let dstBucket = '';
    let home = '';
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      srcBucket = await createBucket(srcClient, 'lim-src');
      dstBucket = await createBucket(dstClient, 'lim-dst');
      await seed(srcClient, srcBucket, objects);
      home = freshDir('home');
      env = cliEnv(home, {
        src: { endpoint: t.endpoints[0], user: t.users[0] },
        dst: { endpoint: t.endpoints[1], user: t.users[1] },
      });
    });

    after(async () => {
      await removeBucket(srcClient, srcBucket);
      await removeBucket(dstClient, dstBucket);
      srcClient.destroy();
      dstClient.destroy();
    });

    /** Asserts a limited run took its bytes' time at RATE: not less, and not far more. */
    function assertPaced(seconds: number, what: string): void {
      assert.ok(
        seconds >= 0.9 * expectedSeconds,
        `${what}: ${totalBytes} bytes at ${RATE} B/s need ${expectedSeconds.toFixed(2)} s, took ${seconds.toFixed(2)} s`,
      );
      assert.ok(
        seconds <= 2 * expectedSeconds + 3,
        `${what}: took ${seconds.toFixed(2)} s, far more than the ${expectedSeconds.toFixed(2)} s its bytes need`,
      );
    }

    const limited = ['--bwlimit', '4MiB', '--multipart-threshold', '4MiB', '--part-size', '5MiB'];

    it('across endpoints: every byte arrives, at the limit', async () => {
      const run = await timedRun(env, [
        'sync',
        `s3+src://${srcBucket}/`,
        `s3+dst://${dstBucket}/across/`,
        '-q',
        ...limited,
      ]);
      assert.equal(run.code, ExitCode.Ok, run.stderr);
      assert.deepEqual(await objectMd5s(dstClient, dstBucket, 'across/'), md5s(objects));
      assertPaced(run.seconds, 'S3 → S3');
    });

    it('download and upload: every byte arrives, at the limit, each way', async () => {
      const local = freshDir('down');
      const down = await timedRun(env, ['sync', `s3+src://${srcBucket}/`, local, '-q', ...limited]);
      assert.equal(down.code, ExitCode.Ok, down.stderr);
      assert.deepEqual(fileMd5s(local), md5s(objects));
      assertPaced(down.seconds, 'S3 → local');

      const up = await timedRun(env, [
        'sync',
        local,
        `s3+dst://${dstBucket}/up/`,
        '-q',
        ...limited,
      ]);
      assert.equal(up.code, ExitCode.Ok, up.stderr);
      assert.deepEqual(await objectMd5s(dstClient, dstBucket, 'up/'), md5s(objects));
      assertPaced(up.seconds, 'local → S3');
    });

    it('--tpslimit 20: no second at the servers holds more than 20 requests, all of both sides', async () => {
      const small: Objects = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`tps/${String(i).padStart(2, '0')}`, `object ${i}`]),
      );
      await seed(srcClient, srcBucket, small);
      const srcProxy = await FaultProxy.start(t.endpoints[0]);
      const dstProxy = await FaultProxy.start(t.endpoints[1]);
      try {
        const proxied = cliEnv(freshDir('home-tps'), {
          src: { endpoint: srcProxy.url, user: t.users[0] },
          dst: { endpoint: dstProxy.url, user: t.users[1] },
        });
        const run = await timedRun(proxied, [
          'sync',
          `s3+src://${srcBucket}/tps/`,
          `s3+dst://${dstBucket}/tps/`,
          '-q',
          '--tpslimit',
          '20',
        ]);
        assert.equal(run.code, ExitCode.Ok, run.stderr);
        assert.deepEqual(await objectMd5s(dstClient, dstBucket, 'tps/'), md5s(underTps(small)));
        const arrivals = [...srcProxy.requests, ...dstProxy.requests].map((r) => r.atMs);
        // A GET and a PUT per object, and the listings.
        assert.ok(arrivals.length >= 80, `only ${arrivals.length} requests reached the servers`);
        assert.ok(
          busiestSecond(arrivals) <= 20,
          `${busiestSecond(arrivals)} requests within one second, over --tpslimit 20`,
        );
        assert.ok(
          run.seconds >= (arrivals.length - 1) / 20,
          `${arrivals.length} requests in ${run.seconds.toFixed(2)} s: faster than 20 per second`,
        );
      } finally {
        await srcProxy.close();
        await dstProxy.close();
      }
    });
  },
);

/** `objects` keyed relative to their `tps/` prefix, as the destination listing shows them. */
function underTps(objects: Objects): Objects {
  return Object.fromEntries(
    Object.entries(objects).map(([key, body]) => [key.slice('tps/'.length), body]),
  );
}
