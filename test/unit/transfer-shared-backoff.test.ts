// The pool-wide backoff: instances over one SharedArrayBuffer (as in different threads) see one
// pause, started only by a burst of throttling answers (not a trickle), which grows with
// consecutive bursts and decays with quiet successes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { SharedBackoff, createBackoffBuffer } from '../../src/s3/shared-backoff.ts';

const slowDown = Object.assign(new Error('Please reduce your request rate.'), {
  name: 'SlowDown',
  Code: 'SlowDown',
  $fault: 'server',
  $metadata: { httpStatusCode: 503 },
});
const notFound = Object.assign(new Error('no'), {
  name: 'NoSuchKey',
  $fault: 'client',
  $metadata: { httpStatusCode: 404 },
});
const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

function pair(clock: { now: number }) {
  const buffer = createBackoffBuffer();
  const options = {
    now: () => clock.now,
    random: () => 0,
    pauseBaseMs: 500,
    decayAfterMs: 2000,
    burstMin: 3,
  };
  return [new SharedBackoff(buffer, options), new SharedBackoff(buffer, options)] as const;
}

/** `n` throttling answers at the same moment, spread over both instances. */
function burst(n: number, ...backoffs: SharedBackoff[]): void {
  for (let i = 0; i < n; i += 1) backoffs[i % backoffs.length]?.recordThrottle();
}

describe('SharedBackoff', () => {
  it('pauses no one for a trickle of SlowDowns among successes', () => {
    const clock = { now: 1_000_000 };
    const [one, two] = pair(clock);
    for (let i = 0; i < 50; i += 1) {
      for (let s = 0; s < 4; s += 1) two.recordSuccess();
      one.delayBeforeRetryMs(1, slowDown); // 20 % of the answers are SlowDown
      clock.now += 20;
    }
    assert.equal(two.pauseRemainingMs(), 0);
    assert.equal(one.level, 0);
  });

  it('makes a second instance over the same buffer wait for a burst the first one saw', () => {
    const clock = { now: 1_000_000 };
    const [one, two] = pair(clock);
    assert.equal(two.pauseRemainingMs(), 0);
    one.delayBeforeRetryMs(1, slowDown);
    one.delayBeforeRetryMs(1, slowDown);
    assert.equal(two.pauseRemainingMs(), 0, 'two answers are not a burst');
    one.delayBeforeRetryMs(1, slowDown);
    assert.equal(two.pauseRemainingMs(), 500);
    // A retry of an unrelated error elsewhere still waits for the pause.
    assert.equal(two.delayBeforeRetryMs(1, reset), 500);
    clock.now += 200;
    assert.equal(two.delayBeforeRetryMs(1, reset), 300);
  });

  it('counts answers that arrive during a pause as the same burst', () => {
    const clock = { now: 1_000_000 };
    const [one, two] = pair(clock);
    burst(9, one, two);
    assert.equal(one.level, 1);
    assert.equal(two.pauseRemainingMs(), 500);
  });

  it('doubles the pause with each consecutive burst, up to the cap', () => {
    const clock = { now: 1_000_000 };
    const buffer = createBackoffBuffer();
    const backoff = new SharedBackoff(buffer, {
      now: () => clock.now,
      pauseBaseMs: 500,
      pauseCapMs: 3000,
      burstMin: 2,
    });
    const pauses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      burst(2, backoff);
      pauses.push(backoff.pauseRemainingMs());
      clock.now += backoff.pauseRemainingMs();
    }
    assert.deepEqual(pauses, [500, 1000, 2000, 3000, 3000]);
  });

  it('relaxes one level per quiet interval of successes, not during a pause', () => {
    const clock = { now: 1_000_000 };
    const [one, two] = pair(clock);
    burst(3, one);
    clock.now += 500;
    burst(3, one);
    assert.equal(one.level, 2);
    two.recordSuccess(); // still paused (1000 ms): no decay
    assert.equal(one.level, 2);
    clock.now += 1000;
    two.recordSuccess(); // pause over but the level changed < 2 s ago
    assert.equal(one.level, 2);
    clock.now += 1000;
    two.recordSuccess();
    assert.equal(one.level, 1);
    two.recordSuccess(); // just decayed: wait another interval
    assert.equal(one.level, 1);
    clock.now += 2000;
    two.recordSuccess();
    assert.equal(one.level, 0);
  });

  it('ignores errors that are not throttling', () => {
    const clock = { now: 1_000_000 };
    const [one, two] = pair(clock);
    one.delayBeforeRetryMs(1, notFound);
    one.delayBeforeRetryMs(1, reset);
    assert.equal(two.pauseRemainingMs(), 0);
    assert.equal(two.level, 0);
  });

  it('rejects a buffer that is too small', () => {
    assert.throws(() => new SharedBackoff(new SharedArrayBuffer(8)), RangeError);
  });

  it('shares the pause with a real worker thread', async () => {
    const buffer = createBackoffBuffer();
    const main = new SharedBackoff(buffer, { pauseBaseMs: 3_000, burstMin: 1 });
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { tsImport } = await import(workerData.tsxApi);
        const { SharedBackoff } = await tsImport(workerData.module, workerData.module);
        const backoff = new SharedBackoff(workerData.buffer, { pauseBaseMs: 3_000, burstMin: 1 });
        backoff.recordThrottle();
        parentPort.postMessage(backoff.level);
      })();`;
    const worker = new Worker(code, {
      eval: true,
      workerData: {
        buffer,
        tsxApi: import.meta.resolve('tsx/esm/api'),
        module: pathToFileURL(resolve('src/s3/shared-backoff.ts')).href,
      },
    });
    const level = await new Promise<number>((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
    });
    await worker.terminate();
    assert.equal(level, 1);
    assert.equal(main.level, 1);
    const remaining = main.pauseRemainingMs();
    assert.ok(remaining > 1_500 && remaining <= 3_000, `pause ${remaining} ms`);
  });
});
