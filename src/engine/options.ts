// The options of a sync run (library and CLI alike), their defaults and their validation.
import { checkObjectSettings } from '../shared/object-settings.ts';
import type { ObjectSettings } from '../shared/object-settings.ts';
import { availableParallelism } from 'node:os';
import type { ConfigResolver } from '../config/load.ts';
import { filterPatternProblem } from '../plan/filter.ts';
import { checkSizeAge } from '../plan/entry-filter.ts';
import type { SizeAgeOptions } from '../plan/entry-filter.ts';
import { checkShard } from '../plan/shard-plan.ts';
import type { Shard } from '../plan/shard-plan.ts';
import { DEFAULT_LIST_CONCURRENCY } from '../plan/key-range.ts';
import { usageError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { CompareMode } from './events.ts';
import { checkRateLimits } from './rate-limits.ts';
import type { RateLimitOptions } from './rate-limits.ts';

const MiB = 1024 * 1024;

/** Options of {@link sync}. Sizes are in bytes. */
export type SyncOptions = {
  /** Source: `s3://bucket/prefix`, `s3+PROFILE://…`, a local directory or file. */
  src: string;
  /** Destination, same forms. A single source object maps to exactly this path. */
  dst: string;
  /**
   * How to decide whether an object needs copying:
   * - `default`: megfile's rule: same size and the mtime rule (whole seconds)
   * - `force`: copy everything
   * - `skip-existing`: copy only keys missing at the destination (megfile `--skip`)
   * - `size-only`: copy when sizes differ
   * - `checksum`: compare ETag/MD5 where comparable (local MD5s computed in the workers)
   * @default 'default'
   */
  mode?: CompareMode;
  /** Worker threads, 1 to 4 per core (at least 4). @default os.availableParallelism() */
  workers?: number;
  /** Copies each worker runs at once (they wait on the network, not the CPU), 1–256. @default 16 */
  tasksPerWorker?: number;
  /**
   * Checks at once, apart from the copies (rclone's --checkers): the MD5s of local files that
   * `--checksum` compares. A hash never holds a copy slot. 1–256. @default 8
   */
  checkers?: number;
  /**
   * Objects of at least this size are copied in parts. 64 MiB: below it a single request is
   * cheaper (multipart adds a create and a complete request per object) and streams just as well;
   * above it parts run in parallel. 1 byte to 5 GiB (S3's largest single PUT or copy). @default 64 MiB
   */
  multipartThresholdBytes?: number;
  /** Preferred part size, 5 MiB–5 GiB; raised automatically to keep ≤ 10,000 parts. @default 16 MiB */
  partSizeBytes?: number;
  /** Parts in flight at once for one multipart copy, 1–64. @default 4 */
  partConcurrency?: number;
  /** Stop dispatching after the first failed object (in-flight copies still finish). @default false */
  failFast?: boolean;
  /** Cancels the run: dispatching stops, in-flight copies finish or abort, the summary says `interrupted`. */
  signal?: AbortSignal;
  /** Where profiles come from. @default loadConfigFromProcess() (environment and ~/.aws files) */
  config?: Pick<ConfigResolver, 'profile' | 'global'>;
  /** Overrides MEGFILE_S3_CLIENT_CACHE_MODE. */
  clientCacheMode?: ClientCacheMode;
  /** Failure records kept in the summary (all are counted and emitted), 0–1,000,000. @default 1000 */
  maxFailureDetails?: number;
  /** Period of `progress` events, 1 ms to 2^31 − 1 ms (Node's longest timer). @default 500 */
  progressIntervalMs?: number;
  /**
   * Delete destination keys that are absent at the source (`--delete`), only after every copy of
   * the run succeeded. @default false
   */
  shouldDelete?: boolean;
  /**
   * S3 → S3: carry each object's tags (`--no-tags`: false). Server-side copies keep them by
   * themselves; other copies read them (GetObjectTagging, only for objects that have tags, or
   * once per multipart copy) and write them with the object. A server without tagging gives
   * one warning and the copies go on without tags. @default true
   */
  copyTags?: boolean;
  /**
   * To S3: storage class, server-side encryption, canned ACL and headers (content type, cache
   * control, disposition, user metadata) of every object written; uploads guess the content type
   * from the file name unless `guessMimeType: false`. See shared/object-settings.ts.
   */
  objectSettings?: ObjectSettings;
  /**
   * Create the destination bucket when it does not exist (`--create-bucket`), in the destination
   * profile's region. Without it a missing bucket stops the run (exit 3). Not in a dry run, which
   * writes nothing. @default false
   */
  createBucket?: boolean;
  /**
   * Move instead of copy (`s3ferry mv`): delete each source object or file once its copy is
   * verified (bytes checked on the way, else size and MD5 at the destination); never the source
   * of a failed copy. Not with `checkpoint`, `plan` or a queue. @default false
   */
  shouldDeleteSource?: boolean;
  /** With `shouldDelete`: if more than this many deletes would happen, none happen (`--max-delete`, ≥ 0). */
  maxDelete?: number;
  /**
   * With `shouldDelete`: delete even when the source lists no objects at all (`--allow-empty-source`).
   * Without it such a run deletes nothing and ends `partial`: an empty source is more often a
   * wrong path or endpoint than a wish to empty the destination. @default false
   */
  allowEmptySource?: boolean;
  /** Plan only (`--dry-run`): emit what would be copied and deleted, write nothing. @default false */
  isDryRun?: boolean;
  /**
   * Glob patterns (`--include`) of keys relative to the source root to select; none: every key.
   * A key is synced when it matches an include (or there is none) and no exclude: exclude wins,
   * in any order. See src/plan/filter.ts for how a pattern matches.
   */
  include?: string[];
  /** Glob patterns (`--exclude`) of keys to leave out; they win over `include`. */
  exclude?: string[];
  /**
   * Also treat destination keys that the filters (or a glob SRC) leave out as extraneous, so
   * `shouldDelete` deletes them (`--delete-excluded`). @default false
   */
  shouldDeleteExcluded?: boolean;
  /**
   * Key ranges in flight (`--list-concurrency`): each is listed on both sides, compared and
   * copied on its own; a range that has marched two pages while a slot is free is split at cut
   * points guessed from its keys (journaled under `checkpoint`). 1 marches one range, serially.
   * 1–64. @default 1
   */
  listConcurrency?: number;
  /**
   * A checkpoint file (`--checkpoint FILE`): the job's ranges, how far each settled and the
   * multipart uploads in flight are recorded there as the run goes (crash-safe), and the same
   * command run again with it resumes where the run stopped instead of starting over. A finished
   * checkpoint makes the next run a new pass. Never holds a credential.
   */
  checkpoint?: string;
  /** With `checkpoint`: discard what the file holds and start the job over (`--fresh`). @default false */
  fresh?: boolean;
  /**
   * A plan file made by `planShards()` (`s3ferry plan`, `--plan FILE`): with `shard`, the run
   * syncs only that shard's key range (both listings, and `shouldDelete`, stay inside it). The
   * plan must be for the same `src` and `dst`, as written.
   */
  plan?: string;
  /** With `plan`: which of its ranges (`--shard I/N`: index I of N, 0-based). */
  shard?: Shard;
} & RateLimitOptions &
  SizeAgeOptions &
  FilesFromOption;

/** `--files-from`, for every command that selects keys. */
export type FilesFromOption = {
  /**
   * The only keys the run is about, relative to SRC (`--files-from`; parse a file's lines with
   * plan/files-from.ts `parseKeyList`): each is looked up on both sides instead of listing them,
   * and the other filters still apply. Not with a queue or a plan. @default every key
   */
  filesFrom?: readonly string[];
};

/** {@link SyncOptions} with every default applied. */
export type ResolvedSyncOptions = Required<Omit<SyncOptions, OptionalSyncOption>> &
  Pick<SyncOptions, OptionalSyncOption>;

/** The options that stay unset when not given. */
type OptionalSyncOption =
  | 'signal'
  | 'config'
  | 'clientCacheMode'
  | 'maxDelete'
  | 'checkpoint'
  | 'plan'
  | 'shard'
  | 'bwlimit'
  | 'tpslimit'
  | 'tpslimitBurst'
  | 'objectSettings'
  | 'filesFrom'
  | keyof SizeAgeOptions;

export const DEFAULT_TASKS_PER_WORKER = 16;
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 64 * MiB;
export const DEFAULT_PART_SIZE_BYTES = 16 * MiB;
export const DEFAULT_PART_CONCURRENCY = 4;
/** Hashes at once in a sync: local MD5s are CPU and disk work, a few per core are plenty. */
export const DEFAULT_CHECKERS = 8;
export const MAX_CHECKERS = 256;

/**
 * Upper bounds that protect the machine: every worker thread holds its own SDK and clients
 * (`--workers 50` on 4 objects took 1.3 GB), and each task, part or listing range in flight holds
 * sockets and buffers. Workers do CPU work, so they scale with the cores; tasks wait on the network.
 */
export const MAX_WORKERS = Math.max(4, 4 * availableParallelism());
export const MAX_TASKS_PER_WORKER = 256;
export const MAX_PART_CONCURRENCY = 64;
export const MAX_LIST_CONCURRENCY = 64;
/** S3's limits on one part (and one PUT). */
export const MIN_PART_SIZE_BYTES = 5 * MiB;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MiB;
/** S3's largest single PUT or CopyObject: an object above it is always copied in parts. */
export const MAX_MULTIPART_THRESHOLD_BYTES = 5 * 1024 * MiB;
/** Failure or difference records kept in a summary (each is held in memory until the end). */
export const MAX_DETAILS = 1_000_000;
/** Node's longest timer: a longer interval fires after 1 ms, every ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole-number option and its range: the name people read, its CLI flag (if any). */
export type Bound = {
  readonly name: string;
  readonly flag?: string;
  readonly min: number;
  readonly max: number;
  /** Why the range is what it is, when it is not obvious: `4 per core, at least 4`. */
  readonly why?: string;
};

/** Every bounded whole-number option of sync, cp and check (library and CLI alike). */
/**
 * Ranges of a plan: at most a quarter of the sample's capacity (2^16 keys), so that cuts stay
 * apart by more than the sample's stride; ten thousand shards is far beyond any Indexed Job.
 */
export const RANGES_BOUND: Bound = { name: 'ranges', flag: '--ranges', min: 1, max: 10_000 };

export const BOUNDS = {
  workers: {
    name: 'workers',
    flag: '--workers',
    min: 1,
    max: MAX_WORKERS,
    why: '4 per core, at least 4',
  },
  tasksPerWorker: {
    name: 'tasks per worker',
    flag: '--tasks-per-worker',
    min: 1,
    max: MAX_TASKS_PER_WORKER,
  },
  checkers: { name: 'checkers', flag: '--checkers', min: 1, max: MAX_CHECKERS },
  partConcurrency: {
    name: 'part concurrency',
    flag: '--part-concurrency',
    min: 1,
    max: MAX_PART_CONCURRENCY,
  },
  listConcurrency: {
    name: 'list concurrency',
    flag: '--list-concurrency',
    min: 1,
    max: MAX_LIST_CONCURRENCY,
  },
  // A limit, not a resource: any count is fine as long as it is exact.
  maxDelete: { name: 'max delete', flag: '--max-delete', min: 0, max: Number.MAX_SAFE_INTEGER },
  maxFailureDetails: { name: 'max failure details', min: 0, max: MAX_DETAILS },
  maxDifferenceDetails: { name: 'max difference details', min: 0, max: MAX_DETAILS },
  progressIntervalMs: {
    name: 'progress interval',
    min: 1,
    max: MAX_TIMER_MS,
    why: "Node's longest timer",
  },
} as const satisfies Record<string, Bound>;

/**
 * The one line of a value outside its bound: `tasks per worker (--tasks-per-worker) must be a whole
 * number from 1 to 256, got 0`. `got` is the value as given (the CLI quotes text that is no number).
 */
export function boundMessage(bound: Bound, got: string): string {
  const flag = bound.flag === undefined ? '' : ` (${bound.flag})`;
  const why = bound.why === undefined ? '' : ` (${bound.why})`;
  return `${bound.name}${flag} must be a whole number from ${bound.min} to ${bound.max}${why}, got ${got}`;
}

/**
 * `value` when it is a whole number within `bound`.
 * @throws S3FerryError (kind `usage`, exit 2) naming the option, its flag and the range.
 */
export function boundedInteger(bound: Bound, value: number): number {
  if (!Number.isSafeInteger(value) || value < bound.min || value > bound.max) {
    throw usageError(boundMessage(bound, String(value)));
  }
  return value;
}

/** A size in bytes within [min, max], the error naming the flag and both limits in words. */
function boundedSize(
  name: string,
  flag: string,
  value: number,
  [min, minText]: [number, string],
  [max, maxText]: [number, string],
): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw usageError(`${name} (${flag}) must be at least ${minText}, got ${value} bytes`);
  }
  if (value > max) {
    throw usageError(`${name} (${flag}) must be at most ${maxText}, got ${value} bytes`);
  }
  return value;
}

/** The whole-number options of a check, resolved with their defaults and checked. */
export function resolveCheckNumbers(options: {
  workers?: number | undefined;
  tasksPerWorker?: number | undefined;
  maxDifferenceDetails?: number | undefined;
  maxFailureDetails?: number | undefined;
  progressIntervalMs?: number | undefined;
}): {
  workers: number;
  tasksPerWorker: number;
  maxDifferenceDetails: number;
  maxFailureDetails: number;
  progressIntervalMs: number;
} {
  return {
    workers: boundedInteger(BOUNDS.workers, options.workers ?? availableParallelism()),
    tasksPerWorker: boundedInteger(
      BOUNDS.tasksPerWorker,
      options.tasksPerWorker ?? DEFAULT_TASKS_PER_WORKER,
    ),
    maxDifferenceDetails: boundedInteger(
      BOUNDS.maxDifferenceDetails,
      options.maxDifferenceDetails ?? 1000,
    ),
    maxFailureDetails: boundedInteger(BOUNDS.maxFailureDetails, options.maxFailureDetails ?? 1000),
    progressIntervalMs: boundedInteger(
      BOUNDS.progressIntervalMs,
      options.progressIntervalMs ?? 500,
    ),
  };
}

/** Refuses a bad --include/--exclude pattern before anything is listed. */
function checkFilterPatterns(patterns: string[] | undefined): string[] {
  for (const pattern of patterns ?? []) {
    const problem = filterPatternProblem(pattern);
    if (problem !== undefined) throw usageError(problem.message, problem.hint);
  }
  return patterns ?? [];
}

/** `plan` and `shard` come together; the shard's index lies in 0..N − 1. */
function checkPlanAndShard(options: SyncOptions): void {
  if (options.plan === '') throw usageError('--plan needs a file name');
  if (options.plan !== undefined && options.shard === undefined) {
    throw usageError(
      '--plan needs --shard I/N: which of its ranges this run syncs',
      'add --shard I/N (in a Kubernetes Indexed Job: --shard $(JOB_COMPLETION_INDEX)/N)',
    );
  }
  if (options.shard !== undefined && options.plan === undefined) {
    throw usageError(
      '--shard needs --plan FILE: the plan its ranges come from',
      'make one with: s3ferry plan SRC DST --ranges N --out FILE',
    );
  }
  if (options.shard !== undefined) checkShard(options.shard);
}

/** A move deletes sources as it goes: only in a plain run, and never with a destination --delete. */
function checkMove(options: SyncOptions): void {
  const refused: [unknown, string][] = [
    [options.checkpoint, '--checkpoint'],
    [options.plan, '--plan'],
    [options.shouldDelete === true ? true : undefined, '--delete'],
  ];
  for (const [value, flag] of refused) {
    if (value !== undefined)
      throw usageError(`mv does not take ${flag}`, 'use sync for that, then rm');
  }
}

/**
 * Applies defaults and checks ranges.
 * @throws S3FerryError (kind `usage`) naming the bad option.
 */
export function resolveSyncOptions(options: SyncOptions): ResolvedSyncOptions {
  const mode = options.mode ?? 'default';
  if (!['default', 'force', 'skip-existing', 'size-only', 'checksum'].includes(mode)) {
    throw usageError(`unknown comparison mode '${mode}'`);
  }
  const partSizeBytes = boundedSize(
    'the part size',
    '--part-size',
    options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES,
    [MIN_PART_SIZE_BYTES, "5 MiB (S3's minimum)"],
    [MAX_PART_SIZE_BYTES, "5 GiB (S3's maximum)"],
  );
  if (options.maxDelete !== undefined && options.shouldDelete !== true) {
    throw usageError('--max-delete limits --delete, which was not given', 'add --delete');
  }
  if (options.allowEmptySource === true && options.shouldDelete !== true) {
    throw usageError('--allow-empty-source relaxes --delete, which was not given', 'add --delete');
  }
  if (options.shouldDeleteExcluded === true && options.shouldDelete !== true) {
    throw usageError(
      '--delete-excluded widens --delete, which was not given',
      'add --delete (excluded destination keys are then deleted too)',
    );
  }
  if (options.fresh === true && options.checkpoint === undefined) {
    throw usageError(
      '--fresh discards a checkpoint, but no --checkpoint was given',
      'add --checkpoint FILE',
    );
  }
  if (options.checkpoint !== undefined && options.isDryRun === true) {
    throw usageError(
      '--checkpoint records a real run; a --dry-run writes nothing to resume',
      'drop --checkpoint for the dry run',
    );
  }
  if (options.checkpoint === '') throw usageError('--checkpoint needs a file name');
  checkPlanAndShard(options);
  checkRateLimits(options);
  checkSizeAge(options);
  if (options.filesFrom !== undefined && options.plan !== undefined) {
    throw usageError(
      '--files-from and --plan cannot be combined: a plan cuts the whole listing into ranges',
      'run the list without --plan/--shard, or split the list into files and run one each',
    );
  }
  if (options.shouldDeleteSource === true) checkMove(options);
  return {
    ...options,
    src: options.src,
    dst: options.dst,
    mode,
    fresh: options.fresh ?? false,
    workers: boundedInteger(BOUNDS.workers, options.workers ?? availableParallelism()),
    tasksPerWorker: boundedInteger(
      BOUNDS.tasksPerWorker,
      options.tasksPerWorker ?? DEFAULT_TASKS_PER_WORKER,
    ),
    checkers: boundedInteger(BOUNDS.checkers, options.checkers ?? DEFAULT_CHECKERS),
    multipartThresholdBytes: boundedSize(
      'the multipart threshold',
      '--multipart-threshold',
      options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES,
      [1, '1 byte'],
      [MAX_MULTIPART_THRESHOLD_BYTES, "5 GiB (S3's largest single PUT or copy)"],
    ),
    partSizeBytes,
    partConcurrency: boundedInteger(
      BOUNDS.partConcurrency,
      options.partConcurrency ?? DEFAULT_PART_CONCURRENCY,
    ),
    failFast: options.failFast ?? false,
    maxFailureDetails: boundedInteger(BOUNDS.maxFailureDetails, options.maxFailureDetails ?? 1000),
    progressIntervalMs: boundedInteger(
      BOUNDS.progressIntervalMs,
      options.progressIntervalMs ?? 500,
    ),
    shouldDelete: options.shouldDelete ?? false,
    shouldDeleteSource: options.shouldDeleteSource ?? false,
    createBucket: options.createBucket ?? false,
    copyTags: options.copyTags ?? true,
    ...objectSettingsOf(options.objectSettings),
    isDryRun: options.isDryRun ?? false,
    include: checkFilterPatterns(options.include),
    exclude: checkFilterPatterns(options.exclude),
    shouldDeleteExcluded: options.shouldDeleteExcluded ?? false,
    allowEmptySource: options.allowEmptySource ?? false,
    listConcurrency: boundedInteger(
      BOUNDS.listConcurrency,
      options.listConcurrency ?? DEFAULT_LIST_CONCURRENCY,
    ),
    ...(options.maxDelete === undefined
      ? {}
      : { maxDelete: boundedInteger(BOUNDS.maxDelete, options.maxDelete) }),
  };
}

function objectSettingsOf(given: ObjectSettings | undefined): { objectSettings?: ObjectSettings } {
  const checked = checkObjectSettings(given);
  return checked === undefined ? {} : { objectSettings: checked };
}
