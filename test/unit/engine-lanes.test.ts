// The lanes: transfers beyond the in-memory look-ahead wait in a spool file and still all run, in
// key order; the producer waits only at maxAhead; a stop drops what waits; checks and transfers
// have their own budgets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLanes } from '../../src/engine/lanes.ts';

const noCancel = { cancel: (): void => undefined };

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('lanes', () => {
  it('runs every transfer once, in order, when most of them waited in the spool', async () => {
    const ran: number[] = [];
    const first = gate();
    const lanes = createLanes<{ n: number; key: string }>({
      checkers: 1,
      transfers: 1,
      lookahead: 10,
      cancel: noCancel,
      runCheck: () => Promise.resolve(),
      runTransfer: async (item) => {
        if (item.n === 0) await first.wait;
        ran.push(item.n);
      },
    });
    // 5,000 transfers queue while the first one blocks the only slot: the producer never waits.
    for (let n = 0; n < 5000; n += 1) await lanes.transfer({ n, key: `k${n}\n\u2028é` });
    assert.deepEqual(ran, []);
    first.open();
    await lanes.drained();
    assert.equal(ran.length, 5000);
    assert.deepEqual(
      ran,
      Array.from({ length: 5000 }, (_, n) => n),
    );
    lanes.detach();
  });

  it('makes the producer wait at maxAhead until transfers free room', async () => {
    const first = gate();
    let ran = 0;
    const lanes = createLanes<{ n: number }>({
      checkers: 1,
      transfers: 1,
      lookahead: 5,
      maxAhead: 20,
      cancel: noCancel,
      runCheck: () => Promise.resolve(),
      runTransfer: async (item) => {
        if (item.n === 0) await first.wait;
        ran += 1;
      },
    });
    let queued = 0;
    const producer = (async () => {
      for (let n = 0; n < 100; n += 1) {
        await lanes.transfer({ n });
        queued += 1;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One running, one in the queue's own slot, then 20 waiting: the 22nd call is the one that
    // waits, and nothing more is queued meanwhile.
    assert.equal(queued, 21);
    first.open();
    await producer;
    await lanes.drained();
    assert.equal(ran, 100);
    lanes.detach();
  });

  it('drops what waits when it stops, and runs nothing more', async () => {
    const first = gate();
    const ran: number[] = [];
    let cancelled = 0;
    const lanes = createLanes<{ n: number }>({
      checkers: 1,
      transfers: 1,
      lookahead: 3,
      cancel: { cancel: () => (cancelled += 1) },
      runCheck: () => Promise.resolve(),
      runTransfer: async (item) => {
        if (item.n === 0) await first.wait;
        ran.push(item.n);
      },
    });
    for (let n = 0; n < 50; n += 1) await lanes.transfer({ n });
    lanes.stop('cancelled');
    assert.equal(lanes.stopReason, 'cancelled');
    assert.equal(cancelled, 1, 'a cancel reaches the running tasks');
    first.open();
    await lanes.drained();
    assert.deepEqual(ran, [0], 'only the transfer already running finished');
    lanes.detach();
  });

  it('runs checks while every transfer slot is taken', async () => {
    const blocked = gate();
    const checked: number[] = [];
    const lanes = createLanes<{ n: number }>({
      checkers: 2,
      transfers: 1,
      cancel: noCancel,
      runCheck: (item) => {
        checked.push(item.n);
        return Promise.resolve();
      },
      runTransfer: () => blocked.wait,
    });
    await lanes.transfer({ n: -1 });
    for (let n = 0; n < 10; n += 1) await lanes.check({ n });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(checked, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    blocked.open();
    await lanes.drained();
    lanes.detach();
  });
});
