// Part sizing within S3's limits, from empty objects to 5 TiB.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GiB,
  MAX_PARTS,
  MAX_PART_SIZE_BYTES,
  MiB,
  MIN_PART_SIZE_BYTES,
  TiB,
  choosePartSize,
  partRanges,
  usesMultipart,
} from '../../src/plan/parts.ts';
import { S3FerryError } from '../../src/shared/errors.ts';

describe('choosePartSize', () => {
  it('keeps the preferred size when it fits', () => {
    assert.equal(choosePartSize(100 * MiB, 8 * MiB), 8 * MiB);
    assert.equal(choosePartSize(0, 8 * MiB), 8 * MiB);
  });

  it('never goes below 5 MiB', () => {
    assert.equal(choosePartSize(100 * MiB, 1024), MIN_PART_SIZE_BYTES);
  });

  it('rounds up to a whole MiB', () => {
    assert.equal(choosePartSize(100 * MiB, 7_000_000), 7 * MiB);
  });

  it('raises the part size to stay within 10,000 parts, up to 5 TiB', () => {
    const sizes = [
      80 * GiB,
      78_125 * MiB + 1, // just above 10,000 × 8 MiB
      1 * TiB,
      5 * TiB - 1,
      5 * TiB,
    ];
    for (const size of sizes) {
      const part = choosePartSize(size, 8 * MiB);
      assert.ok(Math.ceil(size / part) <= MAX_PARTS, `${size}: ${Math.ceil(size / part)} parts`);
      assert.equal(part % MiB, 0);
      assert.ok(part >= MIN_PART_SIZE_BYTES && part <= MAX_PART_SIZE_BYTES);
      // Minimal: one MiB less would need more than 10,000 parts (or go below the preference).
      assert.ok(part === 8 * MiB || Math.ceil(size / (part - MiB)) > MAX_PARTS);
    }
    assert.equal(choosePartSize(5 * TiB, 8 * MiB), 525 * MiB);
  });

  it('caps the part size at 5 GiB', () => {
    assert.equal(choosePartSize(10 * GiB, 6 * GiB), MAX_PART_SIZE_BYTES);
  });

  it('refuses objects above 5 TiB', () => {
    assert.throws(
      () => choosePartSize(5 * TiB + 1, 8 * MiB),
      (e: unknown) => e instanceof S3FerryError && e.code === 'EntityTooLarge',
    );
  });
});

describe('partRanges', () => {
  it('covers the object exactly, the last part shorter', () => {
    const parts = partRanges(20 * MiB + 3, 8 * MiB);
    assert.deepEqual(parts, [
      { partNumber: 1, offsetBytes: 0, sizeBytes: 8 * MiB },
      { partNumber: 2, offsetBytes: 8 * MiB, sizeBytes: 8 * MiB },
      { partNumber: 3, offsetBytes: 16 * MiB, sizeBytes: 4 * MiB + 3 },
    ]);
  });

  it('gives exact multiples equal parts, and an empty object no parts', () => {
    assert.equal(partRanges(16 * MiB, 8 * MiB).length, 2);
    assert.deepEqual(partRanges(0, 8 * MiB), []);
  });

  it('stays within 10,000 parts for a 5 TiB object', () => {
    const size = 5 * TiB;
    const parts = partRanges(size, choosePartSize(size, 8 * MiB));
    assert.ok(parts.length <= MAX_PARTS);
    const last = parts.at(-1)!;
    assert.equal(last.offsetBytes + last.sizeBytes, size);
  });
});

describe('usesMultipart', () => {
  it('at or above the threshold, always above 5 GiB, never for empty objects', () => {
    assert.equal(usesMultipart(8 * MiB, 8 * MiB), true);
    assert.equal(usesMultipart(8 * MiB - 1, 8 * MiB), false);
    assert.equal(usesMultipart(5 * GiB + 1, 100 * GiB), true);
    assert.equal(usesMultipart(5 * GiB, 100 * GiB), false);
    assert.equal(usesMultipart(0, 0), false);
  });
});
