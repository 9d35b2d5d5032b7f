// `s3ferry sync --queue` with `s3ferry worker` processes, through the built CLI, on the local
// RGW cluster and a redis-server of this file's own: a coordinator and three workers copy across
// gateways and users while one worker is SIGKILLed; listing spreads over the workers; Redis is
// killed and restarted mid-run with and without persistence; nothing in Redis or in any output
// holds a secret. The destination is always checked without s3ferry (keys, sizes, MD5s).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { assertBuilt, cliEnv, runCli, secretsOf, startCli } from '../helpers/cli.ts';
import type { RunningCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { startTestRedis, withRedis } from '../helpers/redis.ts';
import type { RedisServer } from '../helpers/redis.ts';
import { createBucket, md5, objectMd5s, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-distributed-');
const KEY_PREFIX = 's3ferry:job:';

async function uploadsLeft(client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Every key and value in Redis, as text (hashes, lists, sets, sorted sets, streams, strings). */
async function dumpRedis(redis: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** `sync SRC DST --queue URL --job NAME`: the coordinator's command line, before its options. */
function jobArgs(src: string, dst: string, queue: string, job: string): string[] {
  return ['sync', src, dst, '--queue', queue, '--job', job];
}

/** What a worker reported, by worker id, from the coordinator's --report. */
function copiedByWorkers(summary: SyncSummary): number {
  return Object.values(summary.distributed?.workers ?? {}).reduce(
    (sum, c) => sum + (c['copied'] ?? 0),
    0,
  );
}

for (const target of testTargets().filter((t) => t.name === 'rgw')) {
  describe(`sync --queue with workers, on ${target.name}`, async () => {
    const redisServer = await startTestRedis({ persistence: 'aof' });
    const a = targetSpec(target, { endpoint: 0, user: 0, name: 'a' });
    const b = targetSpec(target, { endpoint: 1, user: 1, name: 'b' });
    const ca = createS3Client(a);
    const cb = createS3Client(b);
    const buckets: [S3Client, string][] = [];
    const workers: RunningCli[] = [];
    let env: NodeJS.ProcessEnv = {};
    let redis: Redis;

    before(() => {
      assertBuilt();
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
      redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    });

    after(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.done.catch(() => undefined)));
      redis.disconnect();
      for (const [client, bucket] of buckets) await removeBucket(client, bucket);
      ca.destroy();
      cb.destroy();
    });

    const bucket = async (client: S3Client, prefix: string): Promise<string> => {
      const name = await createBucket(client, prefix);
      buckets.push([client, name]);
      return name;
    };

    const startWorker = (
      extra: string[] = [],
      workerEnv = env,
      server: RedisServer = redisServer,
    ): RunningCli => {
      const w = startCli(
        workerEnv,
        [
          'worker',
          '--queue',
          server.url,
          '--workers',
          '1',
          '--tasks-per-worker',
          '8',
          '--stall-timeout',
          '3s',
          ...extra,
        ],
        { secrets: secretsOf(env) },
      );
      workers.push(w);
      return w;
    };

    const stopWorkers = async (): Promise<void> => {
      const running = workers.splice(0);
      for (const w of running) w.child.kill('SIGTERM');
      await Promise.all(running.map((w) => w.done.catch(() => undefined)));
    };

    it('three workers and a coordinator; one worker SIGKILLed mid-run: exit 0, the destination equals the source, no upload left, no secret anywhere', async () => {
      const src = await bucket(ca, 'dist-src');
      const dst = await bucket(cb, 'dist-dst');
      const objects: Record<string, Uint8Array> = {};
      for (let i = 0; i < 5000; i += 1) {
        objects[`k/${String(i).padStart(5, '0')}`] = randomBytes(512 + (i % 5) * 700);
      }
      for (let i = 0; i < 3; i += 1)
        objects[`k/0${i + 1}500-large`] = randomBytes(12 * 1024 * 1024);
      await seed(ca, src, objects);
      const ws = [startWorker(), startWorker(), startWorker()];
      await Promise.all(ws.map((w) => w.waitFor('stderr', /serving redis/)));
      const report = join(freshDir('report'), 'r.json');
      const coordinator = startCli(
        env,
        [
          ...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, redisServer.url, 'kill-one'),
          '--multipart-threshold',
          '8MiB',
          '--part-size',
          '5MiB',
          '--report',
          report,
        ],
        { secrets: secretsOf(env) },
      );
      // Kill the worker that has copied the most once the job is well under way.
      const counters = `${KEY_PREFIX}kill-one:worker:`;
      let victim: RunningCli | undefined;
      const deadline = Date.now() + 120_000;
      while (victim === undefined && Date.now() < deadline) {
        await sleep(200);
        const ids = await redis.smembers(`${KEY_PREFIX}kill-one:workers`);
        for (const id of ids) {
          const copied = Number((await redis.hget(`${counters}${id}`, 'copied')) ?? 0);
          if (copied < 300) continue;
          const pid = Number(id.split('.').at(-1));
          victim = ws.find((w) => w.child.pid === pid);
          break;
        }
      }
      assert.ok(victim !== undefined, 'no worker copied 300 objects within 2 minutes');
      victim.child.kill('SIGKILL');
      const done = await coordinator.done;
      assert.equal(done.code, 0, done.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      const total = Object.keys(objects).length;
      // Independently: every key, with its content.
      const got = await objectMd5s(cb, dst);
      assert.equal(Object.keys(got).length, total);
      for (const [key, body] of Object.entries(objects)) assert.equal(got[key], md5(body), key);
      assert.deepEqual(await uploadsLeft(cb, dst), []);
      // Every key settled once in the job's counts; copied twice at most what the killed worker
      // had in flight (1 thread × 8 tasks).
      assert.equal(summary.objects.listed, total);
      assert.equal(summary.objects.copied + summary.objects.skipped, total);
      const reported = copiedByWorkers(summary);
      assert.ok(reported <= total + 8, `workers reported ${reported} copies of ${total} objects`);
      assert.ok(summary.distributed !== undefined && summary.distributed.rangesDone > 1);
      // No secret in Redis, in the report, or in any output (startCli rejects on one).
      const stored = await dumpRedis(redis);
      assert.ok(stored.includes('kill-one'), 'the job is in Redis');
      for (const secret of secretsOf(env)) {
        assert.ok(!stored.includes(secret), 'a secret key in Redis');
        assert.ok(!readFileSync(report, 'utf8').includes(secret), 'a secret key in the report');
      }
      await stopWorkers();
    });

    it('listing spreads over the workers: a 50,000-key job lists from at least two of three', async () => {
      const src = await bucket(ca, 'dist-many');
      const objects: Record<string, string> = {};
      for (let i = 0; i < 50_000; i += 1) objects[`m/${String(i).padStart(6, '0')}`] = `${i}`;
      await seed(ca, src, objects);
      const dst = await bucket(ca, 'dist-many-dst');
      for (let i = 0; i < 3; i += 1) startWorker(['--workers', '1', '--tasks-per-worker', '32']);
      const report = join(freshDir('report'), 'r.json');
      const done = await runCli(env, [
        ...jobArgs(`s3+a://${src}/`, `s3+a://${dst}/`, redisServer.url, 'many'),
        '--quiet',
        '--report',
        report,
      ]);
      assert.equal(done.code, 0, done.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      assert.equal(summary.objects.copied, 50_000);
      const listers = Object.entries(summary.distributed?.workers ?? {}).filter(
        ([, c]) => (c['req.ListObjectsV2'] ?? 0) > 0,
      );
      assert.ok(
        listers.length >= 2,
        `ListObjectsV2 from ${JSON.stringify(summary.distributed?.workers)}`,
      );
      assert.equal(Object.keys(await objectMd5s(ca, dst)).length, 50_000);
      await stopWorkers();
    });

    /** A source of `count` small objects across gateways and users, and an empty destination. */
    async function smallJob(
      count: number,
    ): Promise<{ src: string; dst: string; objects: Record<string, Uint8Array> }> {
      const src = await bucket(ca, 'dist-r-src');
      const dst = await bucket(cb, 'dist-r-dst');
      const objects: Record<string, Uint8Array> = {};
      for (let i = 0; i < count; i += 1)
        objects[`r/${String(i).padStart(5, '0')}`] = randomBytes(2048);
      await seed(ca, src, objects);
      return { src, dst, objects };
    }

    async function assertSynced(dst: string, objects: Record<string, Uint8Array>): Promise<void> {
      const got = await objectMd5s(cb, dst);
      assert.equal(Object.keys(got).length, Object.keys(objects).length);
      for (const [key, body] of Object.entries(objects)) assert.equal(got[key], md5(body), key);
      assert.deepEqual(await uploadsLeft(cb, dst), []);
    }

    /** Waits until the job's ranges have settled `keys` keys between them. */
    async function settledAtLeast(client: Redis, job: string, keys: number): Promise<void> {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const ranges = await client.hvals(`${KEY_PREFIX}${job}:ranges`);
        const settled = ranges
          .map((r) => (JSON.parse(r) as { counts: { keys: number } }).counts.keys)
          .reduce((x, y) => x + y, 0);
        if (settled >= keys) return;
        await sleep(100);
      }
      assert.fail(`job ${job} did not settle ${keys} keys within 2 minutes`);
    }

    it('Redis killed and restarted mid-run with its persistence on: the job completes, nothing lost', async () => {
      const { src, dst, objects } = await smallJob(3000);
      startWorker(['--tasks-per-worker', '4']);
      startWorker(['--tasks-per-worker', '4']);
      const coordinator = startCli(
        env,
        [...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, redisServer.url, 'aof'), '--quiet'],
        { secrets: secretsOf(env) },
      );
      await settledAtLeast(redis, 'aof', 300);
      await redisServer.kill('SIGKILL');
      await sleep(1000);
      await redisServer.restart();
      const done = await coordinator.done;
      assert.equal(done.code, 0, done.stderr);
      await assertSynced(dst, objects);
      await stopWorkers();
    });

    it('Redis restarted without persistence: one clear line (exit 3), and the same command run again completes the job', async () => {
      await withRedis({ persistence: 'none' }, async (volatile) => {
        const client = new Redis(volatile.url, { maxRetriesPerRequest: null });
        try {
          const { src, dst, objects } = await smallJob(3000);
          startWorker(['--tasks-per-worker', '4'], env, volatile);
          startWorker(['--tasks-per-worker', '4'], env, volatile);
          const args = [
            ...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, volatile.url, 'volatile'),
            '--quiet',
          ];
          const coordinator = startCli(env, args, { secrets: secretsOf(env) });
          await settledAtLeast(client, 'volatile', 300);
          await volatile.restart();
          const lost = await coordinator.done;
          assert.equal(lost.code, 3, lost.stderr);
          const lines = lost.stderr.trim().split('\n');
          assert.equal(lines.length, 1, lost.stderr);
          assert.match(
            lines[0] ?? '',
            /job volatile is gone from Redis \(restarted without persistence, or flushed\)/,
          );
          assert.match(lines[0] ?? '', /run the same command again/);
          const again = await runCli(env, args);
          assert.equal(again.code, 0, again.stderr);
          await assertSynced(dst, objects);
        } finally {
          client.disconnect();
          await stopWorkers();
        }
      });
    });

    it('a worker without the profile fails the range with the one-line error, shown by the coordinator (exit 1)', async () => {
      const { src, dst } = await smallJob(20);
      const onlyA = cliEnv(freshDir('home-a'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
      });
      startWorker([], onlyA);
      const done = await runCli(env, [
        ...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, redisServer.url, 'no-profile'),
      ]);
      assert.equal(done.code, 1, done.stderr);
      assert.match(
        done.stderr,
        /profile 'b'|profile "b"|\bb\b.*(not found|unknown|no such|not configured)/i,
      );
      assert.ok(!/\n\s+at /.test(done.stderr), `a stack trace: ${done.stderr}`);
      await stopWorkers();
    });

    it('Ctrl-C on the coordinator stops every worker (exit 130); the same command resumes the job to the end', async () => {
      const { src, dst, objects } = await smallJob(2000);
      for (let i = 0; i < 2; i += 1) {
        const body = randomBytes(12 * 1024 * 1024);
        const key = `r/0${i + 1}000-large`;
        await seed(ca, src, { [key]: body });
        objects[key] = body;
      }
      startWorker(['--tasks-per-worker', '4']);
      startWorker(['--tasks-per-worker', '4']);
      const args = [
        ...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, redisServer.url, 'ctrl-c'),
        '--multipart-threshold',
        '8MiB',
        '--part-size',
        '5MiB',
      ];
      const coordinator = startCli(env, args, { secrets: secretsOf(env) });
      await settledAtLeast(redis, 'ctrl-c', 200);
      coordinator.child.kill('SIGINT');
      const stopped = await coordinator.done;
      assert.equal(stopped.code, 130, stopped.stderr);
      assert.match(stopped.stderr, /interrupted/);
      assert.equal(await redis.hget(`${KEY_PREFIX}ctrl-c`, 'status'), 'cancelled');
      // The workers stopped their ranges: nothing settles any more.
      const settled = async (): Promise<number> =>
        (await redis.hvals(`${KEY_PREFIX}ctrl-c:ranges`))
          .map((r) => (JSON.parse(r) as { counts: { keys: number } }).counts.keys)
          .reduce((x, y) => x + y, 0);
      const before = await settled();
      await sleep(1500);
      assert.equal(await settled(), before);
      const report = join(freshDir('report'), 'r.json');
      const resumed = await runCli(env, [...args, '--quiet', '--report', report]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      assert.equal(summary.distributed?.pass, 1, 'the same pass, resumed');
      await assertSynced(dst, objects);
      await stopWorkers();
    });

    it('a coordinator killed with SIGKILL: the same command re-attaches and finishes the same pass', async () => {
      const { src, dst, objects } = await smallJob(2000);
      startWorker(['--tasks-per-worker', '4']);
      const args = [
        ...jobArgs(`s3+a://${src}/`, `s3+b://${dst}/`, redisServer.url, 'reattach'),
        '--quiet',
      ];
      const coordinator = startCli(env, args, { secrets: secretsOf(env) });
      await settledAtLeast(redis, 'reattach', 200);
      coordinator.child.kill('SIGKILL');
      await coordinator.done;
      const report = join(freshDir('report'), 'r.json');
      const again = await runCli(env, [...args, '--report', report]);
      assert.equal(again.code, 0, again.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      assert.equal(summary.distributed?.pass, 1, 'the same pass, re-attached');
      assert.equal(summary.objects.listed, 2000);
      await assertSynced(dst, objects);
      await stopWorkers();
    });
  });
}
