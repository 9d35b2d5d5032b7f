// formatCount writes counts as toLocaleString('en-US') does, without loading Intl's locale data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount } from '../../src/shared/display.ts';

describe('formatCount', () => {
  it('groups thousands exactly as en-US does, for whole numbers, fractions and signs', () => {
    const values = [
      0,
      1,
      12,
      999,
      1000,
      1001,
      12_345,
      999_999,
      1_000_000,
      123_456_789,
      2 ** 53 - 1,
      -1,
      -1000,
      -1_234_567,
      0.5,
      1234.5,
      1234.5678,
      0.0004,
      -0.0004,
      999.9996,
      1_000_000.125,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (const n of values) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
  });
});
