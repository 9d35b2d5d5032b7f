// Static shards through the library: planShards() and writePlanFile(), then sync() with `plan`
// and `shard` for each shard, on local directories: each shard copies only its range, together
// they copy every file once, a file added after the plan included.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planShards, readPlanFile, sync, writePlanFile } from '../../src/index.ts';
import { fileMd5s, md5s, writeTree } from '../helpers/sync-fixtures.ts';
import type { Objects } from '../helpers/sync-fixtures.ts';
import { tempRoot } from '../helpers/temp-dir.ts';

const { freshDir } = tempRoot('s3ferry-shards-lib-');

describe('static shards (library)', () => {
  it('planShards() then sync({ plan, shard }) per shard copies every file exactly once', async () => {
    const src = freshDir('src');
    const dst = freshDir('dst');
    const files: Objects = {};
    for (let i = 0; i < 300; i += 1) files[`d${i % 3}/f${String(i).padStart(3, '0')}`] = `f${i}`;
    writeTree(src, files);
    const plan = await planShards({ src, dst, ranges: 3, exclude: ['*.tmp'] });
    assert.deepEqual(
      plan.ranges.map((r) => r.keys),
      [100, 100, 100],
    );
    const file = join(freshDir('plan'), 'plan.json');
    await writePlanFile(file, plan);
    assert.deepEqual(await readPlanFile(file), plan);
    writeTree(src, { 'zz-late': 'added after the plan', 'a-early': 'also' });
    writeFileSync(join(src, 'skip.tmp'), 'excluded');

    const copied: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const summary = await sync({
        src,
        dst,
        plan: file,
        shard: { index, count: 3 },
        exclude: ['*.tmp'],
        workers: 1,
        tasksPerWorker: 4,
      });
      assert.equal(summary.status, 'ok');
      const { after, until } = plan.ranges[index]!;
      assert.deepEqual(summary.shard, {
        plan: file,
        index,
        count: 3,
        ...(after === undefined ? {} : { after }),
        ...(until === undefined ? {} : { until }),
      });
      copied.push(summary.objects.copied);
    }
    assert.deepEqual(copied, [101, 100, 101]);
    assert.deepEqual(
      fileMd5s(dst),
      md5s({ ...files, 'zz-late': 'added after the plan', 'a-early': 'also' }),
    );
    await assert.rejects(
      sync({ src, dst, plan: file, shard: { index: 3, count: 3 } }),
      /--shard must be I\/N with 0 ≤ I < N .*got 3\/3/,
    );
  });
});
