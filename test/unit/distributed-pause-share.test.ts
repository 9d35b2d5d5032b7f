// Sharing a throttling pause between the workers of a distributed job: what one tick publishes
// and holds, and that holding extends the local pool's pause without raising its level.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exchangePause } from '../../src/distributed/pause-share.ts';
import { createBackoffBuffer, SharedBackoff } from '../../src/s3/shared-backoff.ts';

describe('exchangePause', () => {
  const now = 10_000;

  it('publishes a local pause that outlasts the shared one, once', () => {
    assert.deepEqual(exchangePause(12_000, 0, 0, now), { publish: 12_000 });
    assert.deepEqual(exchangePause(12_000, 12_000, 12_000, now), {});
    assert.deepEqual(exchangePause(12_000, 11_000, 0, now), { publish: 12_000 });
  });

  it("holds the pool until another worker's longer pause ends", () => {
    assert.deepEqual(exchangePause(0, 15_000, 0, now), { hold: 15_000 });
    assert.deepEqual(exchangePause(11_000, 15_000, 11_000, now), { hold: 15_000 });
  });

  it('does nothing once both pauses are over (recovery)', () => {
    assert.deepEqual(exchangePause(9_000, 9_500, 9_000, now), {});
  });
});

describe('SharedBackoff.holdUntil', () => {
  it('pauses every instance over the buffer until then, keeps a longer pause, and leaves the level alone', () => {
    let clock = 1_000;
    const buffer = createBackoffBuffer();
    const a = new SharedBackoff(buffer, { now: () => clock });
    const b = new SharedBackoff(buffer, { now: () => clock });
    a.holdUntil(4_000);
    assert.equal(b.pauseRemainingMs(), 3_000);
    assert.equal(b.level, 0);
    a.holdUntil(2_000);
    assert.equal(b.pausedUntil(), 4_000);
    clock = 4_500;
    assert.equal(b.pauseRemainingMs(), 0);
  });
});
