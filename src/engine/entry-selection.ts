// The size and age filters (--min-size/--max-size/--min-age/--max-age) on the march: a policy
// wrapped so that it never sees a key they leave out. They judge the source object of a key (the
// destination's when there is none), so a key whose source is left out is neither copied nor, as
// extraneous, deleted, whatever its destination looks like; with --delete-excluded its
// destination counts as extraneous. Name filters act earlier, on both listings (roots.ts).
import { createEntryFilter, resolveSizeAge } from '../plan/entry-filter.ts';
import type { EntryPredicate, SizeAgeOptions } from '../plan/entry-filter.ts';
import type { JsonValue } from '../shared/spill-fifo.ts';
import type { MarchPolicy } from './march.ts';

/**
 * `policy`, seeing only the keys `selects` keeps; the others settle as `filtered`. Without a
 * predicate, `policy` itself.
 */
export function selectingPolicy<W extends JsonValue>(
  policy: MarchPolicy<W>,
  selects: EntryPredicate | undefined,
  shouldDeleteExcluded: boolean,
): MarchPolicy<W> {
  if (selects === undefined) return policy;
  return {
    ...policy,
    srcOnly: (src) => (selects(src) ? policy.srcOnly(src) : 'filtered'),
    match: (src, dst) => {
      if (selects(src)) return policy.match(src, dst);
      return shouldDeleteExcluded ? policy.dstOnly(dst) : 'filtered';
    },
    dstOnly: (dst) => (shouldDeleteExcluded || selects(dst) ? policy.dstOnly(dst) : 'filtered'),
  };
}

/**
 * The predicate of a run's size and age options, durations counted back from `passStartedAt`
 * (ISO; a new pass: now); undefined when there is none.
 */
export function sizeAgePredicate(
  options: SizeAgeOptions,
  passStartedAt?: string,
): EntryPredicate | undefined {
  const nowMs = passStartedAt === undefined ? Date.now() : Date.parse(passStartedAt);
  return createEntryFilter(resolveSizeAge(options, nowMs));
}
