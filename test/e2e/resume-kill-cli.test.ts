// Crash consistency of `s3ferry sync --checkpoint`, through the built CLI: the run is killed with
// SIGKILL at seeded random moments (from 0.2 s in to near the end of a full run), then the same
// command is run again. After each pair the destination is compared with the source without
// s3ferry (keys, sizes, ETags; MD5 of the content of the multipart objects and of every local
// file), no multipart upload is left under the destination, no temp file is left in a local
// destination, and the resumed run listed only what the killed one had not settled.
// S3→S3 goes across gateways and users (bytes stream through the workers) with 3 objects of
// 50 MiB copied in 5 MiB parts. Rounds: S3FERRY_KILL_ROUNDS (default 10 per direction, 20 in all).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli, startCli } from '../helpers/cli.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-kill-');
const ROUNDS = Number(process.env['S3FERRY_KILL_ROUNDS'] ?? 10);
const SMALL = 3000;
const LARGE = 3;
const LARGE_BYTES = 50 * 1024 * 1024;

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/** A seeded generator (mulberry32): the kill moments reproduce from the seed in the test name. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Listed = Map<string, { size: number; etag: string }>;

async function listAll(client: S3Client, bucket: string, prefix: string): Promise<Listed> {
  const out: Listed = new Map();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      out.set(o.Key!.slice(prefix.length), { size: o.Size ?? -1, etag: o.ETag ?? '' });
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return out;
}

async function uploadsLeft(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  );
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

async function objectMd5(client: S3Client, bucket: string, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return md5(await got.Body!.transformToByteArray());
}

function walk(dir: string, root = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, root, out);
    else out.push(relative(root, path));
  }
  return out;
}

for (const target of testTargets().filter((t) => t.name === 'rgw')) {
  describe(`sync --checkpoint killed with SIGKILL and resumed, on ${target.name}`, () => {
    const a = targetSpec(target, { endpoint: 0, user: 0, name: 'a' });
    const b = targetSpec(target, { endpoint: 1, user: 1, name: 'b' });
    const ca = createS3Client(a);
    const cb = createS3Client(b);
    let srcBucket = '';
    let dstBucket = '';
    /** Source key → MD5 of its content, and its size. */
    const expected = new Map<string, { md5: string; size: number }>();
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      srcBucket = await createBucket(ca, 'kill-src');
      dstBucket = await createBucket(cb, 'kill-dst');
      const objects: Record<string, Uint8Array> = {};
      for (let i = 0; i < SMALL; i += 1) {
        objects[`small/${String(i).padStart(5, '0')}.bin`] = randomBytes(1024 + (i % 7) * 512);
      }
      await seed(ca, srcBucket, objects);
      for (let i = 0; i < LARGE; i += 1) {
        // Between the small keys in key order, so kills land while parts are in flight.
        const key = `small/0${i + 1}500-large.bin`;
        const body = randomBytes(LARGE_BYTES);
        await seed(ca, srcBucket, { [key]: body });
        objects[key] = body;
      }
      for (const [key, body] of Object.entries(objects)) {
        expected.set(key, { md5: md5(body), size: body.length });
      }
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: target.endpoints[1], user: target.users[1] },
      });
    });

    after(async () => {
      await removeBucket(ca, srcBucket);
      await removeBucket(cb, dstBucket);
      ca.destroy();
      cb.destroy();
    });

    const args = (
      dst: string,
      checkpoint: string,
      report?: string,
      extra: string[] = [],
    ): string[] => [
      'sync',
      `s3+a://${srcBucket}/`,
      dst,
      '--checkpoint',
      checkpoint,
      '--multipart-threshold',
      '8MiB',
      '--part-size',
      '5MiB',
      '--quiet',
      ...(report === undefined ? [] : ['--report', report]),
      ...extra,
    ];

    /**
     * Runs until killed at `atMs` (or, given `when`, as soon as the checkpoint file matches it),
     * then resumes; returns the resumed run's report.
     */
    async function killAndResume(
      dst: string,
      atMs: number,
      when?: RegExp,
      extra: string[] = [],
    ): Promise<SyncSummary> {
      const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
      const running = startCli(env, args(dst, checkpoint, undefined, extra));
      if (when === undefined) await sleep(atMs);
      else {
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          const text = existsSync(checkpoint) ? readFileSync(checkpoint, 'utf8') : '';
          if (when.test(text)) break;
          await sleep(20);
        }
      }
      running.child.kill('SIGKILL');
      const killed = await running.done;
      const report = join(freshDir('report'), 'r.json');
      const resumed = await runCli(env, args(dst, checkpoint, report, extra));
      assert.equal(
        resumed.code,
        0,
        `resumed run (killed at ${atMs} ms, ${killed.signal ?? `exit ${killed.code}`}): ${resumed.stderr}`,
      );
      return JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
    }

    /**
     * What the resumed run must have listed at most: the unsettled keys, on both sides, plus one
     * partial page per side for each range.
     */
    function assertListedOnlyTheRest(summary: SyncSummary, what: string): void {
      const resumed = summary.checkpoint?.resumed;
      const notRelisted = resumed?.keysNotRelisted ?? 0;
      assert.equal(summary.objects.listed + notRelisted, SMALL + LARGE, `${what}: keys`);
      const ranges = summary.checkpoint?.ranges ?? 1;
      const pages = Math.ceil((SMALL + LARGE - notRelisted) / 1000) + ranges;
      assert.ok(
        (summary.requests['ListObjectsV2'] ?? 0) <= 2 * pages,
        `${what}: ${summary.requests['ListObjectsV2']} LIST requests for ${SMALL + LARGE - notRelisted} keys`,
      );
    }

    it('S3→S3 across gateways and users: equal after every kill, nothing left behind', async () => {
      // A full run first: how long the kills may wait.
      const started = performance.now();
      const base = await runCli(env, args(`s3+b://${dstBucket}/full/`, join(freshDir('c'), 'c')));
      assert.equal(base.code, 0, base.stderr);
      const fullMs = performance.now() - started;
      const next = random(10);
      for (let round = 0; round < ROUNDS; round += 1) {
        const atMs = Math.round(200 + next() * Math.max(0, fullMs * 0.95 - 200));
        const prefix = `round-${round}/`;
        // Odd rounds march two ranges at once: the split is journaled before the kill may come.
        const extra = round % 2 === 1 ? ['--list-concurrency', '2'] : [];
        const summary = await killAndResume(
          `s3+b://${dstBucket}/${prefix}`,
          atMs,
          undefined,
          extra,
        );
        const what = `round ${round} (killed at ${atMs} of ~${Math.round(fullMs)} ms${extra.length > 0 ? ', 2 ranges in flight' : ''})`;
        const listed = await listAll(cb, dstBucket, prefix);
        assert.deepEqual([...listed.keys()].sort(), [...expected.keys()].sort(), `${what}: keys`);
        for (const [key, want] of expected) {
          const got = listed.get(key);
          assert.equal(got?.size, want.size, `${what}: size of ${key}`);
          if (want.size >= 8 * 1024 * 1024) {
            assert.equal(await objectMd5(cb, dstBucket, prefix + key), want.md5, `${what}: ${key}`);
          } else {
            // A single-part PUT's ETag is the MD5 the server computed of what it stored.
            assert.equal(got.etag.replaceAll('"', ''), want.md5, `${what}: content of ${key}`);
          }
        }
        assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), [], `${what}: uploads left`);
        assertListedOnlyTheRest(summary, what);
      }
    });

    it('continues a large upload killed half-way from its first missing part', async () => {
      const prefix = 'continued/';
      // Killed once the checkpoint holds three stored parts of the 50 MiB uploads.
      const summary = await killAndResume(
        `s3+b://${dstBucket}/${prefix}`,
        0,
        /("t":"part"[^\n]*\n[^]*){3}/,
      );
      const resumed = summary.checkpoint?.resumed;
      assert.ok(resumed !== undefined, 'the run resumed');
      const continued = resumed.uploadsContinued;
      assert.ok(
        continued.some((u) => u.partsKept > 0),
        `an upload continued: ${JSON.stringify(continued)}`,
      );
      // Parts sent again: at most the missing ones (in flight when killed included) of the
      // continued uploads, and every part of the large objects started afresh.
      const partsPer = LARGE_BYTES / (5 * 1024 * 1024);
      const bound =
        continued.reduce((sum, u) => sum + (partsPer - u.partsKept), 0) +
        partsPer * (LARGE - continued.length);
      assert.ok(
        (summary.requests['UploadPart'] ?? 0) <= bound,
        `${summary.requests['UploadPart']} UploadPart requests, at most ${bound}`,
      );
      assert.ok(
        (summary.requests['ListParts'] ?? 0) >= continued.length,
        'ListParts confirmed them',
      );
      const listed = await listAll(cb, dstBucket, prefix);
      for (const [key, want] of expected) {
        if (want.size < 8 * 1024 * 1024) continue;
        assert.equal(listed.get(key)?.size, want.size, key);
        assert.equal(await objectMd5(cb, dstBucket, prefix + key), want.md5, key);
      }
      assert.equal(listed.size, expected.size);
      assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), []);
    });

    it('S3→local: equal after every kill, no temp file left', async () => {
      const started = performance.now();
      const base = await runCli(env, args(freshDir('full'), join(freshDir('c'), 'c')));
      assert.equal(base.code, 0, base.stderr);
      const fullMs = performance.now() - started;
      const next = random(20);
      for (let round = 0; round < ROUNDS; round += 1) {
        const atMs = Math.round(200 + next() * Math.max(0, fullMs * 0.95 - 200));
        const dir = freshDir(`round-${round}`);
        const summary = await killAndResume(dir, atMs);
        const what = `round ${round} (killed at ${atMs} of ~${Math.round(fullMs)} ms)`;
        const files = walk(dir).sort();
        assert.deepEqual(files, [...expected.keys()].sort(), `${what}: files (no temp file)`);
        for (const [key, want] of expected) {
          assert.equal(md5(readFileSync(join(dir, key))), want.md5, `${what}: ${key}`);
        }
        assertListedOnlyTheRest(summary, what);
      }
    });
  });
}
