// The distributed job's state in a real redis-server: a split is one transaction (the range
// shrinks and the new ranges are open together), a done range leaves the open set, uploads are
// found by the range of their key, and starting a job over under a name removes that job's keys
// only (not those of a job whose name starts with it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RangeState } from '../../src/job/checkpoint.ts';
import { zeroCounts } from '../../src/job/watermark.ts';
import type { JobSpec } from '../../src/distributed/job-spec.ts';
import { JobStore, connectRedis, rangeIdOf } from '../../src/distributed/job-store.ts';
import { parseQueueUrl } from '../../src/distributed/queue-url.ts';
import { startTestRedis } from '../helpers/redis.ts';
import type { Redis } from 'ioredis';

function range(after?: string, until?: string): RangeState {
  const r = {
    ...(after === undefined ? {} : { after }),
    ...(until === undefined ? {} : { until }),
  };
  return { id: rangeIdOf(r), range: r, mark: undefined, counts: zeroCounts(), isDone: false };
}

const spec = { format: 's3ferry-job', version: 1, src: 's3+a://b/', dst: 's3+b://c/' } as JobSpec;

describe('JobStore on redis-server', async () => {
  const server = await startTestRedis({ persistence: 'none' });
  let redis: Redis;

  before(async () => {
    redis = await connectRedis(parseQueueUrl(server.url));
  });
  after(() => {
    redis.disconnect();
  });

  it('splits in one step, finishes ranges out of the open set, and keeps marks and counts', async () => {
    const store = new JobStore(redis, 'split');
    const whole = range();
    await store.create(spec, 1, whole);
    assert.deepEqual(await store.openIds(), ['after:']);
    const added = [range('m', 't'), range('t')];
    whole.range = { until: 'm' };
    await store.split(whole, added);
    assert.deepEqual((await store.openIds()).sort(), ['after:', 'after:m', 'after:t']);
    const stored = await store.ranges();
    assert.deepEqual(
      stored.map((r) => [r.state.id, r.state.range.after, r.state.range.until, r.started]),
      [
        ['after:', undefined, 'm', true],
        ['after:m', 'm', 't', false],
        ['after:t', 't', undefined, false],
      ],
    );
    whole.mark = 'k';
    whole.counts = { ...zeroCounts(), keys: 7, copied: 5, copiedBytes: 50, skipped: 2 };
    whole.isDone = true;
    await store.finishRange(whole);
    assert.deepEqual((await store.openIds()).sort(), ['after:m', 'after:t']);
    const done = await store.range('after:');
    assert.ok(done !== undefined);
    assert.equal(done.state.isDone, true);
    assert.equal(done.state.mark, 'k');
    assert.deepEqual(done.state.counts, whole.counts);
    assert.equal((await store.meta())?.status, 'running');
  });

  it('finds uploads by the range of their key, parts included', async () => {
    const store = new JobStore(redis, 'uploads');
    await store.create(spec, 1, range());
    await store.putUpload({
      key: 'a/1',
      uploadId: 'u1',
      partSizeBytes: 5,
      sizeBytes: 12,
      srcEtag: 'e1',
      parts: new Map([[1, { etag: 'p1', sizeBytes: 5 }]]),
    });
    await store.putUpload({
      key: 'z/9',
      uploadId: 'u2',
      partSizeBytes: 5,
      sizeBytes: 9,
      srcEtag: undefined,
      parts: new Map(),
    });
    const inA = await store.uploadsIn({ until: 'm' });
    assert.deepEqual(
      inA.map((u) => [u.uploadId, [...u.parts]]),
      [['u1', [[1, { etag: 'p1', sizeBytes: 5 }]]]],
    );
    assert.deepEqual(
      (await store.uploadsIn({ after: 'm' })).map((u) => u.uploadId),
      ['u2'],
    );
    await store.dropUpload('u1');
    assert.deepEqual(await store.uploadsIn({}), await store.uploadsIn({ after: 'm' }));
  });

  it('starting a job over removes its own keys only', async () => {
    const short = new JobStore(redis, 'nightly');
    const longer = new JobStore(redis, 'nightly-2');
    await short.create(spec, 1, range());
    await longer.create(spec, 1, range());
    await short.pushExtras(['x', 'y']);
    await longer.pushExtras(['keep']);
    await short.create(spec, 2, range());
    assert.equal(await short.extrasCount(), 0);
    assert.equal((await short.meta())?.pass, 2);
    const kept: string[] = [];
    for await (const key of longer.extras()) kept.push(key);
    assert.deepEqual(kept, ['keep']);
  });
});
