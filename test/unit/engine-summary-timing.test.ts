// A run's summary says what start-up cost, in ms after the process started: when the run started
// (runStartMs) and when its first request left (firstRequestMs: the first HTTP request this
// thread sends once the tally exists, whatever sends it, counted or not); none sent, no
// firstRequestMs.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RunTally } from '../../src/engine/summary.ts';

const FIELDS = {
  status: 'ok',
  src: 'a',
  dst: 'b',
  mode: 'default',
  clientCacheMode: 'thread_local',
  workers: 1,
  isDryRun: false,
  shouldDelete: false,
} as const;

describe('RunTally: runStartMs and firstRequestMs', () => {
  const server = createServer((_req, res) => res.end('ok'));
  let port = 0;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
  });

  /** One GET to the local server, to its end (no RequestCounter: it counts all the same). */
  function get(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('firstRequestMs: the first request sent after the run started', async () => {
    await get(); // before the run: not its first request
    const tally = new RunTally(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beforeSend = performance.now();
    await get();
    const afterSend = performance.now();
    await get();
    const summary = tally.summary(FIELDS);
    const { runStartMs, firstRequestMs } = summary;
    assert.ok(runStartMs !== undefined && runStartMs > 0 && runStartMs <= beforeSend);
    assert.ok(firstRequestMs !== undefined, 'no firstRequestMs');
    assert.ok(
      firstRequestMs >= Math.floor(beforeSend) && firstRequestMs <= Math.ceil(afterSend),
      `${firstRequestMs} not in [${beforeSend}, ${afterSend}]`,
    );
    // The same answer when asked again; later requests change nothing.
    await get();
    const again = tally.summary(FIELDS);
    assert.deepEqual([again.runStartMs, again.firstRequestMs], [runStartMs, firstRequestMs]);
  });

  it('no request sent: runStartMs only', () => {
    const summary = new RunTally(10).summary(FIELDS);
    assert.ok(summary.runStartMs !== undefined && summary.runStartMs > 0);
    assert.equal('firstRequestMs' in summary, false);
  });
});
