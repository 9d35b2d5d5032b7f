// Static shards: a plan cuts the key space into N ranges of about equal key counts (at the
// quantiles of a thinned sample of the source listing), and `sync --shard I/N` marches range I
// alone. The ranges tile the whole key space (the first has no start, the last no end, each
// starts where the one before ends), so a key added after the plan was made still falls in
// exactly one shard; only the balance ages. Pure: the plan file's text in and out, no I/O.
import { S3FerryError, usageError } from '../shared/errors.ts';
import { compareKeys } from './compare-keys.ts';
import { describeRange } from './key-range.ts';
import type { KeyRange } from './key-range.ts';

export const PLAN_FORMAT = 's3ferry-plan';
export const PLAN_VERSION = 1;

/** One range of a plan, (after, until], and how many keys it held when the plan was made. */
export type PlannedRange = KeyRange & { readonly keys: number };

/** A plan file's content (JSON). Paths as written: profile names, never a credential. */
export type ShardPlan = {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  src: string;
  dst: string;
  createdAt: string;
  /** Source keys listed (after globs and filters), and how many the sample kept. */
  keysListed: number;
  keysSampled: number;
  /** In key order; they tile the key space. */
  ranges: PlannedRange[];
};

/** Shard `index` (0-based, as Kubernetes' JOB_COMPLETION_INDEX) of `count`. */
export type Shard = { readonly index: number; readonly count: number };

/** What {@link cutAtQuantiles} reads of a sample (plan/key-sample.ts). */
export type SampleView = {
  /** keys[i] is at listing position i × stride. */
  readonly keys: readonly string[];
  readonly stride: number;
  /** Keys listed in all. */
  readonly seen: number;
};

/**
 * Cuts the listing the sample was taken from into `count` ranges of about equal key counts: the
 * cut after range j is the sampled key nearest below position seen × (j + 1) / count, so each
 * count is exact (the sampled positions are known) and off its share by less than a stride.
 * @throws S3FerryError (usage) when the listing has fewer keys than ranges: a cut needs a key.
 */
export function cutAtQuantiles(sample: SampleView, count: number): PlannedRange[] {
  const { keys, stride, seen } = sample;
  if (count > 1 && seen < count) {
    throw usageError(
      `the source lists ${seen} keys, fewer than the ${count} ranges asked for (each cut is a key)`,
      `plan at most ${Math.max(seen, 1)} ranges`,
    );
  }
  const ranges: PlannedRange[] = [];
  let after: string | undefined;
  let lastPosition = -1;
  let lastIndex = -1;
  for (let j = 1; j < count; j++) {
    const target = Math.round((seen * j) / count) - 1;
    // Floor keeps the cut at or before its target, so the last range is never empty; with
    // count ≤ capacity / 4 consecutive targets are two strides apart, so cuts never repeat.
    const index = Math.max(Math.floor(target / stride), lastIndex + 1);
    const until = keys[index];
    if (until === undefined) {
      throw new S3FerryError('internal', 'PlanCut', `no sampled key at ${index} of ${keys.length}`);
    }
    const position = index * stride;
    ranges.push({
      ...(after === undefined ? {} : { after }),
      until,
      keys: position - lastPosition,
    });
    after = until;
    lastPosition = position;
    lastIndex = index;
  }
  ranges.push({ ...(after === undefined ? {} : { after }), keys: seen - 1 - lastPosition });
  return ranges;
}

/** A plan file's text: indented JSON, so a person can read and diff it. */
export function formatPlan(plan: ShardPlan): string {
  return `${JSON.stringify(plan, undefined, 2)}\n`;
}

function corrupt(file: string, why: string): S3FerryError {
  return new S3FerryError('config', 'CorruptPlan', `plan ${file} ${why}`, {
    hint: 'make it again: s3ferry plan SRC DST --ranges N --out FILE',
  });
}

const isWhole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === 'string';

/**
 * Reads a plan file's text; `file` names it in errors.
 * @throws S3FerryError (config, `CorruptPlan`, exit 2) for text that is not a plan of this
 *   version, or whose ranges do not tile the key space in order.
 */
export function parsePlan(text: string, file: string): ShardPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const plan = (raw ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || plan['format'] !== PLAN_FORMAT) {
    throw corrupt(file, `is not an s3ferry plan (no "format": "${PLAN_FORMAT}")`);
  }
  if (plan['version'] !== PLAN_VERSION) {
    throw corrupt(
      file,
      `has version ${String(plan['version'])}; this s3ferry reads version ${PLAN_VERSION}`,
    );
  }
  for (const field of ['src', 'dst', 'createdAt'] as const) {
    if (!isText(plan[field])) throw corrupt(file, `has no "${field}" text`);
  }
  for (const field of ['keysListed', 'keysSampled'] as const) {
    if (!isWhole(plan[field])) throw corrupt(file, `has no "${field}" count`);
  }
  const ranges = plan['ranges'];
  if (!Array.isArray(ranges) || ranges.length === 0) throw corrupt(file, 'has no "ranges"');
  const problem = tilingProblem(ranges as unknown[]);
  if (problem !== undefined) throw corrupt(file, problem);
  return plan as ShardPlan;
}

/** Why `ranges` are not plan ranges tiling the key space in order; undefined when they are. */
function tilingProblem(ranges: readonly unknown[]): string | undefined {
  let previous: string | undefined;
  for (const [i, item] of ranges.entries()) {
    const r = (item ?? {}) as Record<string, unknown>;
    const { after, until } = r;
    if (!isWhole(r['keys'])) return `range ${i} has no "keys" count`;
    if ((after !== undefined && !isText(after)) || (until !== undefined && !isText(until))) {
      return `range ${i} has a bound that is not text`;
    }
    if (i === 0 ? after !== undefined : after !== previous) {
      return i === 0
        ? 'range 0 has an "after": the first range starts at the first key'
        : `range ${i} does not start where range ${i - 1} ends`;
    }
    const isLast = i === ranges.length - 1;
    if (isLast ? until !== undefined : until === undefined) {
      return isLast
        ? `range ${i} has an "until": the last range ends at the last key`
        : `range ${i} has no "until": only the last range is open`;
    }
    if (after !== undefined && until !== undefined && compareKeys(after, until) >= 0) {
      return `range ${i} ends before it starts`;
    }
    previous = until;
  }
  return undefined;
}

const SHARD_HELP = 'I/N with 0 ≤ I < N (I is 0-based, as JOB_COMPLETION_INDEX)';

/**
 * `--shard I/N` as a shard.
 * @throws S3FerryError (usage) naming the flag and the form.
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) throw usageError(`--shard must be ${SHARD_HELP}, got '${text}'`);
  return checkShard({ index: Number(match[1]), count: Number(match[2]) });
}

/** `shard` when its index lies in 0..count − 1. @throws S3FerryError (usage) otherwise. */
export function checkShard(shard: Shard): Shard {
  const { index, count } = shard;
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    index < 0 ||
    index >= count
  ) {
    throw usageError(`--shard must be ${SHARD_HELP}, got ${String(index)}/${String(count)}`);
  }
  return shard;
}

/**
 * The key range of `shard` in `plan`, for a sync of `src` to `dst`.
 * @throws S3FerryError (usage, exit 2) when the plan was made for other paths or another number
 *   of shards.
 */
export function shardRange(
  plan: ShardPlan,
  shard: Shard,
  run: { src: string; dst: string; file: string },
): KeyRange {
  if (plan.src !== run.src || plan.dst !== run.dst) {
    throw usageError(
      `plan ${run.file} was made for ${plan.src} -> ${plan.dst}, this sync is ${run.src} -> ${run.dst}`,
      'give the paths the plan was made for, or make a plan for these',
    );
  }
  const range = plan.ranges[shard.index];
  if (shard.count !== plan.ranges.length || range === undefined) {
    throw usageError(
      `--shard ${shard.index}/${shard.count} does not fit plan ${run.file}: it has ${plan.ranges.length} ranges`,
      `use --shard I/${plan.ranges.length}`,
    );
  }
  return {
    ...(range.after === undefined ? {} : { after: range.after }),
    ...(range.until === undefined ? {} : { until: range.until }),
  };
}

/** A shard and its range as text, for messages and a checkpoint's identity: `1/4 ("a", "k"]`. */
export function describeShard(shard: Shard, range: KeyRange): string {
  return `${shard.index}/${shard.count} ${describeRange(range)}`;
}
