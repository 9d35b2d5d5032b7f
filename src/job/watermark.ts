// The low watermark of a range being marched: the greatest key such that every key at or before
// it has settled (copied, skipped, failed and recorded, or spooled for deletion). Keys arrive in
// ascending order, but copies finish in any order, so the mark waits for the slowest copy ahead
// of it. Memory is O(keys still pending), not O(keys marched): keys that settle at once while a
// copy is pending are folded into that copy's entry.

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
export type Outcome = 'copied' | 'skipped' | 'failed' | 'extraneous';

type Entry = {
  key: string;
  outcome: Outcome | undefined;
  sizeBytes: number;
  /** Keys that settled at once after this one, before the next pending key. */
  tailKey: string | undefined;
  /** Their counts (allocated only when there are some: most copies have none). */
  tail: SettledCounts | undefined;
};

/**
 * A pending key, settled later with {@link Watermark.settle}: its sequence number in the range
 * (a number, so that work items holding it are plain data that can wait on disk).
 */
export type Ticket = number;

export function zeroCounts(): SettledCounts {
  return { keys: 0, copied: 0, copiedBytes: 0, skipped: 0, failed: 0 };
}

function count(into: SettledCounts, outcome: Outcome, sizeBytes: number): void {
  if (outcome === 'extraneous') return;
  into.keys += 1;
  if (outcome === 'copied') {
    into.copied += 1;
    into.copiedBytes += sizeBytes;
  } else if (outcome === 'skipped') into.skipped += 1;
  else into.failed += 1;
}

function addCounts(into: SettledCounts, from: SettledCounts): void {
  into.keys += from.keys;
  into.copied += from.copied;
  into.copiedBytes += from.copiedBytes;
  into.skipped += from.skipped;
  into.failed += from.failed;
}

/** Tracks the low watermark of one range. */
export class Watermark {
  #mark: string | undefined;
  readonly #settled: SettledCounts;
  readonly #pending: Entry[] = [];
  /** Index of the first entry still in #pending (a queue without shifting the array). */
  #head = 0;
  /** The ticket of #pending[0] (tickets stay valid when the array is compacted). */
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
    return this.#pending.length - this.#head;
  }

  /** A key (greater than every key before) that settled as it was marched. */
  pass(key: string, outcome: Outcome, sizeBytes = 0): void {
    const last = this.#pending.length > this.#head ? this.#pending.at(-1) : undefined;
    if (last === undefined) {
      this.#mark = key;
      count(this.#settled, outcome, sizeBytes);
      return;
    }
    last.tailKey = key;
    last.tail ??= zeroCounts();
    count(last.tail, outcome, sizeBytes);
  }

  /** A key (greater than every key before) whose outcome comes later. */
  begin(key: string, sizeBytes = 0): Ticket {
    const entry: Entry = {
      key,
      outcome: undefined,
      sizeBytes,
      tailKey: undefined,
      tail: undefined,
    };
    this.#pending.push(entry);
    return this.#base + this.#pending.length - 1;
  }

  /** Settles a key handed out by {@link begin}; the mark moves past every settled prefix. */
  settle(ticket: Ticket, outcome: Outcome): void {
    const entry = this.#pending[ticket - this.#base];
    if (entry === undefined || entry.outcome !== undefined) return;
    entry.outcome = outcome;
    while (this.#head < this.#pending.length) {
      const first = this.#pending[this.#head];
      if (first?.outcome === undefined) break;
      count(this.#settled, first.outcome, first.sizeBytes);
      if (first.tail !== undefined) addCounts(this.#settled, first.tail);
      this.#mark = first.tailKey ?? first.key;
      this.#head += 1;
    }
    // Compact now and then so the array does not keep every settled entry.
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending.splice(0, this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }
}
