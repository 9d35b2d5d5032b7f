// The core every comparing run shares (rclone's fs/march): both listings of one key range are
// merge-joined in UTF-8 byte order and each key is handed to a policy as source-only,
// destination-only or a match. The policy settles it at once (decided from the listings) or
// returns work for the check lane (hashing) or the transfer lane (copying); the core tracks each
// range's low watermark as keys settle, in any order. Sync and check are two policies on it.
import { mergeJoin } from '../plan/merge-join.ts';
import type { EntryPages } from '../plan/merge-join.ts';
import { Watermark, zeroCounts } from '../job/watermark.ts';
import type { Outcome, SettledCounts, Ticket } from '../job/watermark.ts';
import { isPast } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import { serializeUnexpected } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ListEntry } from '../shared/protocol.ts';
import { createLanes } from './lanes.ts';
import type { Lanes, StopReason } from './lanes.ts';
import type { JsonValue } from '../shared/spill-fifo.ts';

/**
 * What a policy makes of one key: an outcome (settled from the listings alone), or work for the
 * check lane or the transfer lane; the key settles when its work does.
 */
export type Verdict<W extends JsonValue> = Outcome | { check: W } | { transfer: W };

/** What a run does with the keys of the march. */
export type MarchPolicy<W extends JsonValue> = {
  /** A key only at the source. */
  srcOnly(src: ListEntry): Verdict<W> | Promise<Verdict<W>>;
  /** A key only at the destination. */
  dstOnly(dst: ListEntry): Verdict<W> | Promise<Verdict<W>>;
  /** A key at both sides. */
  match(src: ListEntry, dst: ListEntry): Verdict<W> | Promise<Verdict<W>>;
  /**
   * Runs check work: its outcome, or transfer work that follows it; undefined when the run
   * stopped before the key settled (a resumed run marches it again).
   */
  check(work: W): Promise<Outcome | { transfer: W } | undefined>;
  /** Runs transfer work: its outcome, or undefined when the run stopped first. */
  transfer(work: W): Promise<Outcome | undefined>;
  /** A key that could not be listed (an unreadable local file): recorded as failed. */
  unlisted(key: string, error: SerializedError): void;
};

/** One range of a run as it is marched. */
export type RangeMarch = {
  /** The range's id (the checkpoint's, or `r0`). */
  id: string;
  /** Its bounds; `until` may shrink while it is marched (the rest split off as new ranges). */
  range: KeyRange;
  watermark: Watermark;
  /** Both listings of the range ended (not stopped). */
  isListed: boolean;
};

/** A new range march resuming from `mark` with the counts settled up to it. */
export function rangeMarch(
  id: string,
  range: KeyRange,
  mark?: string,
  counts: SettledCounts = zeroCounts(),
): RangeMarch {
  return { id, range, watermark: new Watermark(mark, counts), isListed: false };
}

/** Both listings of one key range, in pages, in UTF-8 byte order. */
export type RangeListings = {
  srcListing: EntryPages;
  dstListing: EntryPages;
  srcLabel: string;
  dstLabel: string;
};

/** A key that could not be listed, reported by a root while it lists. */
export type ListingIssue = { key: string; error: SerializedError };

/** What a policy may do to the run: stop it (fail-fast, a fatal error) or ask whether it stops. */
export type RunControl = Pick<Lanes<JsonValue>, 'isStopping' | 'stop' | 'stopFatal' | 'fatal'>;

/** Options of {@link createMarch}. */
export type MarchOptions<W extends JsonValue> = {
  /** Builds the policy, given the run's controls. */
  policy: (run: RunControl) => MarchPolicy<W>;
  /** Checks at once (hashes). */
  checkers: number;
  /** Transfers at once (copies). */
  transfers: number;
  /** Transfers held beyond the running ones. @default DEFAULT_LOOKAHEAD */
  lookahead?: number;
  cancel: { cancel(): void };
  signal?: AbortSignal | undefined;
  /** Keys the roots could not list, taken as the march goes (the session's queue). */
  issues?: { shift(): ListingIssue | undefined };
  /** A key of `range` settled, or its listing ended: the watermark may have moved. */
  onProgress?(range: RangeMarch): void;
};

/** The march of one run: ranges marched through one pair of lanes. */
export type March = {
  /** How the run stops (stop reasons, the fatal error). */
  readonly lanes: Pick<
    Lanes<JsonValue>,
    'stopReason' | 'fatal' | 'isStopping' | 'stop' | 'stopFatal'
  >;
  /**
   * Marches every key of `listings` (one range) until both end, a key passes the range's `until`
   * (which may shrink meanwhile), or the run stops; a listing that fails mid-way (or goes out of
   * order) stops the run as fatal. `onKey` sees every key marched, in order. Resolves true when
   * the range was listed to its end.
   */
  marchRange(
    range: RangeMarch,
    listings: RangeListings,
    onKey?: (key: string) => void,
  ): Promise<boolean>;
  /** Resolves once every key handed out so far has settled (or the run stopped). */
  drained(): Promise<void>;
  /** Stops listening to the abort signal. */
  detach(): void;
};

/** The work of one key, queued: which range and ticket it settles. */
type Item<W extends JsonValue> = { range: string; ticket: Ticket; key: string; work: W };

/** Creates the march of one run around `policy`. */
export function createMarch<W extends JsonValue>(options: MarchOptions<W>): March {
  const ranges = new Map<string, RangeMarch>();

  const settle = (item: Item<W>, outcome: Outcome | undefined): void => {
    const range = ranges.get(item.range);
    if (outcome === undefined || range === undefined) return;
    range.watermark.settle(item.ticket, outcome, item.key);
    options.onProgress?.(range);
  };

  const lanes: Lanes<Item<W>> = createLanes<Item<W>>({
    checkers: options.checkers,
    transfers: options.transfers,
    ...(options.lookahead === undefined ? {} : { lookahead: options.lookahead }),
    cancel: options.cancel,
    signal: options.signal,
    runCheck: async (item) => {
      if (lanes.isStopping()) return;
      const result = await policy.check(item.work);
      if (typeof result === 'object') lanes.transferNow({ ...item, work: result.transfer });
      else settle(item, result);
    },
    runTransfer: async (item) => {
      if (lanes.isStopping()) return;
      settle(item, await policy.transfer(item.work));
    },
  });

  const policy = options.policy(lanes);

  const takeIssues = (): void => {
    if (options.issues === undefined) return;
    for (let issue = options.issues.shift(); issue; issue = options.issues.shift()) {
      policy.unlisted(issue.key, issue.error);
    }
  };

  /**
   * Hands a key's verdict on: settled at once (undefined: nothing to wait for — most keys of a
   * no-op, so no promise per key), or queued in a lane (a promise: room in the lane).
   */
  const hand = (
    range: RangeMarch,
    key: string,
    sizeBytes: number,
    verdict: Verdict<W>,
  ): Promise<void> | undefined => {
    if (typeof verdict === 'string') {
      range.watermark.pass(key, verdict, sizeBytes);
      return undefined;
    }
    const ticket = range.watermark.begin(sizeBytes);
    if ('check' in verdict)
      return lanes.check({ range: range.id, ticket, key, work: verdict.check });
    return lanes.transfer({ range: range.id, ticket, key, work: verdict.transfer });
  };

  return {
    lanes,
    async marchRange(range, listings, onKey) {
      ranges.set(range.id, range);
      const joined = mergeJoin(listings.srcListing, listings.dstListing, {
        srcLabel: listings.srcLabel,
        dstLabel: listings.dstLabel,
      })[Symbol.asyncIterator]();
      try {
        listing: for (;;) {
          if (lanes.isStopping()) return false;
          const pending = joined.next();
          // If a stop comes first, a later listing error must not surface as unhandled.
          pending.catch(() => undefined);
          const next = await lanes.untilStopped(pending);
          takeIssues();
          if (next === undefined) return false;
          if (next.done === true) break;
          // A batch is walked without awaiting, except for an async verdict or a full lane: most
          // keys of a no-op cost no promise at all.
          for (const entry of next.value) {
            if (lanes.isStopping()) return false;
            const key = entry.kind === 'dst-only' ? entry.dst.key : entry.src.key;
            // The range was split while it was listed: the rest belongs to other ranges.
            if (isPast(key, range.range)) break listing;
            onKey?.(key);
            let verdict =
              entry.kind === 'dst-only'
                ? policy.dstOnly(entry.dst)
                : entry.kind === 'src-only'
                  ? policy.srcOnly(entry.src)
                  : policy.match(entry.src, entry.dst);
            if (verdict instanceof Promise) verdict = await verdict;
            const sizeBytes = entry.kind === 'dst-only' ? 0 : entry.src.sizeBytes;
            const queued = hand(range, key, sizeBytes, verdict);
            if (queued !== undefined) await queued;
          }
        }
        if (lanes.isStopping()) return false;
        range.isListed = true;
        options.onProgress?.(range);
        return true;
      } catch (error) {
        lanes.stopFatal(serializeUnexpected(error, 'ListingFailed'));
        return false;
      } finally {
        // Leave a listing still waiting on the network to settle on its own, quietly.
        void joined.return(undefined).catch(() => undefined);
      }
    },
    drained: () => lanes.drained(),
    detach: () => {
      lanes.detach();
    },
  };
}

export type { StopReason };
