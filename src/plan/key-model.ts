// Keys read as numbers, to guess where keys not listed yet lie: after the common stem of every key
// seen, each UTF-16 unit (mapped to UTF-8 order, as compareKeys does) is a digit whose radix is
// the set of units SEEN at that position, so sequential ids count in base 10 and hex ids in base
// 16, not in base 0x110000. A density measured on keys seen (keys per unit of that number) then
// turns "about N keys further on" into a key. Used to cut a listing into ranges: the StartAfter
// points of s3/list-parallel.ts and the splits of a job's ranges (plan/range-split.ts).

/** Digits of the key-as-number model, after the common stem. */
const MODEL_DEPTH = 64;
/** A cut point made of units seen at each position may split a surrogate pair. */
const LONE_SURROGATE = /\p{Cs}/u;
/** S3's longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * True when `key` can be sent as a cut point (a StartAfter, a range's bound): no lone surrogate
 * (it has no UTF-8 form) and no longer than S3's longest key.
 */
export function isUsableCut(key: string): boolean {
  return !LONE_SURROGATE.test(key) && Buffer.byteLength(key) <= MAX_KEY_BYTES;
}

/** A UTF-16 unit moved so that unit order is UTF-8 byte order (surrogates above U+FFFF). */
function orderOf(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit;
}

function unitOf(order: number): number {
  return order >= 0xf800 ? order - 0x2000 : order >= 0xd800 ? order + 0x800 : order;
}

/**
 * The units seen at each position of the keys, within MODEL_DEPTH positions after their common
 * stem. Every position of every key in that window is recorded (the stem's units are the first
 * key's), so the digits below are exact for the keys seen and for cut points, which are made of
 * units seen. Control characters are never recorded, so cut points never contain them (XML 1.0
 * cannot carry them).
 * @example
 * const model = new KeyModel();
 * for (const key of ['img/0001', 'img/0002', 'img/0003']) model.observe(key);
 * const digits = model.digits(); // img/0001 → n, img/0002 → n + 1 …
 */
export class KeyModel {
  private first: string | undefined;
  private stem = 0;
  private readonly seen: Set<number>[] = [];
  private cached: KeyDigits | undefined;

  /** Records a key; keys may come in any order. */
  observe(key: string): void {
    let from: number;
    if (this.first === undefined) {
      this.first = key;
      this.stem = key.length;
      from = 0;
    } else {
      const first = this.first;
      const n = Math.min(this.stem, key.length);
      let i = 0;
      while (i < n && key.charCodeAt(i) === first.charCodeAt(i)) i++;
      if (i < this.stem) this.cached = undefined;
      this.stem = i;
      from = i;
    }
    const end = Math.min(key.length, this.stem + MODEL_DEPTH);
    for (let i = from; i < end; i++) {
      const unit = key.charCodeAt(i);
      if (unit < 0x20) continue;
      const seen = (this.seen[i] ??= new Set());
      const order = orderOf(unit);
      if (!seen.has(order)) {
        seen.add(order);
        this.cached = undefined;
      }
    }
  }

  /** The number system for the keys seen so far; undefined before any key. */
  digits(): KeyDigits | undefined {
    if (this.first === undefined) return undefined;
    if (this.cached !== undefined) return this.cached;
    // Two positions of the stem and one unit above the largest seen at each position let the
    // tail extrapolate past what was seen ("file-00099" → "file-001…"), not only within it.
    const start = Math.max(0, this.stem - 2);
    const windows: number[][] = [];
    const union = new Set<number>();
    for (let i = start; i < this.stem + MODEL_DEPTH; i++) {
      const seen = this.seen[i];
      if (seen === undefined || seen.size === 0) break;
      windows.push([...seen]);
      for (const order of seen) union.add(order);
    }
    const all = [...union].sort((a, b) => a - b);
    const alphabets = windows.map((seen) => {
      // A position seen with few units ('0'–'5' in the first page of hex ids) takes the units
      // seen anywhere from its lowest up, or its carries would run far past the keys.
      const lowest = Math.min(...seen);
      const alphabet = [...new Set([...seen, ...all.filter((order) => order >= lowest)])].sort(
        (a, b) => a - b,
      );
      const above = (alphabet.at(-1) ?? 0xffff) + 1;
      if (above <= 0xffff) alphabet.push(above);
      return alphabet;
    });
    this.cached = new KeyDigits(this.first.slice(0, start), alphabets);
    return this.cached;
  }
}

/**
 * Keys sharing `stem` as mixed-radix numbers whose digit at each position is the rank of its
 * unit among the units seen there, plus the unit just above them (a key that ended, or a unit
 * never seen, counts as the largest one below it, or 0). Dense, so that a carry costs one step
 * like any other: sequential ids count in base 11, hex ids in base 17. Order-preserving for keys
 * made of units seen; for others only an estimate, which is all it is used for.
 */
export class KeyDigits {
  private readonly stem: string;
  private readonly positions: { alphabet: number[]; radix: bigint }[];

  constructor(stem: string, alphabets: number[][]) {
    this.stem = stem;
    this.positions = alphabets.map((alphabet) => ({ alphabet, radix: BigInt(alphabet.length) }));
  }

  /**
   * True when `key` starts with the stem the digits are counted after: only then is
   * {@link value} meaningful (never decreasing as keys increase).
   */
  covers(key: string): boolean {
    return key.startsWith(this.stem);
  }

  /** `key` as a number (an estimate for units never seen, and past the model's depth). */
  value(key: string): bigint {
    let value = 0n;
    let at = this.stem.length;
    for (const { alphabet, radix } of this.positions) {
      const digit = at < key.length ? rankOf(alphabet, orderOf(key.charCodeAt(at))) : 0;
      value = value * radix + BigInt(digit);
      at += 1;
    }
    return value;
  }

  /** The key whose value this is; undefined past the largest value. */
  key(value: bigint): string | undefined {
    const digits: number[] = [];
    let rest = value;
    for (const { radix } of this.positions.toReversed()) {
      digits.push(Number(rest % radix));
      rest /= radix;
    }
    if (rest > 0n) return undefined;
    digits.reverse();
    let key = this.stem;
    for (const [i, digit] of digits.entries()) {
      const order = this.positions[i]?.alphabet[digit];
      if (order === undefined) break;
      key += String.fromCharCode(unitOf(order));
    }
    return key;
  }
}

/** Index of the largest entry ≤ `order` in a sorted alphabet (0 when there is none). */
function rankOf(alphabet: number[], order: number): number {
  let low = 0;
  let high = alphabet.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((alphabet[mid] ?? Infinity) <= order) low = mid + 1;
    else high = mid;
  }
  return Math.max(0, low - 1);
}
