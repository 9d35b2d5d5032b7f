// The piscina entry (workers/transfer.ts) in real worker threads: tasks from workerData profiles,
// results with clientsBuilt per thread, progress messages, and cooperative cancellation over the
// BroadcastChannel (the task returns Aborted and its multipart upload is aborted — unless the task
// records its upload for a checkpoint: then the upload and its stored parts are left for the next
// run, which continues it).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BroadcastChannel } from 'node:worker_threads';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { Piscina } from 'piscina';
import { createS3Client } from '../../src/s3/client.ts';
import { createBackoffBuffer } from '../../src/s3/shared-backoff.ts';
import type { ProfileSpec } from '../../src/shared/profile.ts';
import type {
  CopyTask,
  TaskResult,
  UploadEvent,
  WorkerInit,
  WorkerMessage,
  WorkerTask,
} from '../../src/shared/protocol.ts';
import { FaultProxy, faults } from '../helpers/fault-proxy.ts';
import { removeBucket } from '../helpers/buckets.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import { testTargets, uniqueBucket } from '../helpers/targets.ts';
import type { TestTarget } from '../helpers/targets.ts';

const MiB = 1024 * 1024;

function specFor(target: TestTarget, name: string, endpointUrl: string): ProfileSpec {
  return targetSpec(target, { name, endpointUrl, maxRetryTimes: 1 });
}

const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

for (const target of testTargets()) {
  describe(`worker entry against ${target.name}`, () => {
    const bucket = uniqueBucket('cp-worker');
    const admin = createS3Client(specFor(target, 'a', target.endpoints[0]));
    const data = randomBytes(12 * MiB + 5);
    let dir: string;
    let proxy: FaultProxy;
    let pool: Piscina<WorkerTask, TaskResult>;
    const cancelChannel = `s3ferry-test-cancel-${process.pid}-${Date.now()}`;
    const messages: WorkerMessage[] = [];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 's3ferry-worker-'));
      await writeFile(join(dir, 'data.bin'), data);
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      proxy = await FaultProxy.start(target.endpoints[0]);
      const init: WorkerInit = {
        profiles: {
          a: specFor(target, 'a', target.endpoints[0]),
          slow: specFor(target, 'slow', proxy.url),
        },
        cacheMode: 'thread_local',
        maxSockets: 8,
        backoffBuffer: createBackoffBuffer(),
        cancelChannel,
      };
      pool = new Piscina({
        filename: new URL('../../workers/transfer.ts', import.meta.url).href,
        workerData: init,
        maxThreads: 2,
        minThreads: 1,
        concurrentTasksPerWorker: 4,
        atomics: 'disabled',
      });
      pool.on('message', (message: WorkerMessage) => messages.push(message));
    });

    after(async () => {
      await pool.destroy();
      await proxy.close();
      await removeBucket(admin, bucket);
      admin.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    const upload = (id: number, profile: string, key: string): CopyTask => ({
      kind: 'copy',
      id,
      method: 'upload',
      src: { kind: 'local', path: join(dir, 'data.bin') },
      dst: { kind: 's3', profile, bucket, key },
      sizeBytes: data.length,
      mtimeMs: 0,
      multipartThresholdBytes: 5 * MiB,
      partSizeBytes: 5 * MiB,
      partConcurrency: 2,
    });

    it('runs an upload and an MD5 task in a worker thread', async () => {
      const [copied, hashed] = await Promise.all([
        pool.run(upload(1, 'a', 'w/data.bin')),
        pool.run({ kind: 'md5', id: 2, path: join(dir, 'data.bin') }),
      ]);
      assert.equal(copied.ok, true, JSON.stringify(copied));
      assert.equal(hashed.ok && hashed.md5, md5(data));
      const out = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: 'w/data.bin' }));
      assert.equal(md5(await out.Body!.transformToByteArray()), md5(data));
      assert.ok(copied.clientsBuilt !== undefined && copied.clientsBuilt.threadId > 0);
      assert.deepEqual(copied.clientsBuilt.built, { a: 1 });
      // The result carries the bytes; progress messages (at most one per 200 ms) report what was
      // in flight before it and never more.
      assert.equal(copied.bytes, data.length);
      const progress = messages
        .filter((m) => m.id === 1)
        .reduce((sum, m) => sum + (m.kind === 'bytes' ? m.bytes : 0), 0);
      assert.ok(progress <= data.length, `${progress} > ${data.length}`);
    });

    it('cancels a running multipart upload over the BroadcastChannel and aborts it', async () => {
      // Parts stall in the proxy, so the task is surely in flight when the cancel arrives.
      proxy.failAlways(faults.delay(2_000), (r) => r.method === 'PUT');
      const running = pool.run(upload(3, 'slow', 'w/cancelled.bin'));
      await new Promise<void>((done) => {
        const poll = setInterval(() => {
          if (proxy.count({ method: 'PUT' }) > 0) {
            clearInterval(poll);
            done();
          }
        }, 10);
      });
      const channel = new BroadcastChannel(cancelChannel);
      channel.postMessage({ kind: 'cancel', id: 3 });
      const result = await running;
      channel.close();
      proxy.clearRules();
      assert.equal(!result.ok && result.error.code, 'Aborted');
      assert.equal(result.requests['AbortMultipartUpload'], 1);
      const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      assert.equal((uploads.Uploads ?? []).length, 0);
    });

    it('leaves a recorded upload a cancel stopped, with its stored part, for the next run to continue', async () => {
      // Part 1 goes through; parts 2 and 3 stall in the proxy until long after the cancel.
      proxy.failAlways(
        faults.delay(60_000),
        (r) => r.method === 'PUT' && /(^|&)partNumber=[23](&|$)/.test(r.query),
      );
      const key = 'w/kept.bin';
      const eventsOf = (id: number): UploadEvent[] =>
        messages.flatMap((m) => (m.kind === 'upload' && m.id === id ? [m.event] : []));
      const running = pool.run({ ...upload(4, 'slow', key), recordsUploads: true });
      // The cancel goes out once the thread has reported part 1 stored.
      await new Promise<void>((done) => {
        const poll = setInterval(() => {
          if (eventsOf(4).some((e) => e.type === 'part')) {
            clearInterval(poll);
            done();
          }
        }, 10);
      });
      const channel = new BroadcastChannel(cancelChannel);
      channel.postMessage({ kind: 'cancel', id: 4 });
      const started = performance.now();
      const result = await running;
      channel.close();
      proxy.clearRules();
      assert.ok(performance.now() - started < 20_000, 'the stalled parts were aborted at once');
      assert.equal(!result.ok && result.error.code, 'Aborted');
      assert.equal(result.requests['AbortMultipartUpload'], undefined, 'the upload was kept');
      const uploads = await admin.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }),
      );
      const events = eventsOf(4);
      assert.deepEqual(
        events.map((e) => e.type),
        ['started', 'part'],
        'started, part 1 stored, never ended',
      );
      const [begun, part] = events;
      assert.ok(begun?.type === 'started' && part?.type === 'part');
      assert.equal(part.partNumber, 1);
      assert.deepEqual(
        (uploads.Uploads ?? []).map((u) => u.UploadId),
        [begun.uploadId],
      );
      const parts = await admin.send(
        new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: begun.uploadId }),
      );
      assert.deepEqual(
        (parts.Parts ?? []).map((p) => [p.PartNumber, p.ETag?.replaceAll('"', '')]),
        [[1, part.etag]],
      );

      // The next run's task continues it from part 2, without the proxy.
      const resumed = await pool.run({
        ...upload(5, 'a', key),
        recordsUploads: true,
        resumeUpload: {
          uploadId: begun.uploadId,
          partSizeBytes: 5 * MiB,
          parts: [[1, part.etag, part.sizeBytes]],
        },
      });
      assert.equal(resumed.ok, true, JSON.stringify(resumed));
      assert.equal(resumed.requests['CreateMultipartUpload'], undefined);
      assert.equal(resumed.requests['UploadPart'], 2);
      // Upload events travel on another port than results: the end may come just after.
      for (let waited = 0; !eventsOf(5).some((e) => e.type === 'ended') && waited < 5_000;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        waited += 10;
      }
      assert.deepEqual(
        eventsOf(5)
          .map((e) => (e.type === 'part' ? `part ${e.partNumber}` : e.type))
          .sort(),
        ['ended', 'part 2', 'part 3'],
      );
      const out = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(md5(await out.Body!.transformToByteArray()), md5(data));
      const left = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      assert.equal((left.Uploads ?? []).length, 0);
    });
  });
}
