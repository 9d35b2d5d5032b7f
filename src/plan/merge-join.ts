// Streaming merge join of two listings in UTF-8 byte order: memory O(1) in the number of keys,
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

/** One side of the join: its iterator, the entry waiting to be joined and the last key seen. */
type Side = {
  iterator: AsyncIterator<ListEntry>;
  label: string;
  head: ListEntry | undefined;
  previousKey: string | undefined;
};

/**
 * Joins two listings sorted in UTF-8 byte order ({@link compareKeys}) into one stream of
 * src-only / dst-only / match entries, in the same order. Pulls both inputs lazily (one entry
 * ahead each) and, whenever both sides must advance, pulls them at the same time; the listing
 * functions prefetch their next page themselves. Stopping early (break, throw) closes both inputs.
 * @throws S3FerryError (kind `internal`, code `OutOfOrderListing`) naming the side and both keys
 *   when an input goes backwards or repeats a key.
 */
export async function* mergeJoin(
  src: AsyncIterable<ListEntry>,
  dst: AsyncIterable<ListEntry>,
  options: MergeJoinOptions = {},
): AsyncGenerator<JoinEntry, void, undefined> {
  const s: Side = {
    iterator: src[Symbol.asyncIterator](),
    label: options.srcLabel ?? 'source',
    head: undefined,
    previousKey: undefined,
  };
  const d: Side = {
    iterator: dst[Symbol.asyncIterator](),
    label: options.dstLabel ?? 'destination',
    head: undefined,
    previousKey: undefined,
  };
  try {
    await advanceBoth(s, d);
    for (;;) {
      const a = s.head;
      const b = d.head;
      if (a === undefined) {
        if (b === undefined) return;
        yield { kind: 'dst-only', dst: b };
        accept(d, await d.iterator.next());
        continue;
      }
      const order = b === undefined ? -1 : compareKeys(a.key, b.key);
      if (order < 0 || b === undefined) {
        yield { kind: 'src-only', src: a };
        accept(s, await s.iterator.next());
      } else if (order > 0) {
        yield { kind: 'dst-only', dst: b };
        accept(d, await d.iterator.next());
      } else {
        yield { kind: 'match', src: a, dst: b };
        await advanceBoth(s, d);
      }
    }
  } finally {
    // Close both inputs (a no-op for finished ones): when the consumer stops early or a side
    // fails, listings can abort their prefetched page.
    await Promise.allSettled([s.iterator.return?.(), d.iterator.return?.()]);
  }
}

/**
 * Pulls the next entry of both sides at once. (Two awaits on promises already started, not
 * Promise.all over two async calls: a no-op marches a match per key, and this is its cost.)
 */
async function advanceBoth(s: Side, d: Side): Promise<void> {
  const fromSrc = s.iterator.next();
  const fromDst = d.iterator.next();
  // Awaited below; if the source fails first, the destination's failure is not unhandled.
  fromDst.catch(() => undefined);
  accept(s, await fromSrc);
  accept(d, await fromDst);
}

/** Takes one side's next entry into `head`, checking that keys strictly ascend. */
function accept(side: Side, next: IteratorResult<ListEntry>): void {
  if (next.done === true) {
    side.head = undefined;
    return;
  }
  const entry = next.value;
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
  side.head = entry;
}
