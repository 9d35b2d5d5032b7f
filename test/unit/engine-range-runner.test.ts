// Ranges in flight: a large range is split while it is listed, the parts are marched at once,
// and every key is still handed out exactly once — on local roots with a fake executor.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMarch } from '../../src/engine/march.ts';
import { resolveSyncOptions } from '../../src/engine/options.ts';
import { RangeRunner, splitUnrecorded } from '../../src/engine/range-runner.ts';
import { localRoots } from '../helpers/local-roots.ts';
import { openListings } from '../../src/engine/session.ts';
import type { Roots } from '../../src/engine/session.ts';
import { syncPolicy } from '../../src/engine/sync-policy.ts';
import { RunTally } from '../../src/engine/summary.ts';
import { zeroCounts } from '../../src/job/watermark.ts';
import { emptyEstimate } from '../../src/plan/cost.ts';
import { compareKeys } from '../../src/plan/compare-keys.ts';
import { inRange, WHOLE_RANGE } from '../../src/plan/key-range.ts';
import { splitRest } from '../../src/plan/range-split.ts';
import type { TaskResult, WorkerTask } from '../../src/shared/protocol.ts';

const COUNT = 1500;
const keyOf = (i: number): string => `img/${String(i).padStart(6, '0')}.jpg`;

async function runRanges(roots: Roots, inFlight: number) {
  const copied: string[] = [];
  const executor = {
    run: async (task: WorkerTask): Promise<TaskResult> => {
      // Copies end later, out of order with the listing.
      await new Promise((resolve) => setImmediate(resolve));
      if (task.kind === 'copy' && task.src.kind === 'local') {
        copied.push(task.src.path.slice(task.src.path.indexOf('/img/') + 1));
      }
      return { id: task.id, ok: true, bytes: 1, requests: {} };
    },
  };
  const options = resolveSyncOptions({ src: 'unused', dst: 'unused' });
  const tally = new RunTally(10);
  const march = createMarch({
    policy: (run) =>
      syncPolicy(
        {
          roots,
          executor,
          tally,
          options,
          direction: 'local-to-local',
          method: 'local',
          spool: { add: () => Promise.resolve() },
          planned: emptyEstimate(),
          isCancelled: () => false,
          emit: () => undefined,
        },
        run,
      ),
    checkers: 2,
    transfers: 8,
    cancel: { cancel: () => undefined },
  });
  const runner = new RangeRunner({
    march,
    openListings: (range) => openListings(roots, range),
    inFlight,
    splitAfterKeys: 100,
    cut: (range, position, seen, parts) =>
      splitRest(range, position, seen, parts, { keysPerPart: 200 }),
    recordSplit: splitUnrecorded,
  });
  const first = {
    id: 'r0',
    range: WHOLE_RANGE,
    mark: undefined,
    counts: zeroCounts(),
    isDone: false,
  };
  const isListed = await runner.run([first]);
  await march.drained();
  return { copied, isListed, runner };
}

describe('RangeRunner (local roots, fake executor)', () => {
  let base: string;
  let roots: Roots;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 's3ferry-ranges-'));
    await mkdir(join(base, 'src', 'img'), { recursive: true });
    await mkdir(join(base, 'dst'), { recursive: true });
    await Promise.all(
      Array.from({ length: COUNT }, (_, i) => writeFile(join(base, 'src', keyOf(i)), 'x')),
    );
    roots = await localRoots(join(base, 'src') + '/', join(base, 'dst') + '/');
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('splits a large range into ranges that tile the key space and copies every key once', async () => {
    const { copied, isListed, runner } = await runRanges(roots, 4);
    assert.equal(isListed, true);
    assert.ok(runner.splits > 0, 'the range was split');
    // Every key exactly once.
    assert.equal(copied.length, COUNT);
    assert.deepEqual(
      [...copied].sort(compareKeys),
      Array.from({ length: COUNT }, (_, i) => keyOf(i)),
    );
    // The ranges tile the whole key space: sorted by start, each starts where the last ended.
    const ranges = [...runner.states.values()].map((s) => s.range);
    ranges.sort((a, b) =>
      a.after === undefined ? -1 : b.after === undefined ? 1 : compareKeys(a.after, b.after),
    );
    assert.equal(ranges[0]?.after, undefined);
    assert.equal(ranges.at(-1)?.until, undefined);
    for (let i = 1; i < ranges.length; i += 1) {
      assert.equal(ranges[i]?.after, ranges[i - 1]?.until, `range ${i} starts where ${i - 1} ends`);
    }
    // Each key lies in exactly one range, and each range's march ended at its last key.
    for (const key of copied) {
      assert.equal(ranges.filter((r) => inRange(key, r)).length, 1, key);
    }
    for (const [id, march] of runner.marches) {
      const range = runner.states.get(id)?.range ?? WHOLE_RANGE;
      const inIt = copied.filter((k) => inRange(k, range)).sort(compareKeys);
      assert.equal(march.watermark.mark, inIt.at(-1), `range ${id}`);
      assert.equal(march.watermark.settled.copied, inIt.length, `range ${id}`);
    }
  });

  it('with one range in flight, never splits', async () => {
    const { copied, runner } = await runRanges(roots, 1);
    assert.equal(runner.splits, 0);
    assert.equal(runner.states.size, 1);
    assert.equal(copied.length, COUNT);
  });
});
