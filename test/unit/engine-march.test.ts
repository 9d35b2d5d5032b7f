// The march core with its two policies, on local roots (real directories, listed by the real
// roots) and a fake executor that records the tasks it is given: which keys sync copies, skips or
// finds extraneous, what check reports, that a hash never holds a copy slot, and how the range's
// watermark moves when copies finish out of order.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkPolicy } from '../../src/engine/check-policy.ts';
import { CheckTally } from '../../src/engine/check-tally.ts';
import type { CheckEvent } from '../../src/engine/check-types.ts';
import { createMarch, rangeMarch } from '../../src/engine/march.ts';
import { resolveSyncOptions } from '../../src/engine/options.ts';
import type { SyncOptions } from '../../src/engine/options.ts';
import { localRoots } from '../helpers/local-roots.ts';
import { openListings } from '../../src/engine/session.ts';
import type { Roots } from '../../src/engine/session.ts';
import { syncPolicy } from '../../src/engine/sync-policy.ts';
import { RunTally } from '../../src/engine/summary.ts';
import type { SyncEvent } from '../../src/engine/events.ts';
import { emptyEstimate } from '../../src/plan/cost.ts';
import { WHOLE_RANGE } from '../../src/plan/key-range.ts';
import type { TaskResult, WorkerTask } from '../../src/shared/protocol.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-06-01T00:00:00Z');

async function put(root: string, key: string, body: string, mtime: Date): Promise<void> {
  const path = join(root, key);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, body);
  await utimes(path, mtime, mtime);
}

/** An executor that records every task and answers as `answer` says (by default: success). */
class FakeExecutor {
  readonly tasks: WorkerTask[] = [];
  running = 0;
  maxCopiesRunning = 0;
  readonly #answer: (task: WorkerTask) => Promise<TaskResult>;

  constructor(answer?: (task: WorkerTask) => Promise<TaskResult>) {
    this.#answer = answer ?? ((task) => Promise.resolve(ok(task)));
  }

  async run(task: WorkerTask): Promise<TaskResult> {
    this.tasks.push(task);
    if (task.kind === 'copy') {
      this.running += 1;
      this.maxCopiesRunning = Math.max(this.maxCopiesRunning, this.running);
    }
    try {
      return await this.#answer(task);
    } finally {
      if (task.kind === 'copy') this.running -= 1;
    }
  }

  keysOf(kind: WorkerTask['kind']): string[] {
    return this.tasks
      .filter((t) => t.kind === kind)
      .map((t) => {
        if (t.kind === 'copy') return t.dst.kind === 'local' ? t.dst.path : '';
        return t.kind === 'md5' ? t.path : '';
      });
  }
}

function ok(task: WorkerTask, md5 = '0'.repeat(32)): TaskResult {
  return {
    id: task.id,
    ok: true,
    bytes: task.kind === 'copy' ? task.sizeBytes : 0,
    requests: {},
    ...(task.kind === 'md5' ? { md5 } : {}),
  };
}

/** A march with the sync policy over local-to-local roots and `exec`. */
function syncMarch(
  roots: Roots,
  exec: FakeExecutor,
  extra: Partial<SyncOptions> & { transfers?: number } = {},
) {
  const options = resolveSyncOptions({ src: 'unused', dst: 'unused', ...extra });
  const tally = new RunTally(100);
  const events: SyncEvent[] = [];
  const spooled: string[] = [];
  const march = createMarch({
    policy: (run) =>
      syncPolicy(
        {
          roots,
          executor: exec,
          tally,
          options,
          direction: 'local-to-local',
          method: 'local',
          spool: {
            add: (key) => {
              spooled.push(key);
              return Promise.resolve();
            },
          },
          planned: emptyEstimate(),
          isCancelled: () => false,
          emit: (e) => events.push(e),
        },
        run,
      ),
    checkers: options.checkers,
    transfers: extra.transfers ?? 4,
    cancel: { cancel: () => undefined },
  });
  return { march, tally, events, spooled };
}

/** Marches the whole key space with the sync policy until every copy ended. */
async function runSync(
  roots: Roots,
  exec: FakeExecutor,
  extra: Partial<SyncOptions> & { transfers?: number } = {},
) {
  const { march, tally, events, spooled } = syncMarch(roots, exec, extra);
  const range = rangeMarch('r0', WHOLE_RANGE);
  const isListed = await march.marchRange(range, await openListings(roots, WHOLE_RANGE));
  await march.drained();
  return { tally, events, spooled, range, isListed, lanes: march.lanes };
}

function objectEvents(events: SyncEvent[]): string[] {
  return events.flatMap((e) =>
    e.kind === 'object' ? [`${e.action} ${e.key} ${'reason' in e ? e.reason : ''}`] : [],
  );
}

describe('the march with the sync policy (local roots, fake executor)', () => {
  let base: string;
  let roots: Roots;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 's3ferry-march-'));
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    await put(src, 'a.txt', 'only at the source', T1);
    await put(src, 'b.txt', 'same', T1);
    await put(dst, 'b.txt', 'same', T1);
    await put(src, 'c.txt', 'longer at the source', T1);
    await put(dst, 'c.txt', 'short', T1);
    await put(dst, 'd.txt', 'only at the destination', T0);
    await put(src, 'e/f.txt', 'newer', T1);
    await put(dst, 'e/f.txt', 'older', T0);
    roots = await localRoots(src + '/', dst + '/');
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('copies what is missing, different or newer, skips the same, spools the extraneous key', async () => {
    const exec = new FakeExecutor();
    const run = await runSync(roots, exec, { shouldDelete: true });
    assert.deepEqual(objectEvents(run.events).sort(), [
      'copy a.txt missing',
      'copy c.txt size-differs',
      'copy e/f.txt newer',
      'skip b.txt same',
    ]);
    assert.deepEqual(
      exec
        .keysOf('copy')
        .map((p) => p.slice(base.length))
        .sort(),
      ['/dst/a.txt', '/dst/c.txt', '/dst/e/f.txt'],
    );
    assert.deepEqual(run.spooled, ['d.txt']);
    assert.equal(run.isListed, true);
    // Every key settled: the watermark is at the last key, with the counts of the range.
    assert.equal(run.range.watermark.mark, 'e/f.txt');
    assert.deepEqual(run.range.watermark.settled, {
      keys: 4,
      copied: 3,
      copiedBytes: 'only at the source'.length + 'longer at the source'.length + 'newer'.length,
      skipped: 1,
      failed: 0,
    });
    assert.equal(run.tally.toCopy, 3);
  });

  it('keeps the watermark below a copy that has not finished, while later ones have', async () => {
    let releaseA: (() => void) | undefined;
    const exec = new FakeExecutor(async (task) => {
      if (task.kind === 'copy' && task.dst.kind === 'local' && task.dst.path.endsWith('a.txt')) {
        await new Promise<void>((resolve) => {
          releaseA = resolve;
        });
      }
      return ok(task);
    });
    const { march } = syncMarch(roots, exec);
    const range = rangeMarch('r0', WHOLE_RANGE);
    await march.marchRange(range, await openListings(roots, WHOLE_RANGE));
    // Let every other copy finish.
    while (exec.tasks.length < 3 || exec.running > 1) await new Promise((r) => setImmediate(r));
    assert.equal(range.watermark.mark, undefined, 'a.txt, the first key, is still copying');
    assert.equal(range.watermark.pendingCount, 3);
    releaseA?.();
    await march.drained();
    assert.equal(range.watermark.mark, 'e/f.txt');
    assert.equal(range.watermark.pendingCount, 0);
  });

  it('records a failed copy as failed and settles it (the mark passes it)', async () => {
    const exec = new FakeExecutor((task) =>
      Promise.resolve(
        task.kind === 'copy' && task.dst.kind === 'local' && task.dst.path.endsWith('c.txt')
          ? {
              id: task.id,
              ok: false,
              requests: {},
              error: {
                kind: 'local-io',
                code: 'EACCES',
                message: 'permission denied',
                retryable: false,
                fatal: false,
              },
            }
          : ok(task),
      ),
    );
    const run = await runSync(roots, exec);
    assert.equal(run.tally.failed, 1);
    assert.deepEqual(
      run.events.flatMap((e) => (e.kind === 'failure' ? [`${e.key} ${e.error.code}`] : [])),
      ['c.txt EACCES'],
    );
    assert.equal(run.range.watermark.settled.failed, 1);
    assert.equal(run.range.watermark.mark, 'e/f.txt');
  });

  it('--fail-fast stops the run after the first failure: later copies are not started', async () => {
    const exec = new FakeExecutor((task) =>
      Promise.resolve({
        id: task.id,
        ok: false,
        requests: {},
        error: { kind: 'local-io', code: 'EIO', message: 'broken', retryable: false, fatal: false },
      } as TaskResult),
    );
    const run = await runSync(roots, exec, { failFast: true, transfers: 1 });
    assert.equal(run.lanes.stopReason, 'fail-fast');
    assert.equal(exec.keysOf('copy').length, 1, 'one copy ran, then the run stopped');
    assert.equal(run.isListed, false);
  });

  it('--checksum hashes in the check lane: a hash runs while every copy slot is taken', async () => {
    // Same size and mtime everywhere, so --checksum must hash both local sides of each match.
    const src = join(base, 'hash-src');
    const dst = join(base, 'hash-dst');
    await put(src, 'a.txt', 'missing at dst', T1);
    for (const key of ['m1.txt', 'm2.txt', 'm3.txt']) {
      await put(src, key, 'same', T1);
      await put(dst, key, 'same', T1);
    }
    const hashRoots = await localRoots(src + '/', dst + '/');
    let releaseCopy: (() => void) | undefined;
    const exec = new FakeExecutor(async (task) => {
      if (task.kind === 'copy') {
        await new Promise<void>((resolve) => {
          releaseCopy = resolve;
        });
      }
      return ok(task, 'f'.repeat(32));
    });
    const done = runSync(hashRoots, exec, { mode: 'checksum', transfers: 1 });
    // The one copy slot is held by a.txt's copy; all six hashes still run.
    while (exec.keysOf('md5').length < 6) await new Promise((r) => setImmediate(r));
    assert.equal(exec.running, 1);
    releaseCopy?.();
    const run = await done;
    assert.deepEqual(objectEvents(run.events).sort(), [
      'copy a.txt missing',
      'skip m1.txt checksum-same',
      'skip m2.txt checksum-same',
      'skip m3.txt checksum-same',
    ]);
    assert.equal(exec.maxCopiesRunning, 1);
  });
});

describe('the march with the check policy (local roots, fake executor)', () => {
  let base: string;
  let roots: Roots;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 's3ferry-march-check-'));
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    await put(src, 'a.txt', 'only at the source', T1);
    await put(src, 'b.txt', 'same', T1);
    await put(dst, 'b.txt', 'same', T1);
    await put(src, 'c.txt', 'longer at the source', T1);
    await put(dst, 'c.txt', 'short', T1);
    await put(dst, 'd.txt', 'only at the destination', T0);
    roots = await localRoots(src + '/', dst + '/');
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('reports missing, extra and size differences, and compares equal sizes by the MD5s of both files', async () => {
    // The fake hashes b.txt differently on each side: the check must call it md5-differs.
    const exec = new FakeExecutor((task) =>
      Promise.resolve(
        ok(
          task,
          task.kind === 'md5' && task.path.includes('/dst/') ? 'd'.repeat(32) : 'e'.repeat(32),
        ),
      ),
    );
    const tally = new CheckTally(100, 100);
    const events: CheckEvent[] = [];
    const march = createMarch({
      policy: (run) =>
        checkPolicy(
          {
            roots,
            executor: exec,
            tally,
            isDownload: false,
            isCancelled: () => false,
            emit: (e) => events.push(e),
          },
          run,
        ),
      checkers: 4,
      transfers: 1,
      cancel: { cancel: () => undefined },
    });
    await march.marchRange(rangeMarch('r0', WHOLE_RANGE), await openListings(roots, WHOLE_RANGE));
    await march.drained();
    assert.deepEqual(
      events.flatMap((e) => (e.kind === 'difference' ? [`${e.key} ${e.difference}`] : [])).sort(),
      ['a.txt missing', 'b.txt md5-differs', 'c.txt size-differs', 'd.txt extra'],
    );
    assert.deepEqual(
      exec
        .keysOf('md5')
        .map((p) => p.slice(base.length))
        .sort(),
      ['/dst/b.txt', '/src/b.txt'],
    );
    assert.equal(exec.keysOf('copy').length, 0, 'check never copies');
    assert.equal(tally.snapshot().objectsChecked, 4);
  });
});
