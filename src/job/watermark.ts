// The low watermark of a range being marched: the greatest key such that every key at or before
// it has settled (copied, skipped, failed and recorded, or spooled for deletion). Keys arrive in
// ascending order, but copies finish in any order, so the mark waits for the slowest copy ahead
// of it. Memory is O(keys still pending), not O(keys marched): keys that settle at once while a
// copy is pending are folded into that copy's entry, and a pending key is a few numbers in typed
// columns, not an object.

/** What settled keys add up to (cumulative up to the mark). */
export type SettledCounts = {
  /** Source keys settled (listed and decided, whatever the outcome). */
  keys: number;
  copied: number;
  copiedBytes: number;
  skipped: number;
  failed: number;
};

/** How one key settled. */
/** (`extraneous`: only at the destination; `filtered`: left out by --min-size, --max-age, …) */
export type Outcome = 'copied' | 'skipped' | 'failed' | 'extraneous' | 'filtered';

/**
 * A pending key, settled later with {@link Watermark.settle}: its sequence number in the range
 * (a number, so that work items holding it are plain data that can wait on disk).
 */
export type Ticket = number;

export function zeroCounts(): SettledCounts {
  return { keys: 0, copied: 0, copiedBytes: 0, skipped: 0, failed: 0 };
}

function count(into: SettledCounts, outcome: Outcome, sizeBytes: number): void {
  if (outcome === 'extraneous' || outcome === 'filtered') return;
  into.keys += 1;
  if (outcome === 'copied') {
    into.copied += 1;
    into.copiedBytes += sizeBytes;
  } else if (outcome === 'skipped') into.skipped += 1;
  else into.failed += 1;
}

const OUTCOMES: readonly Outcome[] = ['copied', 'skipped', 'failed', 'extraneous', 'filtered'];
const PENDING = 255;
/** Columns larger than this are dropped once nothing is pending. */
const SHRINK_ABOVE = 65_536;

/** Growable typed columns of the pending entries, indexed from the oldest one kept. */
class Columns {
  outcome = new Uint8Array(64);
  size = new Float64Array(64);
  tailKeys = new Uint32Array(64);
  tailCopied = new Uint32Array(64);
  tailBytes = new Float64Array(64);
  tailSkipped = new Uint32Array(64);
  tailFailed = new Uint32Array(64);
  /** The key the mark takes when the prefix reaches the entry: its tail's last, or its own. */
  markKey: (string | undefined)[] = [];

  get capacity(): number {
    return this.outcome.length;
  }

  /** Keeps entries [from, to) at the start, with room for at least `need` entries. */
  compact(from: number, to: number, need: number): void {
    const capacity = Math.max(64, need <= this.capacity / 2 ? this.capacity : this.capacity * 2);
    const move = <A extends Uint8Array | Uint32Array | Float64Array>(
      old: A,
      make: (n: number) => A,
    ): A => {
      const next = capacity === old.length ? old : make(capacity);
      next.set(old.subarray(from, to), 0);
      next.fill(0, to - from);
      return next;
    };
    this.outcome = move(this.outcome, (n) => new Uint8Array(n));
    this.size = move(this.size, (n) => new Float64Array(n));
    this.tailKeys = move(this.tailKeys, (n) => new Uint32Array(n));
    this.tailCopied = move(this.tailCopied, (n) => new Uint32Array(n));
    this.tailBytes = move(this.tailBytes, (n) => new Float64Array(n));
    this.tailSkipped = move(this.tailSkipped, (n) => new Uint32Array(n));
    this.tailFailed = move(this.tailFailed, (n) => new Uint32Array(n));
    this.markKey = this.markKey.slice(from, to);
  }
}

/**
 * Tracks the low watermark of one range. Pending keys are kept as typed columns, not objects or
 * strings: a pending key costs ~41 bytes whatever its length (its key is given back when it
 * settles), so a listing far ahead of the copies — a million pending keys — costs ~41 MB.
 */
export class Watermark {
  #mark: string | undefined;
  readonly #settled: SettledCounts;
  #columns = new Columns();
  /** Index of the first entry still pending in the columns. */
  #head = 0;
  /** Entries in the columns (pending or settled behind the head). */
  #length = 0;
  /** The ticket of column index 0 (tickets stay valid when the columns are compacted). */
  #base = 0;

  /** Starts at `mark` (a resumed range) with the counts already settled up to it. */
  constructor(mark?: string, settled: SettledCounts = zeroCounts()) {
    this.#mark = mark;
    this.#settled = { ...settled };
  }

  /** Every key at or before this one has settled; undefined: none yet. */
  get mark(): string | undefined {
    return this.#mark;
  }

  /** Counts of the keys at or before the mark. */
  get settled(): Readonly<SettledCounts> {
    return this.#settled;
  }

  /** Keys handed out and not yet settled. */
  get pendingCount(): number {
    return this.#length - this.#head;
  }

  /** A key (greater than every key before) that settled as it was marched. */
  pass(key: string, outcome: Outcome, sizeBytes = 0): void {
    if (this.#length === this.#head) {
      this.#mark = key;
      count(this.#settled, outcome, sizeBytes);
      return;
    }
    // Folded into the last pending entry: the mark takes it when the prefix reaches that entry.
    const c = this.#columns;
    const i = this.#length - 1;
    c.markKey[i] = key;
    if (outcome === 'extraneous' || outcome === 'filtered') return;
    c.tailKeys[i] = (c.tailKeys[i] ?? 0) + 1;
    if (outcome === 'copied') {
      c.tailCopied[i] = (c.tailCopied[i] ?? 0) + 1;
      c.tailBytes[i] = (c.tailBytes[i] ?? 0) + sizeBytes;
    } else if (outcome === 'skipped') c.tailSkipped[i] = (c.tailSkipped[i] ?? 0) + 1;
    else c.tailFailed[i] = (c.tailFailed[i] ?? 0) + 1;
  }

  /**
   * The next key (greater than every key before), whose outcome comes later: {@link settle} it
   * with its key.
   */
  begin(sizeBytes = 0): Ticket {
    const c = this.#columns;
    if (this.#length === c.capacity) {
      c.compact(this.#head, this.#length, this.#length - this.#head + 1);
      this.#base += this.#head;
      this.#length -= this.#head;
      this.#head = 0;
    }
    const i = this.#length;
    c.outcome[i] = PENDING;
    c.size[i] = sizeBytes;
    c.tailKeys[i] = 0;
    c.tailCopied[i] = 0;
    c.tailBytes[i] = 0;
    c.tailSkipped[i] = 0;
    c.tailFailed[i] = 0;
    c.markKey[i] = undefined;
    this.#length += 1;
    return this.#base + i;
  }

  /** Settles `key`, handed out by {@link begin}; the mark moves past every settled prefix. */
  settle(ticket: Ticket, outcome: Outcome, key: string): void {
    const c = this.#columns;
    const i = ticket - this.#base;
    if (i < this.#head || i >= this.#length || c.outcome[i] !== PENDING) return;
    c.outcome[i] = OUTCOMES.indexOf(outcome);
    c.markKey[i] ??= key;
    while (this.#head < this.#length) {
      const h = this.#head;
      const settled = c.outcome[h] ?? PENDING;
      if (settled === PENDING) break;
      count(this.#settled, OUTCOMES[settled] ?? 'failed', c.size[h] ?? 0);
      const total = this.#settled;
      total.keys += c.tailKeys[h] ?? 0;
      total.copied += c.tailCopied[h] ?? 0;
      total.copiedBytes += c.tailBytes[h] ?? 0;
      total.skipped += c.tailSkipped[h] ?? 0;
      total.failed += c.tailFailed[h] ?? 0;
      this.#mark = c.markKey[h];
      c.markKey[h] = undefined;
      this.#head += 1;
    }
    if (this.#head === this.#length) {
      // Nothing pending: start the columns over (and give back a burst's memory).
      this.#base += this.#length;
      this.#head = 0;
      this.#length = 0;
      c.markKey = [];
      if (c.capacity > SHRINK_ABOVE) this.#columns = new Columns();
    }
  }
}
