// An evenly thinned sample of a sorted key listing, for cutting it at key-count quantiles in one
// pass with bounded memory: every `stride`-th key is kept, and when the buffer is full every
// other kept key goes and the stride doubles. Pure: no I/O.

/**
 * Keys kept at most. 2^16 keys of ~100 bytes are a few MiB whatever the listing's length (10^8
 * keys: stride 2^11); a cut then lands within one stride (≤ 2 / capacity of the keys, 0.003 %)
 * of its quantile, and ranges up to capacity / 4 stay apart by more than a stride.
 */
export const DEFAULT_SAMPLE_CAPACITY = 65_536;

/** Keys seen in listing order, of which every `stride`-th (from the first) is kept. */
export class KeySample {
  readonly capacity: number;
  #keys: string[] = [];
  #stride = 1;
  #seen = 0;

  /** @param capacity keys kept at most; an even number ≥ 2. */
  constructor(capacity = DEFAULT_SAMPLE_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 2 || capacity % 2 !== 0) {
      throw new RangeError(`a sample's capacity must be an even whole number ≥ 2, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Adds the next key of the listing (keys come in ascending order). */
  add(key: string): void {
    if (this.#seen % this.#stride === 0) {
      if (this.#keys.length === this.capacity) this.#thin();
      // After thinning the stride doubled; the key at a multiple of the old one may not be kept.
      if (this.#seen % this.#stride === 0) this.#keys.push(key);
    }
    this.#seen += 1;
  }

  /** Keys seen so far. */
  get seen(): number {
    return this.#seen;
  }

  /** The distance, in listing positions, between two kept keys. */
  get stride(): number {
    return this.#stride;
  }

  /** The kept keys: keys[i] is the key at listing position i × stride (0-based). */
  get keys(): readonly string[] {
    return this.#keys;
  }

  #thin(): void {
    this.#keys = this.#keys.filter((_, i) => i % 2 === 0);
    this.#stride *= 2;
  }
}
