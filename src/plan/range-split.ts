// Splits the rest of a key range that is being listed, when it turns out large: the keys listed so
// far say how keys are spread (plan/key-model.ts reads them as numbers), and the rest, beyond the
// last key listed, is cut where about as many keys are expected in each part. The same guess for
// a local run (the range shrinks to its first part, the others are marched alongside) and for a
// distributed one (the worker keeps the first part and enqueues the others). A guess is only a
// guess: the parts always tile the rest exactly, a part that turns out empty costs one LIST per
// side, and one that turns out large is split again from its own keys.
import { compareKeys } from './compare-keys.ts';
import { isUsableCut, KeyModel, MAX_KEY_BYTES } from './key-model.ts';
import type { KeyDigits } from './key-model.ts';
import { remainderAfter, splitRange } from './key-range.ts';
import type { KeyRange } from './key-range.ts';

/**
 * Keys a part is expected to hold, at least. A range costs about one LIST per side more than its
 * pages (the page that crosses its end): five pages of keys keep that near 20%, and a smaller
 * part is not worth a job of its own.
 */
export const DEFAULT_KEYS_PER_PART = 5000;

/**
 * Most parts of one split: a split is journaled as one record (job/checkpoint.ts), and a record
 * must stay under the journal's 8 MiB line (a cut is at most 1024 bytes, 6 KiB JSON-escaped).
 */
export const MAX_SPLIT_PARTS = 1000;

/** Options of {@link splitRest} and {@link cutsAhead}. */
export type SplitRestOptions = {
  /** Keys each part is expected to hold, at least. @default DEFAULT_KEYS_PER_PART */
  keysPerPart?: number;
};

/**
 * Cuts the rest of `range` beyond `position` — the last key listed so far — into up to `parts`
 * ranges expected to hold keys, guessing from `seen` (keys listed so far, ascending; the most
 * recent ones are the best guide). The ranges tile (position, until] exactly, in key order: one
 * range when no sensible cut exists, none when the rest is empty (`position` at or past `until`).
 * A local march keeps the first (its range becomes (after, first.until]) and marches the others;
 * a distributed worker does the same and enqueues the others.
 * @example
 * const [mine, ...others] = splitRest(range, lastKey, recentKeys, 4);
 */
export function splitRest(
  range: KeyRange,
  position: string,
  seen: readonly string[],
  parts: number,
  options: SplitRestOptions = {},
): KeyRange[] {
  const rest = remainderAfter(range, position);
  if (isEmpty(rest)) return [];
  return splitRange(rest, cutsAhead(rest, seen, parts, options));
}

/**
 * The cut points of {@link splitRest} for `rest` = (from, until], `from` being the last key listed:
 * fewer than `parts` (and {@link MAX_SPLIT_PARTS}) keys, strictly ascending, strictly after `from`
 * and before `until`, usable as keys (no lone surrogate, at most 1024 UTF-8 bytes).
 * - Bounded rest: cut evenly in the model's numbers, into as many parts as it is expected to hold
 *   `keysPerPart` keys each (from the density of `seen`).
 * - Open rest, or an `until` the model cannot read (it differs from the keys seen before their
 *   common stem): a cut every `keysPerPart` keys, extrapolated from the density of `seen`; the
 *   last part takes the rest.
 * Empty when `seen` gives no density: fewer than two distinct keys up to `from`, or keys the model
 * cannot tell apart.
 */
export function cutsAhead(
  rest: KeyRange,
  seen: readonly string[],
  parts: number,
  options: SplitRestOptions = {},
): string[] {
  const from = rest.after;
  const count = Math.min(Math.floor(parts), MAX_SPLIT_PARTS);
  const wanted = Math.max(1, Math.ceil(options.keysPerPart ?? DEFAULT_KEYS_PER_PART));
  if (from === undefined || !(count >= 2) || !Number.isFinite(wanted) || isEmpty(rest)) return [];
  const keysPerPart = BigInt(wanted);
  // Keys past `from` are not "listed so far": they would skew the density.
  const listed = seen.filter((key) => compareKeys(key, from) <= 0);
  const first = listed[0];
  const last = listed.at(-1);
  if (first === undefined || last === undefined || first === last) return [];
  const model = new KeyModel();
  for (const key of listed) model.observe(key);
  model.observe(from);
  const digits = model.digits();
  if (digits === undefined) return [];
  const span = digits.value(last) - digits.value(first);
  const gaps = BigInt(listed.length - 1);
  if (span <= 0n) return [];
  const base = digits.value(from);
  const { until } = rest;
  const targets =
    until !== undefined && digits.covers(until)
      ? evenTargets(base, digits.value(until), span, gaps, keysPerPart, count)
      : steppedTargets(base, (span * keysPerPart) / gaps, count);
  return usableCuts(targets, digits, rest);
}

/**
 * Values cutting [base, end] evenly into as many parts (at most `count`) as it is expected to
 * hold `keysPerPart` keys each, at `gaps` keys per `span`.
 */
function evenTargets(
  base: bigint,
  end: bigint,
  span: bigint,
  gaps: bigint,
  keysPerPart: bigint,
  count: number,
): bigint[] {
  const expected = ((end - base) * gaps) / span;
  const n = expected / keysPerPart < BigInt(count) ? Number(expected / keysPerPart) : count;
  const targets: bigint[] = [];
  for (let i = 1; i < n; i++) targets.push(base + ((end - base) * BigInt(i)) / BigInt(n));
  return targets;
}

/** Values every `step` after `base`: `count - 1` of them. */
function steppedTargets(base: bigint, step: bigint, count: number): bigint[] {
  if (step <= 0n) return [];
  const targets: bigint[] = [];
  for (let i = 1; i < count; i++) targets.push(base + step * BigInt(i));
  return targets;
}

/** The keys of `targets`, made usable, keeping those strictly ascending inside `rest`. */
function usableCuts(targets: readonly bigint[], digits: KeyDigits, rest: KeyRange): string[] {
  const cuts: string[] = [];
  let previous = rest.after;
  for (const target of targets) {
    const key = digits.key(target);
    if (key === undefined) break; // past the largest key the model can write
    const cut = usableAtOrBelow(key);
    if (previous !== undefined && compareKeys(cut, previous) <= 0) continue;
    if (rest.until !== undefined && compareKeys(cut, rest.until) >= 0) continue;
    if (!isUsableCut(cut)) continue;
    cuts.push(cut);
    previous = cut;
  }
  return cuts;
}

/**
 * `key` cut short before its first lone surrogate (a cut made of units seen at each position may
 * split a pair) and to S3's longest key: a prefix, so it sorts at or before `key`.
 */
function usableAtOrBelow(key: string): string {
  const lone = key.search(/\p{Cs}/u);
  const usable = lone === -1 ? key : key.slice(0, lone);
  if (Buffer.byteLength(usable) <= MAX_KEY_BYTES) return usable;
  let bytes = 0;
  let end = 0;
  for (const char of usable) {
    bytes += Buffer.byteLength(char);
    if (bytes > MAX_KEY_BYTES) break;
    end += char.length;
  }
  return usable.slice(0, end);
}

/** True when no key lies in the range: its start is at or past its end. */
function isEmpty(range: KeyRange): boolean {
  return (
    range.after !== undefined &&
    range.until !== undefined &&
    compareKeys(range.after, range.until) >= 0
  );
}
