// The FIFO keeps order across compactions and reports its length.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../../src/shared/fifo.ts';

describe('Fifo', () => {
  it('returns items in the order pushed, interleaved with shifts, across compactions', () => {
    const fifo = new Fifo<number>();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round += 1) {
      for (let i = 0; i < 300; i += 1) {
        fifo.push(next);
        expected.push(next);
        next += 1;
      }
      for (let i = 0; i < 200; i += 1) assert.equal(fifo.shift(), expected.shift());
      assert.equal(fifo.length, expected.length);
    }
    while (expected.length > 0) assert.equal(fifo.shift(), expected.shift());
    assert.equal(fifo.shift(), undefined);
    assert.equal(fifo.length, 0);
    fifo.push(1);
    fifo.clear();
    assert.equal(fifo.length, 0);
  });
});
