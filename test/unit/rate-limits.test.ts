// --bwlimit and --tpslimit: the flag syntax, the timetable's clock, and the shared rates as two
// threads see them (real timers, short runs; the limits are lower bounds on time and upper bounds
// on counts, which no slow machine can make pass wrongly).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseBandwidthLimit, parseRequestRate } from '../../src/cli/rate-flags.ts';
import {
  applyRateLimits,
  bandwidthAt,
  checkRateLimits,
  msToNextChange,
} from '../../src/engine/rate-limits.ts';
import { createBackoffBuffer, sharedRates } from '../../src/s3/shared-backoff.ts';
import { isS3FerryError } from '../../src/shared/errors.ts';

const MiB = 1024 * 1024;

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isS3FerryError(error) && error.kind === 'usage', String(error));
    return error.message;
  }
  assert.fail('no usage error');
}

/** A local time today at HH:MM:SS. */
function at(hours: number, minutes: number, seconds = 0): Date {
  const date = new Date();
  date.setHours(hours, minutes, seconds, 0);
  return date;
}

describe('--bwlimit syntax', () => {
  it('reads a rate with the size units, /s, and off', () => {
    assert.equal(parseBandwidthLimit('10MiB'), 10 * MiB);
    assert.equal(parseBandwidthLimit('512k'), 512_000);
    assert.equal(parseBandwidthLimit('1MiB/s'), MiB);
    assert.equal(parseBandwidthLimit('off'), 0);
    assert.equal(parseBandwidthLimit('0'), 0);
  });

  it('reads a timetable, in time order whatever the order given', () => {
    assert.deepEqual(parseBandwidthLimit('20:00,off 08:00,10MiB'), [
      { minuteOfDay: 8 * 60, bytesPerSecond: 10 * MiB },
      { minuteOfDay: 20 * 60, bytesPerSecond: 0 },
    ]);
  });

  it('refuses words, bad times and a time named twice, naming the flag', () => {
    assert.match(
      usageMessage(() => parseBandwidthLimit('fast')),
      /^--bwlimit: invalid rate 'fast'/,
    );
    assert.match(
      usageMessage(() => parseBandwidthLimit('08:00,1M 24:00,off')),
      /^--bwlimit: invalid timetable entry '24:00,off'/,
    );
    assert.match(
      usageMessage(() => parseBandwidthLimit('08:00,1M 08:00,2M')),
      /names the same time twice/,
    );
    assert.match(
      usageMessage(() => parseBandwidthLimit('08:00,quick')),
      /invalid rate 'quick'/,
    );
  });
});

describe('--tpslimit syntax and ranges', () => {
  it('reads whole numbers and off; refuses fractions and words', () => {
    assert.equal(parseRequestRate('100', '--tpslimit'), 100);
    assert.equal(parseRequestRate('off', '--tpslimit'), 0);
    assert.match(
      usageMessage(() => parseRequestRate('1.5', '--tpslimit')),
      /invalid number '1\.5'/,
    );
    assert.match(
      usageMessage(() => parseRequestRate('many', '--tpslimit-burst')),
      /^--tpslimit-burst: invalid number 'many'/,
    );
  });

  it('refuses a burst without a limit, and a burst of 0', () => {
    assert.match(
      usageMessage(() => {
        checkRateLimits({ tpslimitBurst: 4 });
      }),
      /which was not given/,
    );
    assert.match(
      usageMessage(() => {
        checkRateLimits({ tpslimit: 10, tpslimitBurst: 0 });
      }),
      /--tpslimit-burst\) must be a whole number from 1/,
    );
    assert.doesNotThrow(() => {
      checkRateLimits({ tpslimit: 10, tpslimitBurst: 3, bwlimit: 5 });
    });
  });
});

describe('the bandwidth timetable', () => {
  const timetable = [
    { minuteOfDay: 8 * 60, bytesPerSecond: 10 * MiB },
    { minuteOfDay: 20 * 60, bytesPerSecond: 0 },
  ];

  it("is in force from each time on, and before the first, yesterday's last entry", () => {
    assert.equal(bandwidthAt(timetable, at(9, 30)), 10 * MiB);
    assert.equal(bandwidthAt(timetable, at(8, 0)), 10 * MiB);
    assert.equal(bandwidthAt(timetable, at(21, 0)), 0);
    assert.equal(bandwidthAt(timetable, at(3, 0)), 0);
    assert.equal(bandwidthAt(5, at(3, 0)), 5);
  });

  it('changes next at the next entry, across midnight too', () => {
    assert.equal(msToNextChange(timetable, at(7, 59, 30)), 30_000);
    assert.equal(msToNextChange(timetable, at(19, 0)), 60 * 60_000);
    assert.equal(msToNextChange(timetable, at(23, 0)), 9 * 60 * 60_000);
  });

  it('sets the shared byte rate of the hour, and the request rate', () => {
    const rates = sharedRates(createBackoffBuffer());
    const stop = applyRateLimits(rates, { bwlimit: timetable, tpslimit: 7 }, () => at(12, 0));
    assert.equal(rates.bytes.rate, 10 * MiB);
    assert.equal(rates.requests.rate, 7);
    stop();
    const night = sharedRates(createBackoffBuffer());
    applyRateLimits(night, { bwlimit: timetable }, () => at(22, 0))();
    assert.equal(night.bytes.rate, 0);
    assert.equal(night.requests.rate, 0);
  });
});

/** Times (ms since the epoch) at which `count` requests were admitted in another thread. */
function admitInThread(buffer: SharedArrayBuffer, count: number): Promise<number[]> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { tsImport } = await import(workerData.tsxApi);
      const { sharedRates } = await tsImport(workerData.module, workerData.module);
      const rates = sharedRates(workerData.buffer);
      const times = [];
      for (let i = 0; i < workerData.count; i += 1) {
        const wait = rates.requests.admit();
        if (wait !== undefined) await wait;
        times.push(performance.timeOrigin + performance.now());
      }
      parentPort.postMessage(times);
    })();`;
  const worker = new Worker(code, {
    eval: true,
    workerData: {
      buffer,
      count,
      tsxApi: import.meta.resolve('tsx/esm/api'),
      module: pathToFileURL(resolve('src/s3/shared-backoff.ts')).href,
    },
  });
  return new Promise((done, fail) => {
    worker.once('message', (times: number[]) => {
      done(times);
      void worker.terminate();
    });
    worker.once('error', fail);
  });
}

describe('the shared rates', () => {
  it('admit: two threads together never pass the rate in any one second', async () => {
    const buffer = createBackoffBuffer();
    sharedRates(buffer).requests.set(40);
    const started = Date.now();
    const [a, b] = await Promise.all([admitInThread(buffer, 30), admitInThread(buffer, 30)]);
    const times = [...a, ...b].sort((x, y) => x - y);
    assert.equal(times.length, 60);
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i += 1) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j += 1;
      most = Math.max(most, i - j + 1);
    }
    assert.ok(most <= 40, `${most} admitted within one second at a rate of 40`);
    // 60 admissions at 40 per second: the last comes at least 59/40 s after the first.
    assert.ok(Date.now() - started >= 1400, `60 admitted in ${Date.now() - started} ms`);
  });

  it('admit: requests leave 2 % further apart than the rate, room for delays on the way', async () => {
    const rates = sharedRates(createBackoffBuffer());
    rates.requests.set(50); // 20 ms apart, 20.4 ms with the margin
    // The rates read the clock through performance.now(): here it stands still unless moved.
    const realNow = performance.now.bind(performance);
    let clock = realNow();
    performance.now = () => clock;
    try {
      assert.equal(rates.requests.admit(), undefined);
      clock += 20.1;
      const controller = new AbortController();
      const early = rates.requests.admit(controller.signal);
      // Without the margin it would go now, and a request delayed on its way to the server would
      // put 51 within one second there.
      assert.ok(early instanceof Promise, 'a request 20.1 ms after the last, at 50 per second');
      controller.abort();
      await assert.rejects(early);
      clock += 0.4;
      assert.equal(rates.requests.admit(), undefined, 'a request 20.5 ms after the last');
    } finally {
      performance.now = realNow;
    }
  });

  it('admit with a burst lets that many go at once, then spaces the rest', async () => {
    const rates = sharedRates(createBackoffBuffer());
    rates.requests.set(10, 3);
    assert.equal(rates.requests.admit(), undefined);
    assert.equal(rates.requests.admit(), undefined);
    assert.equal(rates.requests.admit(), undefined);
    const fourth = rates.requests.admit();
    assert.ok(fourth instanceof Promise, 'the fourth request of a burst of 3 waits');
    const controller = new AbortController();
    const cancelled = rates.requests.admit(controller.signal);
    controller.abort();
    await Promise.all([fourth, assert.rejects(cancelled as Promise<void>)]);
  });

  it('reserve: bytes take their time at the rate, and nothing waits without a limit', async () => {
    const rates = sharedRates(createBackoffBuffer());
    assert.equal(rates.bytes.reserve(100 * MiB), undefined);
    rates.bytes.set(4 * MiB, 64 * 1024);
    const started = performance.now();
    for (let i = 0; i < 16; i += 1) {
      const wait = rates.bytes.reserve(64 * 1024);
      if (wait !== undefined) await wait;
    }
    // 1 MiB at 4 MiB/s, less the 64 KiB burst: at least 0.23 s.
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 220, `1 MiB at 4 MiB/s took ${elapsed.toFixed(0)} ms`);
  });
});
