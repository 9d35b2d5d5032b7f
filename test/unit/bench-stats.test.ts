import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimeOutput } from '../../scripts/bench/measure.ts';
import { runOrder } from '../../scripts/bench/peers.ts';
import {
  fmtBytes,
  fmtRatio,
  fmtSpread,
  perSecond,
  ratio,
  scaleBytes,
  scaleCount,
  spread,
} from '../../scripts/bench/stats.ts';
import { keyOf, workloads } from '../../scripts/bench/workloads.ts';

describe('bench stats', () => {
  it('takes the median of odd and even counts, with the range', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
    assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
    assert.equal(spread([]), undefined);
    assert.deepEqual(spread([Number.NaN, 5]), { median: 5, min: 5, max: 5, n: 1 });
  });

  it('computes rates and ratios, undefined where they make no sense', () => {
    assert.equal(perSecond(100, 2000), 50);
    assert.equal(perSecond(100, 0), undefined);
    assert.equal(ratio(1, 4), 0.25);
    assert.equal(ratio(1, 0), undefined);
    assert.equal(ratio(undefined, 2), undefined);
  });

  it('formats a spread as median (min–max), a single run as its value', () => {
    assert.equal(fmtSpread({ median: 14.65, min: 14.47, max: 15.67, n: 3 }), '14.7 (14.5–15.7)');
    assert.equal(fmtSpread({ median: 0.5, min: 0.5, max: 0.5, n: 1 }), '0.500');
    assert.equal(
      fmtSpread({ median: 1234.4, min: 1000, max: 2000, n: 3 }, 0),
      '1,234 (1,000–2,000)',
    );
    assert.equal(fmtSpread(undefined), '–');
    assert.equal(fmtRatio(0.934), '0.93×');
    assert.equal(fmtRatio(undefined), '–');
  });

  it('formats byte counts as B, KiB or MiB', () => {
    assert.equal(fmtBytes(812), '812 B');
    assert.equal(fmtBytes(3000), '2.93 KiB');
    assert.equal(fmtBytes(150 * 1024), '150 KiB');
    assert.equal(fmtBytes(12.5 * 1024 ** 2), '12.5 MiB');
    assert.equal(fmtBytes(undefined), '–');
  });

  it('scales counts and sizes with floors', () => {
    assert.equal(scaleCount(10_000, 0.01, 20), 100);
    assert.equal(scaleCount(2_000, 0.001, 20), 20);
    assert.equal(scaleBytes(64 * 1024 ** 2, 0.1, 1024 ** 2), 6_554 * 1024);
    assert.equal(scaleBytes(64 * 1024 ** 2, 0.001, 1024 ** 2), 1024 ** 2);
  });

  it('parses GNU time output, ignoring what the tool printed before it', () => {
    assert.deepEqual(parseTimeOutput('Command exited with non-zero status 1\n1.25 0.50 20480\n'), {
      cpuSeconds: 1.75,
      peakRssBytes: 20480 * 1024,
    });
    assert.throws(() => parseTimeOutput('garbage'), /unexpected output/);
  });
});

describe('bench workloads', () => {
  it('are the six of issue 5 §2 at scale 1', () => {
    const byId = new Map(workloads(1).map((w) => [w.id, w]));
    assert.deepEqual([...byId.keys()], ['A', 'B', 'C', 'D', 'E', 'F']);
    const a = byId.get('A')!;
    const b = byId.get('B')!;
    const d = byId.get('D')!;
    assert.ok(a.id === 'A' && a.count === 10_000 && a.sizeBytes === 1024 && a.layout === 'same');
    assert.ok(b.id === 'B' && b.count === 20 && b.sizeBytes === 64 * 1024 ** 2);
    assert.ok(
      d.id === 'D' && d.count === 4 && d.sizeBytes === 512 * 1024 ** 2 && d.layout === 'cross',
    );
    assert.equal(byId.get('E')!.count, 100_000);
    assert.equal(byId.get('F')!.count, 1_000_000);
  });

  it('measure the checkpoint overhead on A, C and E', () => {
    const ids = workloads(0.01)
      .filter((w) => w.id !== 'F' && w.measuresCheckpoint)
      .map((w) => w.id);
    assert.deepEqual(ids, ['A', 'C', 'E']);
  });

  it('makes fixed-width keys that sort like their numbers within a directory', () => {
    assert.equal(keyOf(7, 10_000), 'd07/obj-00007');
    assert.equal(keyOf(123_456, 1_000_000), 'd56/obj-123456');
    const keys = Array.from({ length: 300 }, (_, i) => keyOf(i, 300)).filter((k) =>
      k.startsWith('d05/'),
    );
    assert.deepEqual(keys, [...keys].sort());
  });
});

describe('bench run order', () => {
  const tools = ['s3ferry', 's3ferry+ckpt', 'rclone', 'aws'] as const;

  it('rotates by one place per run, the ceiling last in run 1', () => {
    assert.deepEqual(runOrder(['s3ferry', 'rclone'], 1, false), [
      's3ferry',
      'rclone',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(runOrder(['s3ferry', 'rclone'], 2, false), [
      'rclone',
      'ceiling',
      'floor',
      's3ferry',
    ]);
  });

  it('runs s3ferry and s3ferry+ckpt back to back, alternating which goes first', () => {
    assert.deepEqual(runOrder(tools, 1, true), [
      's3ferry',
      's3ferry+ckpt',
      'rclone',
      'aws',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(runOrder(tools, 2, true), [
      'rclone',
      'aws',
      'ceiling',
      'floor',
      's3ferry+ckpt',
      's3ferry',
    ]);
    assert.deepEqual(runOrder(tools, 5, true), [
      's3ferry',
      's3ferry+ckpt',
      'rclone',
      'aws',
      'ceiling',
      'floor',
    ]);
    for (let run = 1; run <= 6; run++) {
      const order = runOrder(tools, run, true);
      const at = order.indexOf('s3ferry');
      assert.equal(Math.abs(at - order.indexOf('s3ferry+ckpt')), 1);
      assert.equal(order.length, 6);
    }
  });

  it('leaves s3ferry+ckpt out of workloads without the checkpoint, keeps it alone', () => {
    assert.deepEqual(runOrder(tools, 1, false), ['s3ferry', 'rclone', 'aws', 'ceiling', 'floor']);
    assert.deepEqual(runOrder(['s3ferry+ckpt'], 1, true), ['s3ferry+ckpt', 'ceiling', 'floor']);
    assert.deepEqual(runOrder(['s3ferry+ckpt'], 1, false), ['ceiling', 'floor']);
  });

  it('runs s3ferry and the queue variants back to back on distributed workloads, rotated', () => {
    const all = ['s3ferry', 's3ferry+ckpt', 's3ferry+queue1', 's3ferry+queue3', 'rclone'] as const;
    assert.deepEqual(runOrder(all, 1, true, true), [
      's3ferry',
      's3ferry+ckpt',
      's3ferry+queue1',
      's3ferry+queue3',
      'rclone',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(runOrder(all, 2, true, true), [
      'rclone',
      'ceiling',
      'floor',
      's3ferry+ckpt',
      's3ferry+queue1',
      's3ferry+queue3',
      's3ferry',
    ]);
    assert.deepEqual(runOrder(all, 2, false, true), [
      'rclone',
      'ceiling',
      'floor',
      's3ferry+queue1',
      's3ferry+queue3',
      's3ferry',
    ]);
    // Not a distributed workload (the default): the queue variants stay out.
    assert.deepEqual(runOrder(all, 1, true), [
      's3ferry',
      's3ferry+ckpt',
      'rclone',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(runOrder(['s3ferry+queue1'], 1, false, true), [
      's3ferry+queue1',
      'ceiling',
      'floor',
    ]);
    assert.deepEqual(runOrder(['s3ferry+queue1'], 1, false), ['ceiling', 'floor']);
    // Within their place, each of the three goes first once in three runs.
    const three = ['s3ferry', 's3ferry+queue1', 's3ferry+queue3'] as const;
    const firsts = [1, 2, 3].map((run) =>
      runOrder(three, run, false, true).find((t) => t !== 'ceiling' && t !== 'floor'),
    );
    assert.deepEqual(firsts, ['s3ferry', 's3ferry+queue1', 's3ferry+queue3']);
  });
});
