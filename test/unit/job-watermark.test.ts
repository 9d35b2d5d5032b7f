// The low watermark never passes a key that has not settled, reaches the last key once everything
// settled, and its counts are exactly those of the keys at or before it, whatever the order in
// which copies finish.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Watermark } from '../../src/job/watermark.ts';
import type { Outcome, Ticket } from '../../src/job/watermark.ts';
import { random } from '../helpers/seeded-random.ts';

describe('Watermark', () => {
  // Few keys pending at a time (many seeds), and thousands pending (the typed columns grow,
  // compact and are dropped once nothing is pending).
  const shapes = [
    { seeds: 100, keys: 300, settleChance: 0.45 },
    { seeds: 4, keys: 3000, settleChance: 0.02 },
  ];
  for (const shape of shapes) {
    it(`stays below the first unsettled key and counts exactly the keys at or before it (${shape.keys} keys)`, () => {
      for (let seed = 1; seed <= shape.seeds; seed += 1) {
        const next = random(seed);
        const watermark = new Watermark();
        const keys = Array.from({ length: shape.keys }, (_, i) => `k${String(i).padStart(4, '0')}`);
        const outcomes = new Map<string, Outcome | undefined>();
        const sizes = new Map<string, number>();
        const open: { key: string; ticket: Ticket; outcome: Outcome }[] = [];
        const check = (): void => {
          const mark = watermark.mark;
          const firstOpen = keys.find((k) => outcomes.has(k) && outcomes.get(k) === undefined);
          const lastSeen = [...outcomes.keys()].at(-1);
          if (firstOpen !== undefined) {
            assert.ok(
              mark === undefined || mark < firstOpen,
              `seed ${seed}: ${mark} ≥ ${firstOpen}`,
            );
            const before = keys[keys.indexOf(firstOpen) - 1];
            // Every key before the first open one has settled: the mark is exactly there.
            assert.equal(mark, outcomes.has(before ?? '') ? before : undefined, `seed ${seed}`);
          } else {
            assert.equal(mark, lastSeen, `seed ${seed}`);
          }
          const upTo = [...outcomes.entries()].filter(([k]) => mark !== undefined && k <= mark);
          const of = (o: Outcome): number => upTo.filter(([, v]) => v === o).length;
          assert.deepEqual(
            watermark.settled,
            {
              keys: upTo.filter(([, v]) => v !== 'extraneous').length,
              copied: of('copied'),
              copiedBytes: upTo
                .filter(([, v]) => v === 'copied')
                .reduce((sum, [k]) => sum + (sizes.get(k) ?? 0), 0),
              skipped: of('skipped'),
              failed: of('failed'),
            },
            `seed ${seed}`,
          );
        };
        const all: Outcome[] = ['copied', 'skipped', 'failed', 'extraneous'];
        for (const key of keys) {
          const outcome = all[Math.floor(next() * all.length)] ?? 'copied';
          const size = Math.floor(next() * 100);
          sizes.set(key, size);
          if (next() < 0.5) {
            outcomes.set(key, outcome);
            watermark.pass(key, outcome, size);
          } else {
            outcomes.set(key, undefined);
            open.push({ key, ticket: watermark.begin(size), outcome });
          }
          // Settle a random open key now and then (out of order).
          while (open.length > 0 && next() < shape.settleChance) {
            const [done] = open.splice(Math.floor(next() * open.length), 1);
            if (done === undefined) break;
            outcomes.set(done.key, done.outcome);
            watermark.settle(done.ticket, done.outcome, done.key);
          }
          check();
        }
        for (const done of open.splice(0)) {
          outcomes.set(done.key, done.outcome);
          watermark.settle(done.ticket, done.outcome, done.key);
        }
        check();
        assert.equal(watermark.mark, keys.at(-1));
        assert.equal(watermark.pendingCount, 0);
      }
    });
  }

  it('starts from a resumed mark and its counts', () => {
    const watermark = new Watermark('m', {
      keys: 5,
      copied: 2,
      copiedBytes: 10,
      skipped: 3,
      failed: 0,
    });
    const ticket = watermark.begin(4);
    watermark.pass('o', 'skipped');
    assert.equal(watermark.mark, 'm');
    watermark.settle(ticket, 'copied', 'n');
    assert.equal(watermark.mark, 'o');
    assert.deepEqual(watermark.settled, {
      keys: 7,
      copied: 3,
      copiedBytes: 14,
      skipped: 4,
      failed: 0,
    });
  });
});
