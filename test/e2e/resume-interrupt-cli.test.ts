// Ctrl-C (SIGINT, once) during `s3ferry sync --checkpoint`, through the built CLI: the run ends
// at once as interrupted (exit 130), the multipart upload in flight stays at the destination with
// the parts it stored journaled in the checkpoint, and the same command run again continues it
// from its first missing part: exit 0, the summary names the key, fewer UploadPart requests than
// parts, the destination's bytes equal the source's (both read back without s3ferry), and no
// multipart upload left. Without --checkpoint the same Ctrl-C leaves no upload behind. A local
// file rewritten at the same size between the two runs is copied afresh (the recorded upload
// aborted), never continued with the parts of its old content.
// The destination gateway sits behind a fault proxy that holds every UploadPart after part 2 for
// two minutes: when the checkpoint shows two stored parts, the other parts are surely in flight,
// so the interrupted run must abort their requests (it exits long before the proxy lets them go).
// S3→S3 goes across gateways and users (a streamed copy); the second case uploads from local.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SyncSummary } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { cliEnv, runCli, startCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import type { ProxiedRequest } from '../helpers/fault-proxy.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { createBucket, seed, writeTree } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-e2e-interrupt-');
const MiB = 1024 * 1024;
const PART_BYTES = 5 * MiB;
const LARGE_BYTES = 60 * MiB;
const PARTS = LARGE_BYTES / PART_BYTES;
const LARGE_KEY = 'big.bin';
/** How long the proxy holds the parts after the second: far longer than an interrupted run. */
const HOLD_MS = 120_000;
/** What an interrupted run may take from SIGINT to its exit. */
const STOP_WITHIN_MS = 20_000;

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/** The part number of an UploadPart request, undefined for any other request. */
function partNumberOf(request: ProxiedRequest): number | undefined {
  if (request.method !== 'PUT') return undefined;
  const n = new URLSearchParams(request.query).get('partNumber');
  return n === null ? undefined : Number(n);
}

/** The checkpoint's records so far (a torn last line, being written, is left out). */
function journal(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const records: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // The torn tail, or the empty string after the last newline.
    }
  }
  return records;
}

/** The uploads the checkpoint records in flight: key → id and stored parts (number → ETag). */
function recordedUploads(
  path: string,
): Map<string, { uploadId: string; parts: Map<number, string> }> {
  const byId = new Map<string, { key: string; parts: Map<number, string> }>();
  for (const r of journal(path)) {
    const id = String(r['uploadId']);
    if (r['t'] === 'upload') byId.set(id, { key: String(r['key']), parts: new Map() });
    if (r['t'] === 'part') byId.get(id)?.parts.set(Number(r['n']), String(r['etag']));
    if (r['t'] === 'upload-end') byId.delete(id);
  }
  return new Map([...byId].map(([uploadId, u]) => [u.key, { uploadId, parts: u.parts }]));
}

async function uploadsLeft(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }),
  );
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

async function keysUnder(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

async function objectMd5(client: S3Client, bucket: string, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return md5(await got.Body!.transformToByteArray());
}

/** Polls `test` every 20 ms until it holds; fails if the CLI ends first or after two minutes. */
async function until(test: () => boolean, running: { done: Promise<CliResult> }): Promise<void> {
  let ended: CliResult | undefined;
  void running.done.then((result) => {
    ended = result;
  });
  const deadline = Date.now() + 120_000;
  while (!test()) {
    if (ended !== undefined)
      assert.fail(`the run ended first (exit ${ended.code}): ${ended.stderr}`);
    if (Date.now() > deadline) assert.fail('timed out waiting for the run');
    await sleep(20);
  }
}

for (const target of testTargets().filter((t) => t.name === 'rgw')) {
  describe(`sync interrupted with SIGINT, on ${target.name}`, () => {
    const ca = createS3Client(targetSpec(target, { endpoint: 0, user: 0, name: 'a' }));
    const cb = createS3Client(targetSpec(target, { endpoint: 1, user: 1, name: 'b' }));
    let proxy: FaultProxy;
    let srcBucket = '';
    let dstBucket = '';
    const localSrc = freshDir('local-src');
    /** Relative key → content, the same at both sources. */
    const objects: Record<string, Buffer> = {
      [LARGE_KEY]: randomBytes(LARGE_BYTES),
      'notes/a.txt': randomBytes(3 * 1024),
      'notes/b.txt': randomBytes(40 * 1024),
      'z.bin': randomBytes(700 * 1024),
    };
    let env: NodeJS.ProcessEnv = {};

    before(async () => {
      srcBucket = await createBucket(ca, 'int-src');
      dstBucket = await createBucket(cb, 'int-dst');
      await seed(ca, srcBucket, objects);
      writeTree(localSrc, objects);
      // The destination profile goes through the proxy (the same gateway and user behind it).
      proxy = await FaultProxy.start(target.endpoints[1]);
      env = cliEnv(freshDir('home'), {
        a: { endpoint: target.endpoints[0], user: target.users[0] },
        b: { endpoint: proxy.url, user: target.users[1] },
      });
    });

    after(async () => {
      await proxy.close();
      await removeBucket(ca, srcBucket);
      await removeBucket(cb, dstBucket);
      ca.destroy();
      cb.destroy();
    });

    const sources = [
      { name: 'S3→S3 across gateways and users', src: () => `s3+a://${srcBucket}/` },
      { name: 'local→S3', src: () => `${localSrc}/` },
    ];

    const args = (src: string, dst: string, extra: string[]): string[] => [
      'sync',
      src,
      dst,
      '--multipart-threshold',
      '8MiB',
      '--part-size',
      '5MiB',
      ...extra,
    ];

    /** Holds every UploadPart after part 2 in the proxy until the returned rule is removed. */
    const holdLaterParts = () =>
      proxy.failAlways(faults.delay(HOLD_MS), (r) => (partNumberOf(r) ?? 0) > 2);

    /** Sends SIGINT once and waits for the exit; returns the result and the time it took. */
    async function interrupt(running: ReturnType<typeof startCli>): Promise<CliResult> {
      const sent = performance.now();
      running.child.kill('SIGINT');
      const result = await running.done;
      const tookMs = performance.now() - sent;
      assert.ok(
        tookMs < STOP_WITHIN_MS,
        `SIGINT to exit took ${Math.round(tookMs)} ms: the held parts' requests were not aborted`,
      );
      return result;
    }

    /** What a person sees of an interrupted run: exit 130 and `interrupted` on stderr. */
    function assertInterrupted(result: CliResult): void {
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /^s3ferry: interrupted: /m, result.stderr);
      assert.ok(!result.stderr.includes('    at '), 'no stack trace');
    }

    for (const source of sources) {
      it(`${source.name}: Ctrl-C keeps the upload and its parts; the same command continues it`, async () => {
        const prefix = `ckpt-${source.src().startsWith('s3') ? 's3' : 'local'}/`;
        const dst = `s3+b://${dstBucket}/${prefix}`;
        const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
        const report = join(freshDir('report'), 'summary.json');
        const command = args(source.src(), dst, ['--checkpoint', checkpoint, '--report', report]);

        const held = holdLaterParts();
        const running = startCli(env, command);
        await until(
          () => (recordedUploads(checkpoint).get(LARGE_KEY)?.parts.size ?? 0) >= 2,
          running,
        );
        const first = await interrupt(running);
        held.remove();
        assertInterrupted(first);
        assert.match(first.stderr, /checkpoint: .*\(run the same command again to resume\)/);
        const interrupted = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
        assert.equal(interrupted.status, 'interrupted');
        assert.equal(interrupted.requests['AbortMultipartUpload'], undefined, 'nothing aborted');

        // The checkpoint holds the upload, not ended, with the parts stored; so does the server.
        const recorded = recordedUploads(checkpoint).get(LARGE_KEY);
        assert.ok(recorded !== undefined, 'the upload is still recorded in the checkpoint');
        assert.ok(recorded.parts.size >= 2, `${recorded.parts.size} parts recorded`);
        assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), [
          `${prefix}${LARGE_KEY} ${recorded.uploadId}`,
        ]);
        const listed = await cb.send(
          new ListPartsCommand({
            Bucket: dstBucket,
            Key: prefix + LARGE_KEY,
            UploadId: recorded.uploadId,
          }),
        );
        // Every part the server stored was journaled before the run exited, with its ETag (the
        // held parts never reached the server).
        assert.deepEqual(
          (listed.Parts ?? []).map((p) => [p.PartNumber, p.ETag?.replaceAll('"', '')]),
          [...recorded.parts].sort((x, y) => x[0] - y[0]),
        );
        assert.ok(!(await keysUnder(cb, dstBucket, prefix)).includes(LARGE_KEY), 'not completed');
        let fromPart = 1;
        while (recorded.parts.has(fromPart)) fromPart += 1;

        // The same command again.
        const second = await runCli(env, command);
        assert.equal(second.code, 0, second.stderr);
        const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
        assert.equal(summary.status, 'ok');
        const continued = summary.checkpoint?.resumed?.uploadsContinued;
        assert.deepEqual(continued, [{ key: LARGE_KEY, fromPart, partsKept: recorded.parts.size }]);
        assert.ok(fromPart > 1);
        const sent = summary.requests['UploadPart'] ?? 0;
        assert.ok(
          sent < PARTS && sent >= PARTS - recorded.parts.size,
          `${sent} UploadPart requests for the ${PARTS - recorded.parts.size} missing of ${PARTS} parts`,
        );
        assert.equal(summary.requests['CreateMultipartUpload'], undefined, 'no upload started');
        assert.ok((summary.requests['ListParts'] ?? 0) >= 1, 'ListParts confirmed the parts');

        // The destination holds the source's bytes, read back on both sides without s3ferry.
        assert.deepEqual(await keysUnder(cb, dstBucket, prefix), Object.keys(objects).sort());
        for (const key of Object.keys(objects)) {
          const want = source.src().startsWith('s3')
            ? await objectMd5(ca, srcBucket, key)
            : md5(readFileSync(join(localSrc, key)));
          assert.equal(await objectMd5(cb, dstBucket, prefix + key), want, key);
        }
        assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), []);
      });

      it(`${source.name}: without --checkpoint, Ctrl-C leaves no multipart upload`, async () => {
        const prefix = `plain-${source.src().startsWith('s3') ? 's3' : 'local'}/`;
        const dst = `s3+b://${dstBucket}/${prefix}`;
        const held = holdLaterParts();
        const since = proxy.requests.length;
        const running = startCli(env, args(source.src(), dst, []));
        // Interrupted once parts 1 and 2 are stored (their answers went back through the proxy).
        await until(() => {
          const stored = proxy.requests
            .slice(since)
            .filter((r) => r.answerBytes !== undefined && (partNumberOf(r) ?? 0) > 0);
          return stored.length >= 2;
        }, running);
        const result = await interrupt(running);
        held.remove();
        assertInterrupted(result);
        assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), []);
        assert.ok(!(await keysUnder(cb, dstBucket, prefix)).includes(LARGE_KEY));
      });
    }

    it('local→S3: a file rewritten at the same size after Ctrl-C is copied afresh, not continued', async () => {
      const src = freshDir('rewritten-src');
      writeTree(src, { [LARGE_KEY]: objects[LARGE_KEY]! });
      const prefix = 'rewritten/';
      const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
      const report = join(freshDir('report'), 'summary.json');
      const command = args(`${src}/`, `s3+b://${dstBucket}/${prefix}`, [
        '--checkpoint',
        checkpoint,
        '--report',
        report,
      ]);
      const held = holdLaterParts();
      const running = startCli(env, command);
      await until(
        () => (recordedUploads(checkpoint).get(LARGE_KEY)?.parts.size ?? 0) >= 2,
        running,
      );
      const first = await interrupt(running);
      held.remove();
      assertInterrupted(first);
      const recorded = recordedUploads(checkpoint).get(LARGE_KEY);
      assert.ok(recorded !== undefined && recorded.parts.size >= 2);

      // Rewritten in place: same size, other bytes (and a later mtime).
      const rewritten = randomBytes(LARGE_BYTES);
      writeFileSync(join(src, LARGE_KEY), rewritten);
      const second = await runCli(env, command);
      assert.equal(second.code, 0, second.stderr);
      const summary = JSON.parse(readFileSync(report, 'utf8')) as SyncSummary;
      assert.deepEqual(summary.checkpoint?.resumed?.uploadsContinued, []);
      assert.equal(summary.checkpoint.resumed.uploadsAborted, 1, 'the stale upload aborted');
      assert.equal(summary.requests['CreateMultipartUpload'], 1);
      assert.equal(summary.requests['UploadPart'], PARTS);
      assert.equal(await objectMd5(cb, dstBucket, prefix + LARGE_KEY), md5(rewritten));
      assert.deepEqual(await uploadsLeft(cb, dstBucket, prefix), []);
    });
  });
}
