// Runs a job's ranges through the march: in key order, up to `inFlight` at once. A range found
// large while it is listed (more than `splitAfterKeys` keys since it started or was last split)
// is split when a slot is free: the rest of it, beyond the key being marched, is cut at points
// guessed from the keys seen, the range shrinks to the first part, and the others wait for a slot
// (journaled first, so a resumed run knows them).
import type { RangeState } from '../job/checkpoint.ts';
import { zeroCounts } from '../job/watermark.ts';
import { remainderAfter } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import { serializeUnexpected } from '../shared/errors.ts';
import { rangeMarch } from './march.ts';
import type { March, RangeListings, RangeMarch } from './march.ts';

/**
 * Cuts the rest of a range, (position, until], into up to `parts` ranges from the keys seen;
 * returns them tiling it (none: no sensible cut).
 */
export type CutRest = (
  range: KeyRange,
  position: string,
  seen: readonly string[],
  parts: number,
) => KeyRange[];

/**
 * Records a split: `state` shrinks to end at the first new range's start, and the new ranges are
 * added to the job (the checkpoint journals them). Returns their states.
 */
export type RecordSplit = (state: RangeState, added: readonly KeyRange[]) => RangeState[];

/** Options of {@link RangeRunner}. */
export type RangeRunnerOptions = {
  march: March;
  openListings(range: KeyRange): Promise<RangeListings>;
  /** Ranges marched at once. */
  inFlight: number;
  /** Keys a range marches before it may be split. */
  splitAfterKeys: number;
  cut: CutRest;
  recordSplit: RecordSplit;
  /**
   * Split a large range into this many parts whatever the free slots (a distributed job's range:
   * the parts split off go to the queue, for other workers). @default split into free slots only
   */
  splitParts?: number;
};

/**
 * Keys a range marches before it may be split (when a slot is free): two listing pages, enough
 * for the key model to guess the density of the keys ahead.
 */
export const SPLIT_AFTER_KEYS = 2000;

/**
 * Records a split of a run without a checkpoint: the range shrinks, and each new range is named
 * by its start (the starts of a tiling are distinct, and a split range always has one).
 */
export function splitUnrecorded(state: RangeState, added: readonly KeyRange[]): RangeState[] {
  const first = added[0];
  if (first === undefined) return [];
  state.range = { after: state.range.after, until: first.after };
  return added.map((range) => ({
    id: rangeIdOf(range),
    range,
    mark: undefined,
    counts: zeroCounts(),
    isDone: false,
  }));
}

/** The id of the range starting after `after`: distinct in a tiling, and never reused. */
export function rangeIdOf(range: KeyRange): string {
  return `after:${range.after ?? ''}`;
}

/** Keys kept per range to guess cut points from (the most recent ones). */
const SAMPLE_KEYS = 1000;

/** The ranges of one run and the ones being marched. */
export class RangeRunner {
  /** Every range of the run by id (the ones split off included). */
  readonly states = new Map<string, RangeState>();
  /** The range marches by id (for the run's progress hook). */
  readonly marches = new Map<string, RangeMarch>();
  readonly #options: RangeRunnerOptions;
  readonly #waiting: RangeState[] = [];
  #active = 0;
  #splits = 0;
  /** Wakes the run loop when a split queued new ranges. */
  #kick: (() => void) | undefined;

  constructor(options: RangeRunnerOptions) {
    this.#options = options;
  }

  /** Ranges split off while marching. */
  get splits(): number {
    return this.#splits;
  }

  /**
   * Marches `ranges` (not done, in key order; the first one's listings already primed) and the
   * ranges split off them; true when every range was listed to its end.
   */
  async run(ranges: readonly RangeState[], firstListings?: RangeListings): Promise<boolean> {
    for (const state of ranges) this.states.set(state.id, state);
    this.#waiting.push(...ranges);
    // Set from the ranges' callbacks: an object, so the end sees their writes.
    const outcome = { isListed: true };
    let primed = firstListings;
    const running = new Set<Promise<void>>();
    const { lanes } = this.#options.march;
    for (;;) {
      while (this.#active < this.#options.inFlight && this.#waiting.length > 0) {
        if (lanes.isStopping()) break;
        const state = this.#waiting.shift();
        if (state === undefined) break;
        const listings = primed;
        primed = undefined;
        this.#active += 1;
        const done = this.#marchOne(state, listings).then((ok) => {
          if (!ok) outcome.isListed = false;
          this.#active -= 1;
          running.delete(done);
        });
        running.add(done);
      }
      if (running.size === 0) break;
      // A range ended (a slot is free) or split (new ranges wait): look again.
      const kicked = new Promise<void>((resolve) => {
        this.#kick = resolve;
      });
      await Promise.race([...running, kicked]);
      this.#kick = undefined;
    }
    return outcome.isListed && this.#waiting.length === 0 && !lanes.isStopping();
  }

  async #marchOne(state: RangeState, primed: RangeListings | undefined): Promise<boolean> {
    const { march } = this.#options;
    const range = rangeMarch(state.id, state.range, state.mark, state.counts);
    this.marches.set(state.id, range);
    let listings = primed;
    try {
      listings ??= await this.#options.openListings(remainderAfter(state.range, state.mark));
    } catch (error) {
      march.lanes.stopFatal(serializeUnexpected(error, 'ListingFailed'));
      return false;
    }
    const seen: string[] = [];
    let sinceSplit = 0;
    return march.marchRange(range, listings, (key) => {
      sinceSplit += 1;
      seen.push(key);
      if (seen.length > 2 * SAMPLE_KEYS) seen.splice(0, seen.length - SAMPLE_KEYS);
      if (sinceSplit < this.#options.splitAfterKeys) return;
      const { splitParts } = this.#options;
      const free =
        splitParts === undefined
          ? this.#options.inFlight - this.#active - this.#waiting.length
          : splitParts - 1;
      if (free <= 0 || march.lanes.isStopping()) return;
      sinceSplit = 0;
      this.#split(state, range, key, seen, free);
    });
  }

  #split(state: RangeState, range: RangeMarch, position: string, seen: string[], free: number) {
    // One part stays with this range, `free` go to the free slots.
    const parts = this.#options.cut(range.range, position, seen, free + 1);
    if (parts.length < 2) return;
    const added = this.#options.recordSplit(state, parts.slice(1));
    range.range = state.range;
    for (const next of added) this.states.set(next.id, next);
    this.#waiting.push(...added);
    this.#splits += added.length;
    this.#kick?.();
  }
}
