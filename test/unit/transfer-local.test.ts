// Local → local copies and MD5 tasks through runTask and TransferRuntime (no S3 involved): exact
// bytes, kept mtime, no temp files, throttled progress, cancellation, clients-built reporting.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { RequestCounter } from '../../src/s3/request-counter.ts';
import type { TransferContext } from '../../src/s3/transfer/context.ts';
import { runTask } from '../../src/s3/transfer/run-task.ts';
import { TransferRuntime } from '../../src/s3/transfer/runtime.ts';
import type { CopyTask, WorkerMessage } from '../../src/shared/protocol.ts';

function ctxFor(
  signal = new AbortController().signal,
): TransferContext & { reported: () => number } {
  let reported = 0;
  return {
    clientFor: () => assert.fail('no S3 client expected'),
    specFor: () => undefined,
    signal,
    onBytes: (delta) => {
      reported += delta;
    },
    counter: new RequestCounter(),
    reported: () => reported,
  };
}

function localTask(from: string, to: string, sizeBytes: number, id = 1): CopyTask {
  return {
    kind: 'copy',
    id,
    method: 'local',
    src: { kind: 'local', path: from },
    dst: { kind: 'local', path: to },
    sizeBytes,
    mtimeMs: 0,
    multipartThresholdBytes: 8 * 1024 * 1024,
    partSizeBytes: 8 * 1024 * 1024,
    partConcurrency: 1,
  };
}

describe('local copies and hashes', () => {
  let dir: string;
  const data = randomBytes(3 * 1024 * 1024 + 11);
  const mtime = new Date('2020-01-02T03:04:05.000Z');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3ferry-local-'));
    await writeFile(join(dir, 'src.bin'), data);
    await utimes(join(dir, 'src.bin'), mtime, mtime);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies local → local exactly, keeps the mtime and leaves no temp file', async () => {
    const ctx = ctxFor();
    const to = join(dir, 'out', 'deep', 'copy.bin');
    const result = await runTask(localTask(join(dir, 'src.bin'), to, data.length), ctx);
    assert.equal(result.ok, true);
    assert.deepEqual(await readFile(to), data);
    assert.equal((await stat(to)).mtimeMs, mtime.getTime());
    assert.equal(ctx.reported(), data.length);
    assert.deepEqual(await readdir(join(dir, 'out', 'deep')), ['copy.bin']);
    assert.deepEqual(result.requests, {});
  });

  it('reports a missing source as local-io ENOENT and creates nothing', async () => {
    const result = await runTask(localTask(join(dir, 'nope'), join(dir, 'out2', 'x'), 1), ctxFor());
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'local-io');
    assert.equal(result.error.code, 'ENOENT');
  });

  it('computes the MD5 of a file', async () => {
    const result = await runTask({ kind: 'md5', id: 7, path: join(dir, 'src.bin') }, ctxFor());
    assert.equal(result.ok, true);
    assert.equal(result.md5, createHash('md5').update(data).digest('hex'));
    assert.equal(result.bytes, data.length);
  });

  it('reports an aborted task as Aborted without touching the destination', async () => {
    const controller = new AbortController();
    controller.abort();
    const to = join(dir, 'aborted.bin');
    const result = await runTask(
      localTask(join(dir, 'src.bin'), to, data.length),
      ctxFor(controller.signal),
    );
    assert.equal(!result.ok && result.error.code, 'Aborted');
    await assert.rejects(stat(to), { code: 'ENOENT' });
  });

  describe('TransferRuntime', () => {
    const clients = {
      get: (): S3Client => assert.fail('no S3 client expected'),
      clientsBuilt: () => ({ default: 1 }),
    };

    it('posts throttled progress, never more than the bytes the result reports, and clients built', async () => {
      const messages: WorkerMessage[] = [];
      let clock = 0;
      const runtime = new TransferRuntime({
        profiles: {},
        clients,
        worker: { threadId: 3 },
        post: (m) => messages.push(m),
        // Every read advances the clock 50 ms: a message at most every 4 chunks.
        now: () => (clock += 50),
      });
      const result = await runtime.run(
        localTask(join(dir, 'src.bin'), join(dir, 'rt.bin'), data.length, 42),
      );
      assert.equal(result.ok, true);
      assert.deepEqual(result.clientsBuilt, { threadId: 3, built: { default: 1 } });
      assert.ok(messages.length >= 2);
      assert.ok(messages.every((m) => m.id === 42));
      // The tail after the last message rides on the result, not on one more message.
      assert.equal(result.bytes, data.length);
      const posted = messages.reduce((sum, m) => sum + (m.kind === 'bytes' ? m.bytes : 0), 0);
      assert.ok(posted > 0 && posted <= data.length, `${posted} of ${data.length}`);
      assert.equal(runtime.running, 0);
    });

    it('cancels every later task after a cancel-all', async () => {
      const runtime = new TransferRuntime({ profiles: {}, clients });
      runtime.cancel();
      const result = await runtime.run(
        localTask(join(dir, 'src.bin'), join(dir, 'c.bin'), data.length),
      );
      assert.equal(!result.ok && result.error.code, 'Aborted');
      await assert.rejects(stat(join(dir, 'c.bin')), { code: 'ENOENT' });
    });

    it("cancels one task by id in a worker's runtime, and runs the next one", async () => {
      const runtime = new TransferRuntime({ profiles: {}, clients, worker: { threadId: 1 } });
      const running = runtime.run(
        localTask(join(dir, 'src.bin'), join(dir, 'one.bin'), data.length, 7),
      );
      runtime.cancel(7);
      const cancelled = await running;
      assert.equal(!cancelled.ok && cancelled.error.code, 'Aborted');
      await assert.rejects(stat(join(dir, 'one.bin')), { code: 'ENOENT' });
      const next = await runtime.run(
        localTask(join(dir, 'src.bin'), join(dir, 'next.bin'), data.length, 8),
      );
      assert.equal(next.ok, true);
      assert.equal((await stat(join(dir, 'next.bin'))).size, data.length);
    });

    it('leaves clientsBuilt out of the results of the main thread (no threadId)', async () => {
      const runtime = new TransferRuntime({ profiles: {}, clients });
      const result = await runtime.run(
        localTask(join(dir, 'src.bin'), join(dir, 'main.bin'), data.length),
      );
      assert.equal(result.ok, true);
      assert.equal(result.clientsBuilt, undefined);
    });
  });
});
