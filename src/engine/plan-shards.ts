// `planShards()`: lists the source once, as a sync would (globs and --include/--exclude applied),
// keeping a bounded, evenly thinned sample of its keys (plan/key-sample.ts), and cuts the key
// space at the sample's quantiles into ranges of about equal key counts (plan/shard-plan.ts).
// Only the source is listed; the destination is resolved (and an overlap refused) as sync would.
import type { ConfigResolver } from '../config/load.ts';
import { loadConfigFromProcess } from '../config/load.ts';
import { filterPatternProblem } from '../plan/filter.ts';
import { KeySample } from '../plan/key-sample.ts';
import { cutAtQuantiles, PLAN_FORMAT, PLAN_VERSION } from '../plan/shard-plan.ts';
import type { ShardPlan } from '../plan/shard-plan.ts';
import { ClientCache } from '../s3/client-cache.ts';
import { DEFAULT_LIST_CONCURRENCY } from '../plan/key-range.ts';
import { createBackoffBuffer, poolThrottle } from '../s3/shared-backoff.ts';
import { usageError } from '../shared/errors.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { BOUNDS, boundedInteger, RANGES_BOUND } from './options.ts';
import { openRoots } from './roots.ts';

/** Options of {@link planShards}. */
export type PlanShardsOptions = {
  /** Source, as `sync` takes it (a glob too). Written to the plan as given. */
  src: string;
  /** Destination, as `sync` takes it. Written to the plan as given; not listed. */
  dst: string;
  /** How many ranges (shards) to cut the key space into, 1–10,000. */
  ranges: number;
  /** As sync's: the plan balances the keys the sync will list. */
  include?: string[];
  exclude?: string[];
  /** LIST requests in flight for the source listing (1–64). @default 4 */
  listConcurrency?: number;
  /** Where profiles come from. @default loadConfigFromProcess() */
  config?: Pick<ConfigResolver, 'profile' | 'global'>;
  /** Requests sent, by operation (filled in as they go). */
  requests?: RequestCounts;
  /** Keys the sample keeps at most. @default DEFAULT_SAMPLE_CAPACITY */
  sampleCapacity?: number;
};

/**
 * Lists SRC and cuts its key space into `ranges` ranges of about equal key counts, for
 * `sync({ plan, shard })` (`s3ferry sync --plan FILE --shard I/N`). The ranges tile the whole
 * key space, so keys added later are synced by exactly one shard.
 * @throws S3FerryError: usage for bad options or paths, or fewer keys than ranges; the
 *   classified error of a listing that fails.
 * @example
 * const plan = await planShards({ src: 's3+a://b/data/', dst: 's3+c://d/data/', ranges: 8 });
 * await writePlanFile('plan.json', plan);
 */
export async function planShards(options: PlanShardsOptions): Promise<ShardPlan> {
  const count = boundedInteger(RANGES_BOUND, options.ranges);
  for (const pattern of [...(options.include ?? []), ...(options.exclude ?? [])]) {
    const problem = filterPatternProblem(pattern);
    if (problem !== undefined) throw usageError(problem.message, problem.hint);
  }
  const listConcurrency = boundedInteger(
    BOUNDS.listConcurrency,
    options.listConcurrency ?? DEFAULT_LIST_CONCURRENCY,
  );
  const config = options.config ?? loadConfigFromProcess();
  const cache = new ClientCache({
    mode: config.global().clientCacheMode,
    client: { ...poolThrottle(createBackoffBuffer()), maxSockets: 2 * listConcurrency },
  });
  try {
    const roots = await openRoots(options.src, options.dst, {
      config,
      clientFor: (spec) => cache.get(spec),
      requests: options.requests ?? {},
      // A file that cannot be listed would fail in the sync too; balance does not need it.
      onLocalIssue: () => undefined,
      selection: { include: options.include, exclude: options.exclude, listConcurrency },
      refuseOverlap: true,
    });
    const sample = new KeySample(options.sampleCapacity);
    for await (const page of roots.src.list()) for (const entry of page) sample.add(entry.key);
    return {
      format: PLAN_FORMAT,
      version: PLAN_VERSION,
      src: options.src,
      dst: options.dst,
      createdAt: new Date().toISOString(),
      keysListed: sample.seen,
      keysSampled: sample.keys.length,
      ranges: cutAtQuantiles(sample, count),
    };
  } finally {
    cache.destroy();
  }
}
