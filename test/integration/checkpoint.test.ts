// --checkpoint through the library: a run stopped part-way records how far each range settled, and
// the same sync run again resumes there (the destination ends equal to the source, keys settled
// before are not listed again); a finished checkpoint starts a new pass; another job's checkpoint,
// a torn one and a corrupt one are handled as the README says.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { S3FerryError } from '../../src/shared/errors.ts';
import type { SyncEvent } from '../../src/engine/events.ts';
import { createS3Client } from '../../src/s3/client.ts';
import { targetSpec } from '../helpers/profile-spec.ts';
import {
  createBucket,
  fileMd5s,
  fixedConfig,
  md5s,
  objectMd5s,
  runSync,
  seed,
  writeTree,
} from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { testTargets } from '../helpers/targets.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-checkpoint-');

function files(n: number): Objects {
  const out: Objects = {};
  for (let i = 0; i < n; i += 1) {
    out[`d${i % 7}/f${String(i).padStart(5, '0')}.txt`] = `content of ${i} `.repeat(1 + (i % 13));
  }
  return out;
}

/** Runs a sync and aborts it once `after` objects were copied. */
async function interrupted(
  options: Parameters<typeof runSync>[0],
  after: number,
): Promise<Awaited<ReturnType<typeof runSync>>> {
  const abort = new AbortController();
  let copies = 0;
  const events: SyncEvent[] = [];
  const { sync } = await import('../../src/engine/run.ts');
  const summary = await sync(
    { workers: 2, tasksPerWorker: 4, ...options, signal: abort.signal },
    (e) => {
      events.push(e);
      if (e.kind === 'object' && e.action === 'copy' && (copies += 1) === after) abort.abort();
    },
  );
  return { summary, events };
}

describe('sync --checkpoint (local to local)', () => {
  it('resumes an interrupted run from its watermark: same result, settled keys not listed again', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    const tree = files(3000);
    writeTree(src, tree);
    const first = await interrupted({ src, dst, checkpoint, tasksPerWorker: 2 }, 1200);
    assert.equal(first.summary.status, 'interrupted');
    assert.equal(first.summary.checkpoint?.pass, 1);
    assert.equal(first.summary.checkpoint.resumed, undefined);
    // Its cost is reported: what it wrote is the file as it stands, made durable by fsyncs.
    const journal = first.summary.checkpoint.journal;
    assert.equal(journal.bytesWritten, statSync(checkpoint).size, JSON.stringify(journal));
    assert.ok(journal.records > 0 && journal.fsyncs > 0, JSON.stringify(journal));

    const second = await runSync({ src, dst, checkpoint });
    assert.equal(second.summary.status, 'ok');
    assert.deepEqual(fileMd5s(dst), md5s(tree));
    const resumed = second.summary.checkpoint?.resumed;
    assert.ok(resumed !== undefined, 'the second run says it resumed');
    // The pass is the first run's: it began as that run did (its checkpoint opens a moment after
    // the run's start, so the two may straddle a second), not when this one did.
    const passStart = Date.parse(resumed.passStartedAt);
    assert.ok(
      Math.abs(passStart - Date.parse(first.summary.startedAt)) < 2000 &&
        passStart < Date.parse(second.summary.startedAt),
      `pass started ${resumed.passStartedAt}; first run ${first.summary.startedAt}, second ${second.summary.startedAt}`,
    );
    assert.ok(resumed.keysNotRelisted >= 1000, `${resumed.keysNotRelisted} keys not relisted`);
    // The keys settled before are not listed again: this run listed only the rest.
    assert.equal(second.summary.objects.listed + resumed.keysNotRelisted, 3000);
    // Every key is accounted for exactly once. A copy that finished above the first run's
    // watermark (a key before it was still in flight at the stop) is at the destination but not
    // journaled: the second run lists it again and skips it as the same.
    assert.equal(
      resumed.copied + second.summary.objects.copied + second.summary.objects.skipped,
      3000,
      JSON.stringify({ resumed, objects: second.summary.objects }),
    );

    // A finished checkpoint: the next run is a new pass of the same job, listing everything.
    const third = await runSync({ src, dst, checkpoint });
    assert.equal(third.summary.status, 'ok');
    assert.equal(third.summary.checkpoint?.pass, 2);
    assert.equal(third.summary.checkpoint.resumed, undefined);
    assert.equal(third.summary.objects.listed, 3000);
    assert.equal(third.summary.objects.copied, 0);
  });

  it('with ranges in flight, journals the splits and resumes every range from its own watermark', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    const tree = files(12_000);
    writeTree(src, tree);
    const first = await interrupted({ src, dst, checkpoint, listConcurrency: 4 }, 6000);
    assert.equal(first.summary.status, 'interrupted');
    const split = first.summary.checkpoint?.ranges ?? 0;
    assert.ok(split > 1, `the first run split its range (${split} ranges)`);

    const second = await runSync({ src, dst, checkpoint, listConcurrency: 4 });
    assert.equal(second.summary.status, 'ok');
    assert.deepEqual(fileMd5s(dst), md5s(tree));
    const resumed = second.summary.checkpoint?.resumed;
    assert.ok(resumed !== undefined, 'the second run says it resumed');
    // The ranges of the first run were kept, and no settled key was listed again.
    assert.ok((second.summary.checkpoint?.ranges ?? 0) >= split);
    assert.equal(second.summary.checkpoint?.rangesDone, second.summary.checkpoint?.ranges);
    assert.ok(resumed.keysNotRelisted > 0);
    assert.equal(second.summary.objects.listed + resumed.keysNotRelisted, 12_000);
  });

  it('refuses another job’s checkpoint naming what differs, and --fresh discards it', async () => {
    const src = freshDir('src');
    const other = freshDir('other');
    const dst = freshDir('dst');
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    writeTree(src, files(20));
    writeTree(other, files(5));
    await runSync({ src, dst, checkpoint });
    await assert.rejects(
      runSync({ src: other, dst, checkpoint }),
      (error: unknown) =>
        error instanceof S3FerryError &&
        error.kind === 'usage' &&
        error.code === 'CheckpointMismatch' &&
        error.message.includes(`its source is ${src}, this run's is ${other}`),
    );
    await assert.rejects(
      runSync({ src, dst, checkpoint, exclude: ['*.log'] }),
      (error: unknown) =>
        error instanceof S3FerryError &&
        /--exclude patterns is none, this run's is \*\.log/.test(error.message),
    );
    const fresh = await runSync({ src: other, dst: freshDir('dst2'), checkpoint, fresh: true });
    assert.equal(fresh.summary.status, 'ok');
    assert.equal(fresh.summary.checkpoint?.pass, 1);
  });

  it('resumes past a torn last record with a warning, and refuses a corrupt one naming the line', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
    const tree = files(400);
    writeTree(src, tree);
    await interrupted({ src, dst, checkpoint, tasksPerWorker: 1, workers: 1 }, 150);
    // A crash mid-write: half a record at the end.
    appendFileSync(checkpoint, '{"t":"mark","id":"r0","key":"d3/f');
    const resumed = await runSync({ src, dst, checkpoint });
    assert.equal(resumed.summary.status, 'ok');
    assert.deepEqual(fileMd5s(dst), md5s(tree));
    assert.ok(
      resumed.events.some(
        (e) => e.kind === 'warning' && /dropped a torn last record at line \d+/.test(e.message),
      ),
    );
    assert.equal(resumed.summary.checkpoint?.resumed?.droppedTornRecord, true);

    // Garbage in the middle of the file: one line naming the file and the line, no run.
    const lines = readFileSync(checkpoint, 'utf8').split('\n');
    lines.splice(2, 0, 'this is not json');
    writeFileSync(checkpoint, lines.join('\n'));
    await assert.rejects(
      runSync({ src, dst, checkpoint }),
      (error: unknown) =>
        error instanceof S3FerryError &&
        error.code === 'CorruptCheckpoint' &&
        error.message.includes(checkpoint) &&
        /line 3/.test(error.message),
    );
    // Not a checkpoint at all.
    truncateSync(checkpoint, 0);
    writeFileSync(checkpoint, '{"hello":"world"}\n');
    await assert.rejects(
      runSync({ src, dst, checkpoint }),
      (error: unknown) =>
        error instanceof S3FerryError && /not an s3ferry checkpoint/.test(error.message),
    );
  });
});

for (const target of testTargets()) {
  describe(`sync --checkpoint across endpoints and users on ${target.name}`, () => {
    it('resumes an interrupted S3→S3 run with --delete: every key copied, extras deleted after the resume', async () => {
      const a = targetSpec(target, { endpoint: 0, user: 0, name: 'a' });
      const b = targetSpec(target, { endpoint: 1, user: 1, name: 'b' });
      const ca = createS3Client(a);
      const cb = createS3Client(b);
      const srcBucket = await createBucket(ca, 'ckpt-src');
      const dstBucket = await createBucket(cb, 'ckpt-dst');
      const objects = files(1500);
      await seed(ca, srcBucket, objects);
      await seed(cb, dstBucket, { 'zz-extra-1': 'x', 'd0/f00001.txt.old': 'y' });
      const config = fixedConfig({ a, b }, 'a');
      const checkpoint = join(freshDir('ckpt'), 'job.ckpt');
      const options = {
        src: `s3+a://${srcBucket}/`,
        dst: `s3+b://${dstBucket}/`,
        config,
        checkpoint,
        shouldDelete: true,
      };
      const first = await interrupted(options, 600);
      assert.equal(first.summary.status, 'interrupted');
      assert.equal(first.summary.objects.deleted, 0);
      const second = await runSync(options);
      assert.equal(second.summary.status, 'ok');
      assert.equal(second.summary.objects.deleted, 2);
      assert.deepEqual(await objectMd5s(cb, dstBucket), md5s(objects));
      const resumed = second.summary.checkpoint?.resumed;
      assert.ok(resumed !== undefined && resumed.keysNotRelisted > 0);
      // Listing pages of the resumed run: only what was not settled, on each side.
      const rest = 1500 - resumed.keysNotRelisted;
      assert.ok(
        (second.summary.requests['ListObjectsV2'] ?? 0) <= 2 * (Math.ceil(rest / 1000) + 1),
        `${second.summary.requests['ListObjectsV2']} LIST requests for ${rest} keys`,
      );
      ca.destroy();
      cb.destroy();
    });
  });
}
