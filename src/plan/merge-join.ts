// Streaming merge join of two paged listings in UTF-8 byte order: memory O(one page a side),
// both sides pulled concurrently, and a loud failure when a listing is not strictly ascending.
import { S3FerryError } from '../shared/errors.ts';
import type { ListEntry } from '../shared/protocol.ts';
import { compareKeys } from './compare-keys.ts';

/** One key of the union of two listings. */
export type JoinEntry =
  | { kind: 'src-only'; src: ListEntry }
  | { kind: 'dst-only'; dst: ListEntry }
  | { kind: 'match'; src: ListEntry; dst: ListEntry };

/** Options of {@link mergeJoin}. */
export type MergeJoinOptions = {
  /** How errors name the source listing (e.g. its URL). @default 'source' */
  srcLabel?: string;
  /** How errors name the destination listing. @default 'destination' */
  dstLabel?: string;
};

/** A listing in pages, in UTF-8 byte order across pages; a page may be empty. */
export type EntryPages = AsyncIterable<readonly ListEntry[]>;

/** One side of the join: its pages, the page being joined, where in it, and the last key taken. */
type Side = {
  iterator: AsyncIterator<readonly ListEntry[]>;
  label: string;
  page: readonly ListEntry[];
  index: number;
  isDone: boolean;
  previousKey: string | undefined;
};

/**
 * Joins two listings sorted in UTF-8 byte order ({@link compareKeys}) into batches of
 * src-only / dst-only / match entries, in the same order. Works page by page: it joins what both
 * current pages hold without awaiting anything, hands that batch out, and only then pulls the
 * next page of the side that ran out (both at once when both did); the listing functions
 * prefetch their next page themselves. Stopping early (break, throw) closes both inputs.
 * Pages, not keys: a no-op of 10⁸ keys would otherwise pay an await per key per layer.
 * @throws S3FerryError (kind `internal`, code `OutOfOrderListing`) naming the side and both keys
 *   when an input goes backwards or repeats a key (after the batch joined before that key).
 */
export async function* mergeJoin(
  src: EntryPages,
  dst: EntryPages,
  options: MergeJoinOptions = {},
): AsyncGenerator<JoinEntry[], void, undefined> {
  const s = sideOf(src, options.srcLabel ?? 'source');
  const d = sideOf(dst, options.dstLabel ?? 'destination');
  try {
    await refill(s, d);
    for (;;) {
      const batch: JoinEntry[] = [];
      let outOfOrder: S3FerryError | undefined;
      try {
        joinPages(s, d, batch);
      } catch (error) {
        if (!(error instanceof S3FerryError)) throw error;
        outOfOrder = error;
      }
      if (batch.length > 0) yield batch;
      if (outOfOrder !== undefined) throw outOfOrder;
      if (s.isDone && d.isDone) return;
      await refill(s, d);
    }
  } finally {
    // Close both inputs (a no-op for finished ones): when the consumer stops early or a side
    // fails, listings can abort their prefetched page.
    await Promise.allSettled([s.iterator.return?.(), d.iterator.return?.()]);
  }
}

function sideOf(pages: EntryPages, label: string): Side {
  return {
    iterator: pages[Symbol.asyncIterator](),
    label,
    page: [],
    index: 0,
    isDone: false,
    previousKey: undefined,
  };
}

/** A side holds an entry to join, or has ended. */
function isReady(side: Side): boolean {
  return side.isDone || side.index < side.page.length;
}

/**
 * Joins the two current pages into `batch` until a side that has not ended runs out of its page.
 * @throws S3FerryError for a key out of order (the batch keeps what was joined before it).
 */
function joinPages(s: Side, d: Side, batch: JoinEntry[]): void {
  while (isReady(s) && isReady(d)) {
    const a = s.isDone ? undefined : s.page[s.index];
    const b = d.isDone ? undefined : d.page[d.index];
    if (a === undefined) {
      if (b === undefined) return;
      batch.push({ kind: 'dst-only', dst: take(d, b) });
      continue;
    }
    const order = b === undefined ? -1 : compareKeys(a.key, b.key);
    if (order < 0 || b === undefined) batch.push({ kind: 'src-only', src: take(s, a) });
    else if (order > 0) batch.push({ kind: 'dst-only', dst: take(d, b) });
    else {
      const src = take(s, a);
      batch.push({ kind: 'match', src, dst: take(d, b) });
    }
  }
}

/**
 * Pulls the next non-empty page of every side that ran out of its page, both at once. (Two
 * awaits on promises already started, not Promise.all over two async calls.)
 */
async function refill(s: Side, d: Side): Promise<void> {
  const fromSrc = isReady(s) ? undefined : nextPage(s);
  const fromDst = isReady(d) ? undefined : nextPage(d);
  // Awaited below; if the source fails first, the destination's failure is not unhandled.
  fromDst?.catch(() => undefined);
  await fromSrc;
  await fromDst;
}

async function nextPage(side: Side): Promise<void> {
  while (!isReady(side)) {
    const next = await side.iterator.next();
    if (next.done === true) side.isDone = true;
    else {
      side.page = next.value;
      side.index = 0;
    }
  }
}

/** Takes a side's current entry (`entry`), checking that keys strictly ascend. */
function take(side: Side, entry: ListEntry): ListEntry {
  const previous = side.previousKey;
  if (previous !== undefined && compareKeys(previous, entry.key) >= 0) {
    const what = previous === entry.key ? 'repeats the key' : 'goes backwards:';
    throw new S3FerryError(
      'internal',
      'OutOfOrderListing',
      `the ${side.label} listing is not in UTF-8 byte order: it ${what} ` +
        `${JSON.stringify(entry.key)} after ${JSON.stringify(previous)}`,
      {
        fatal: true,
        hint: 'the server or file system returned keys out of order; a sync cannot compare them safely',
      },
    );
  }
  side.previousKey = entry.key;
  side.index += 1;
  return entry;
}
