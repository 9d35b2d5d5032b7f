// Adaptive concurrency per endpoint: AIMD over a SharedArrayBuffer, one limit per endpoint for
// every thread. Pure logic with an injected clock, plus one real worker thread.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  DECREASE_FACTOR,
  ENDPOINT_LIMITS_BYTES,
  EndpointLimits,
  MAX_LIMIT,
  MAX_ROUND,
  MIN_LIMIT,
  MIN_ROUND,
  THROTTLE_SHARE,
  endpointKeyOf,
} from '../../src/s3/endpoint-limits.ts';
import type { AdaptiveLimit } from '../../src/s3/endpoint-limits.ts';

function limits(): EndpointLimits {
  return new EndpointLimits(new SharedArrayBuffer(ENDPOINT_LIMITS_BYTES));
}

async function take(limit: AdaptiveLimit, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await limit.acquire();
}

/** `n` answers, the first `throttled` of them throttling. */
function round(limit: AdaptiveLimit, n: number, throttled: number): void {
  for (let i = 0; i < n; i += 1) {
    if (i < throttled) limit.onThrottle();
    else limit.onSuccess();
  }
}

describe('EndpointLimits', () => {
  it('does not limit an endpoint that never throttles', async () => {
    const limit = limits().for('http://a');
    await take(limit, 200);
    round(limit, 500, 0);
    assert.equal(limit.snapshot().inFlight, 200);
    assert.equal(limit.limit, MAX_LIMIT);
  });

  it('cuts, once per round, from what is in flight when over a tenth of a round throttled', async () => {
    const limit = limits().for('http://a');
    await take(limit, 40);
    round(limit, MAX_ROUND, Math.ceil(MAX_ROUND * THROTTLE_SHARE) + 1);
    assert.equal(limit.limit, Math.floor(41 * DECREASE_FACTOR));
    assert.equal(limit.snapshot().decreases, 1);
    assert.equal(limit.snapshot().throttles, Math.ceil(MAX_ROUND * THROTTLE_SHARE) + 1);
    // Rounds are now MIN_ROUND answers (the limit is small): keep throttling, down to the floor.
    for (let i = 0; i < 10; i += 1) round(limit, MIN_ROUND, MIN_ROUND / 2);
    assert.equal(limit.limit, MIN_LIMIT);
    assert.equal(limit.snapshot().lowest, MIN_LIMIT);
  });

  it('keeps the limit through a few stray throttling answers, and grows back one per round', async () => {
    const limit = limits().for('http://a');
    await take(limit, 19);
    round(limit, MAX_ROUND, MAX_ROUND); // every answer throttled: 20 in flight → 14
    assert.equal(limit.limit, 14);
    round(limit, MIN_ROUND, 2); // 2 of 32: not a tenth
    assert.equal(limit.limit, 15);
    for (let i = 0; i < 5; i += 1) round(limit, MIN_ROUND, 0);
    assert.equal(limit.limit, 20);
    round(limit, MIN_ROUND - 1, 0);
    assert.equal(limit.limit, 20, 'an unfinished round changes nothing');
  });

  it('makes an attempt wait for a slot and hands it over on release', async () => {
    const limit = limits().for('http://a');
    await take(limit, 5);
    round(limit, MAX_ROUND, MAX_ROUND); // 5 in flight (+ 1) → 4, the floor
    let started = false;
    const waiting = limit.acquire().then(() => {
      started = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(started, false, 'five in flight, limit four: must wait');
    limit.release();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(started, false, 'four in flight, limit four: still waiting');
    limit.release();
    await waiting;
    assert.equal(limit.snapshot().inFlight, 4);
  });

  it('gives up waiting when the attempt is aborted', async () => {
    const limit = limits().for('http://a');
    await take(limit, MIN_LIMIT);
    round(limit, MAX_ROUND, MAX_ROUND);
    const controller = new AbortController();
    const waiting = limit.acquire(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(limit.snapshot().inFlight, MIN_LIMIT);
  });

  it('keeps endpoints apart and finds each one from another instance', async () => {
    const buffer = new SharedArrayBuffer(ENDPOINT_LIMITS_BYTES);
    const one = new EndpointLimits(buffer);
    const two = new EndpointLimits(buffer);
    await take(one.for('http://a'), 3);
    await take(two.for('http://b'), 7);
    assert.equal(two.stateOf('http://a')?.inFlight, 3);
    assert.equal(one.stateOf('http://b')?.inFlight, 7);
    assert.equal(one.stateOf('http://never-used'), undefined);
  });

  it('keys AWS profiles without an endpoint by region', () => {
    assert.equal(endpointKeyOf({ endpointUrl: undefined, region: 'eu-west-1' }), 'aws:eu-west-1');
    assert.equal(endpointKeyOf({ endpointUrl: 'http://x:1', region: 'r' }), 'http://x:1');
  });

  it('shares one limit with a real worker thread', async () => {
    const buffer = new SharedArrayBuffer(ENDPOINT_LIMITS_BYTES);
    const main = new EndpointLimits(buffer).for('http://shared');
    await take(main, 10);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { tsImport } = await import(workerData.tsxApi);
        const { EndpointLimits } = await tsImport(workerData.module, workerData.module);
        const limit = new EndpointLimits(workerData.buffer).for('http://shared');
        for (let i = 0; i < 256; i += 1) limit.onThrottle();
        parentPort.postMessage({ stage: 'cut', ...limit.snapshot() });
        await limit.acquire();
        parentPort.postMessage({ stage: 'in', ...limit.snapshot() });
      })();`;
    const worker = new Worker(code, {
      eval: true,
      workerData: {
        buffer,
        tsxApi: import.meta.resolve('tsx/esm/api'),
        module: pathToFileURL(resolve('src/s3/endpoint-limits.ts')).href,
      },
    });
    type Seen = { stage: string; inFlight: number; limit: number };
    const messages: Seen[] = [];
    const next = (): Promise<Seen> =>
      new Promise((done, fail) => {
        worker.once('message', (m: Seen) => {
          messages.push(m);
          done(m);
        });
        worker.once('error', fail);
      });
    try {
      // The worker's cut (10 in flight here + its answer → 7) is the main thread's limit too.
      const cut = await next();
      assert.deepEqual([cut.stage, cut.limit, cut.inFlight], ['cut', 7, 10]);
      assert.equal(main.limit, 7);
      const entered = next();
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(messages.length, 1, 'ten in flight, limit seven: the worker waits');
      for (let i = 0; i < 4; i += 1) main.release();
      const inside = await entered;
      assert.deepEqual([inside.stage, inside.inFlight], ['in', 7]);
    } finally {
      await worker.terminate();
    }
  });
});
