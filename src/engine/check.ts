// `check`: proves that DST holds what SRC holds, and writes nothing. Both roots are listed into the
// same streaming merge join as sync; each key is missing, extra, or compared: by size, then by
// content where a fingerprint is comparable (plain-MD5 ETags; local files hashed in the workers)
// or, with `download`, by reading both sides in the workers. Counts, never collects: memory is
// bounded by the hash queue and the capped detail lists, not by the number of keys.
import { loadConfigFromProcess } from '../config/load.ts';
import type { ConfigResolver } from '../config/load.ts';
import { isPlainMd5Etag } from '../plan/decide.ts';
import { isS3FerryError, S3FerryError, serializeError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { ListEntry, RequestCounts, WorkerTask } from '../shared/protocol.ts';
import type { FailureRecord } from './events.ts';
import { resolveCheckNumbers } from './options.ts';
import type { Root } from './roots.ts';
import { absorbTaskCounts, createDispatch, isCancellation, withSession } from './session.ts';
import type { Session } from './session.ts';
import { sumClientsBuilt } from './summary.ts';

/** Options of {@link check}. */
export type CheckOptions = {
  /** Source: `s3://bucket/prefix`, `s3+PROFILE://…`, a local directory or file. */
  src: string;
  /** Destination, same forms. A single source object is compared with exactly this path. */
  dst: string;
  /**
   * Compare the content of every same-size pair by reading both sides and hashing them (MD5) in
   * the workers: works for multipart ETags, SSE-KMS objects and across servers, at the cost of
   * reading every byte twice. Without it, content is compared where a fingerprint is comparable:
   * plain-MD5 ETags, and MD5s of local files. @default false
   */
  download?: boolean;
  /** Worker threads (they hash local files and, with `download`, read objects). @default os.availableParallelism() */
  workers?: number;
  /** Hashes each worker runs at once. @default 16 */
  tasksPerWorker?: number;
  /** Stops the check: no new hash starts, running ones are aborted, the summary says `interrupted`. */
  signal?: AbortSignal;
  /** Where profiles come from. @default loadConfigFromProcess() (environment and ~/.aws files) */
  config?: Pick<ConfigResolver, 'profile' | 'global'>;
  /** Overrides MEGFILE_S3_CLIENT_CACHE_MODE. */
  clientCacheMode?: ClientCacheMode;
  /** Difference records kept in the summary (every difference is counted and emitted). @default 1000 */
  maxDifferenceDetails?: number;
  /** Failure records kept in the summary (every failure is counted and emitted). @default 1000 */
  maxFailureDetails?: number;
  /** Period of `progress` events. @default 500 */
  progressIntervalMs?: number;
};

/**
 * How a key differs:
 * - `missing`: at the source only
 * - `extra`: at the destination only
 * - `size-differs`: at both, sizes differ
 * - `md5-differs`: at both, same size, different content fingerprints
 */
export type DifferenceKind = 'missing' | 'extra' | 'size-differs' | 'md5-differs';

/**
 * How the content of a same-size pair was compared:
 * - `etag`: both S3 ETags (plain MD5s, or identical multipart ETags)
 * - `md5`: the MD5 of a local file (computed in the workers) against an ETag or another file's MD5
 * - `download`: both sides read and hashed (`download`)
 * - `size-only`: no comparable fingerprint (multipart or non-MD5 ETag): NOT verified by content
 */
export type ComparedBy = 'etag' | 'md5' | 'download' | 'size-only';

/** One difference between SRC and DST. */
export type CheckDifference = {
  /** Key relative to both roots (`''` for a single object). */
  key: string;
  /** Full path at the source (where the key is, or would be). */
  src: string;
  /** Full path at the destination (where the key is, or should be). */
  dst: string;
  difference: DifferenceKind;
  /** Present unless `extra`. */
  srcSizeBytes?: number;
  /** Present unless `missing`. */
  dstSizeBytes?: number;
  /** For `md5-differs`: how the content was compared. */
  comparedBy?: Exclude<ComparedBy, 'size-only'>;
  /** For `md5-differs`: the two fingerprints (MD5 hex, or the ETags compared). */
  srcMd5?: string;
  dstMd5?: string;
};

/** Counters of a running check; totals grow while listing goes on. */
export type CheckProgress = {
  /** Source keys listed so far. */
  objectsListed: number;
  /** Destination keys listed so far. */
  objectsListedDestination: number;
  /** Keys of the two listings together (their union) so far: the total to check. */
  keysListed: number;
  /** Keys with a verdict: same, missing, extra, differing or failed. */
  objectsChecked: number;
  /** Differences found so far (missing + extra + differing). */
  differences: number;
  failed: number;
  /** Bytes the hashes queued so far will read. */
  bytesToHash: number;
  /** Bytes read and hashed so far (hashes in flight included). */
  bytesHashed: number;
  /** True once both listings have ended: the totals are final. */
  isListingDone: boolean;
  elapsedMs: number;
};

/** Result of a check. Plain data; `--report FILE` writes it as JSON. */
export type CheckSummary = {
  /**
   * - `match`: every key is at both sides with the same size and, where it could be compared,
   *   the same content (see `comparedBy.sizeOnly` for keys compared by size only)
   * - `differ`: some key is missing, extra or different
   * - `incomplete`: no difference found, but some keys could not be compared (`failures`)
   * - `interrupted`: cancelled before the end
   * - `fatal`: an error stopped the check (`fatal` holds it)
   */
  status: 'match' | 'differ' | 'incomplete' | 'interrupted' | 'fatal';
  src: string;
  dst: string;
  /** Both sides were read to compare content (`download`). */
  isDownload: boolean;
  startedAt: string;
  durationMs: number;
  objects: {
    /** Source keys listed. */
    listed: number;
    /** Destination keys listed. */
    listedDestination: number;
    /** Keys at both sides found the same. */
    same: number;
    missing: number;
    extra: number;
    /** Keys at both sides whose sizes differ. */
    sizeDiffers: number;
    /** Keys at both sides with the same size and different content. */
    md5Differs: number;
    /** Keys that could not be compared (a read failed); not counted as same or different. */
    failed: number;
    /** Hashes stopped by cancellation (interrupted checks). */
    cancelled: number;
  };
  /** How the `same` keys were compared; `sizeOnly` ones were NOT verified by content. */
  comparedBy: { etag: number; md5: number; download: number; sizeOnly: number };
  bytes: {
    /** Bytes of the source keys listed. */
    listed: number;
    /** Bytes read and hashed (local files and, with `download`, objects). */
    hashed: number;
  };
  /** Requests sent, by S3 operation name, retries included. Listing and GET only. */
  requests: RequestCounts;
  requestsTotal: number;
  clientCacheMode: ClientCacheMode;
  /** S3 clients built, per profile, over every thread of the process. */
  clientsBuilt: Record<string, number>;
  workers: number;
  /** The first `maxDifferenceDetails` differences (the counts above count all). */
  differences: CheckDifference[];
  isDifferenceListTruncated: boolean;
  /**
   * The source listed no keys while the destination holds some: every destination key is
   * "extra", which is more often a wrong path or endpoint than the truth.
   */
  isSourceEmpty: boolean;
  /** The first `maxFailureDetails` keys that could not be compared. */
  failures: FailureRecord[];
  isFailureListTruncated: boolean;
  /** The error that stopped the check (status `fatal`). */
  fatal?: SerializedError;
};

/** Everything a check emits, tagged by `kind`. */
export type CheckEvent =
  | {
      kind: 'start';
      src: string;
      dst: string;
      isDownload: boolean;
      workers: number;
      tasksPerWorker: number;
      clientCacheMode: ClientCacheMode;
      isSingleObject: boolean;
    }
  | ({ kind: 'progress' } & CheckProgress)
  | ({ kind: 'difference' } & CheckDifference)
  | { kind: 'same'; key: string; sizeBytes: number; comparedBy: ComparedBy }
  | ({ kind: 'failure' } & FailureRecord)
  | { kind: 'warning'; message: string }
  | { kind: 'summary'; summary: CheckSummary };

/** Receives the events of a check; must not throw. */
export type CheckEventListener = (event: CheckEvent) => void;

/**
 * What to do with a key present at both sides:
 * - `size-differs`: done, no content comparison needed
 * - `compared`: decided from the listings alone (two ETags, or no comparable fingerprint)
 * - `hash`: read the named sides in the workers and compare MD5s (an S3 side not hashed
 *   contributes its plain-MD5 ETag)
 */
export type PairPlan =
  | { action: 'size-differs' }
  | { action: 'compared'; isSame: boolean; comparedBy: 'etag' | 'size-only' }
  | { action: 'hash'; src: boolean; dst: boolean; comparedBy: 'md5' | 'download' };

const MULTIPART_ETAG = /^[0-9a-f]{32}-\d+$/i;

/**
 * Plans the comparison of one key present at both sides (pure).
 * - Different sizes: `size-differs`.
 * - `isDownload`: hash both sides.
 * - Two S3 sides: equal plain-MD5 ETags are the same content and different ones differ; two
 *   identical multipart ETags (same parts, same part MD5s) are the same content; anything else
 *   (multipart against plain, different part layouts, empty ETags) cannot be compared: size only.
 * - A local side: hash it, and compare with the other file's MD5 or a plain-MD5 ETag; against a
 *   multipart or empty ETag nothing is hashed: size only.
 */
export function planPair(
  src: ListEntry,
  dst: ListEntry,
  sides: { isSrcLocal: boolean; isDstLocal: boolean; isDownload: boolean },
): PairPlan {
  if (src.sizeBytes !== dst.sizeBytes) return { action: 'size-differs' };
  if (sides.isDownload) return { action: 'hash', src: true, dst: true, comparedBy: 'download' };
  const { isSrcLocal, isDstLocal } = sides;
  if (!isSrcLocal && !isDstLocal) {
    const a = src.etag?.toLowerCase();
    const b = dst.etag?.toLowerCase();
    if (isPlainMd5Etag(a) && isPlainMd5Etag(b)) {
      return { action: 'compared', isSame: a === b, comparedBy: 'etag' };
    }
    if (a !== undefined && a === b && MULTIPART_ETAG.test(a)) {
      return { action: 'compared', isSame: true, comparedBy: 'etag' };
    }
    return { action: 'compared', isSame: true, comparedBy: 'size-only' };
  }
  if ((!isSrcLocal && !isPlainMd5Etag(src.etag)) || (!isDstLocal && !isPlainMd5Etag(dst.etag))) {
    return { action: 'compared', isSame: true, comparedBy: 'size-only' };
  }
  return { action: 'hash', src: isSrcLocal, dst: isDstLocal, comparedBy: 'md5' };
}

/** {@link CheckOptions} with defaults applied and ranges checked. */
type ResolvedCheckOptions = CheckOptions & {
  workers: number;
  tasksPerWorker: number;
  maxDifferenceDetails: number;
  maxFailureDetails: number;
  progressIntervalMs: number;
};

function resolveCheckOptions(options: CheckOptions): ResolvedCheckOptions {
  return { ...options, ...resolveCheckNumbers(options) };
}

/** The mutable counts of one check (bounded: counters plus capped detail lists). */
class CheckTally {
  readonly startedAt = new Date();
  readonly #startMs = performance.now();
  readonly #maxDifferences: number;
  readonly #maxFailures: number;
  listed = 0;
  listedDestination = 0;
  bytesListed = 0;
  same = 0;
  missing = 0;
  extra = 0;
  sizeDiffers = 0;
  md5Differs = 0;
  failed = 0;
  cancelled = 0;
  bytesToHash = 0;
  bytesHashed = 0;
  isListingDone = false;
  readonly comparedBy = { etag: 0, md5: 0, download: 0, sizeOnly: 0 };
  /** Bytes reported by hashes still running, by task id. */
  readonly inFlightBytes = new Map<number, number>();
  readonly requests: RequestCounts = {};
  readonly clientsByThread = new Map<string, Record<string, number>>();
  readonly differences: CheckDifference[] = [];
  readonly failures: FailureRecord[] = [];

  constructor(maxDifferences: number, maxFailures: number) {
    this.#maxDifferences = maxDifferences;
    this.#maxFailures = maxFailures;
  }

  get differenceCount(): number {
    return this.missing + this.extra + this.sizeDiffers + this.md5Differs;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.#startMs);
  }

  recordDifference(difference: CheckDifference): void {
    switch (difference.difference) {
      case 'missing':
        this.missing += 1;
        break;
      case 'extra':
        this.extra += 1;
        break;
      case 'size-differs':
        this.sizeDiffers += 1;
        break;
      case 'md5-differs':
        this.md5Differs += 1;
        break;
    }
    if (this.differences.length < this.#maxDifferences) this.differences.push(difference);
  }

  recordSame(comparedBy: ComparedBy): void {
    this.same += 1;
    if (comparedBy === 'size-only') this.comparedBy.sizeOnly += 1;
    else this.comparedBy[comparedBy] += 1;
  }

  recordFailure(record: FailureRecord): void {
    this.failed += 1;
    if (this.failures.length < this.#maxFailures) this.failures.push(record);
  }

  snapshot(): CheckProgress {
    let inFlight = 0;
    for (const bytes of this.inFlightBytes.values()) inFlight += bytes;
    return {
      objectsListed: this.listed,
      objectsListedDestination: this.listedDestination,
      keysListed: this.listed + this.extra,
      objectsChecked: this.same + this.differenceCount + this.failed,
      differences: this.differenceCount,
      failed: this.failed,
      bytesToHash: this.bytesToHash,
      bytesHashed: this.bytesHashed + inFlight,
      isListingDone: this.isListingDone,
      elapsedMs: this.elapsedMs(),
    };
  }

  status(fatal: boolean, cancelled: boolean): CheckSummary['status'] {
    if (fatal) return 'fatal';
    if (cancelled) return 'interrupted';
    if (this.differenceCount > 0) return 'differ';
    return this.failed > 0 ? 'incomplete' : 'match';
  }
}

/**
 * Compares DST with SRC without writing anything: lists both, reports every key missing at the
 * destination, extra at the destination, or different (size; content where comparable, or always
 * with `download`). Keys whose content could not be compared (multipart ETags without
 * `download`) count as the same and are counted in `comparedBy.sizeOnly`.
 *
 * Resolves with the summary of any check that started (`status`: `match`, `differ`,
 * `incomplete`, `interrupted`, `fatal`). Rejects with an S3FerryError only for problems found
 * before anything was compared: bad options or paths (kind `usage`/`config`), and a root that
 * cannot be listed at all (bad credentials, missing bucket: `fatal: true`).
 *
 * @example
 * const summary = await check({ src: 's3+a://b/data/', dst: 's3+b://backup/data/' }, (e) => {
 *   if (e.kind === 'difference') differences.push(`${e.difference} ${e.key}`);
 * });
 * if (summary.status !== 'match') process.exitCode = 1;
 */
export async function check(
  options: CheckOptions,
  onEvent?: CheckEventListener,
): Promise<CheckSummary> {
  const resolved = resolveCheckOptions(options);
  const isDownload = resolved.download === true;
  const emit = (event: CheckEvent): void => onEvent?.(event);
  const config = resolved.config ?? loadConfigFromProcess();
  const cacheMode = resolved.clientCacheMode ?? config.global().clientCacheMode;
  const concurrency = resolved.workers * resolved.tasksPerWorker;
  const tally = new CheckTally(resolved.maxDifferenceDetails, resolved.maxFailureDetails);
  return withSession(
    {
      src: resolved.src,
      dst: resolved.dst,
      config,
      cacheMode,
      // process_local: the object reads of --download run on the main thread's clients.
      maxSockets: cacheMode === 'process_local' ? concurrency : 8,
      workers: resolved.workers,
      tasksPerWorker: resolved.tasksPerWorker,
      // One GET per hash: no parts.
      partConcurrency: 1,
      progressIntervalMs: resolved.progressIntervalMs,
      tally,
      emitWarning: (message) => {
        emit({ kind: 'warning', message });
      },
      onRoots: (roots) => {
        emit({
          kind: 'start',
          src: roots.src.label,
          dst: roots.dst.label,
          isDownload,
          workers: resolved.workers,
          tasksPerWorker: resolved.tasksPerWorker,
          clientCacheMode: cacheMode,
          isSingleObject: roots.src.isSingleObject,
        });
      },
      onProgress: () => {
        emit({ kind: 'progress', ...tally.snapshot() });
      },
    },
    (session) => runCheck(session),
  );

  async function runCheck(session: Session): Promise<CheckSummary> {
    const { roots, executor: exec, cancel } = session;
    const sides = {
      isSrcLocal: roots.src.kind === 'local',
      isDstLocal: roots.dst.kind === 'local',
      isDownload,
    };
    const dispatch = createDispatch(concurrency, cancel, resolved.signal);
    let nextId = 1;

    const fail = (key: string, error: SerializedError): void => {
      const record = { key, src: roots.src.display(key), dst: roots.dst.display(key), error };
      tally.recordFailure(record);
      emit({ kind: 'failure', ...record });
      if (error.fatal) dispatch.stopFatal(error);
    };
    session.onLocalIssue = fail;

    const differ = (
      key: string,
      difference: DifferenceKind,
      detail: Omit<CheckDifference, 'key' | 'src' | 'dst' | 'difference'>,
    ): void => {
      const record: CheckDifference = {
        key,
        src: roots.src.display(key),
        dst: roots.dst.display(key),
        difference,
        ...detail,
      };
      tally.recordDifference(record);
      emit({ kind: 'difference', ...record });
    };

    const same = (key: string, sizeBytes: number, comparedBy: ComparedBy): void => {
      tally.recordSame(comparedBy);
      emit({ kind: 'same', key, sizeBytes, comparedBy });
    };

    /** The MD5 of one side, hashed in the workers, or why there is none. */
    const hashSide = async (
      key: string,
      root: Root,
      sizeBytes: number,
    ): Promise<{ md5: string } | { error: SerializedError }> => {
      let location;
      try {
        location = root.location(key);
      } catch (error) {
        if (!isS3FerryError(error)) throw error;
        return { error: serializeError(error) };
      }
      const id = nextId++;
      const task: WorkerTask =
        location.kind === 'local'
          ? { kind: 'md5', id, path: location.path }
          : { kind: 'md5-object', id, src: location };
      tally.inFlightBytes.set(id, 0);
      const result = await exec.run(task);
      tally.inFlightBytes.delete(id);
      absorbTaskCounts(tally, result);
      if (result.ok && result.md5 !== undefined) {
        tally.bytesHashed += result.bytes;
        return { md5: result.md5.toLowerCase() };
      }
      // This side will not be hashed after all: take it off the work still to do.
      tally.bytesToHash -= sizeBytes;
      return {
        error: result.ok
          ? serializeError(new S3FerryError('internal', 'NoDigest', 'a hash task returned no MD5'))
          : result.error,
      };
    };

    /** Hashes the sides the plan names (both at once) and records one verdict for the key. */
    const hashJob = async (
      src: ListEntry,
      dst: ListEntry,
      plan: PairPlan & { action: 'hash' },
    ): Promise<void> => {
      if (dispatch.isStopping()) return;
      const key = src.key;
      const [a, b] = await Promise.all([
        plan.src
          ? hashSide(key, roots.src, src.sizeBytes)
          : { md5: (src.etag ?? '').toLowerCase() },
        plan.dst
          ? hashSide(key, roots.dst, dst.sizeBytes)
          : { md5: (dst.etag ?? '').toLowerCase() },
      ]);
      // One record per key, even when both reads failed; a cancelled read is no failure.
      const error = 'error' in a ? a.error : 'error' in b ? b.error : undefined;
      if (error !== undefined) {
        if (cancel.isCancelled && isCancellation(error)) tally.cancelled += 1;
        else fail(key, error);
        return;
      }
      if (!('md5' in a) || !('md5' in b)) return;
      if (a.md5 === b.md5) {
        same(key, src.sizeBytes, plan.comparedBy);
        return;
      }
      differ(key, 'md5-differs', {
        srcSizeBytes: src.sizeBytes,
        dstSizeBytes: dst.sizeBytes,
        comparedBy: plan.comparedBy,
        srcMd5: a.md5,
        dstMd5: b.md5,
      });
    };

    // The march: every key of the union, in UTF-8 byte order, as the listings arrive.
    const isListed = await dispatch.march(session, async (entry) => {
      if (entry.kind === 'dst-only') {
        tally.listedDestination += 1;
        differ(entry.dst.key, 'extra', { dstSizeBytes: entry.dst.sizeBytes });
        return;
      }
      tally.listed += 1;
      tally.bytesListed += entry.src.sizeBytes;
      if (entry.kind === 'src-only') {
        differ(entry.src.key, 'missing', { srcSizeBytes: entry.src.sizeBytes });
        return;
      }
      tally.listedDestination += 1;
      const { src, dst } = entry;
      const plan = planPair(src, dst, sides);
      if (plan.action === 'size-differs') {
        differ(src.key, 'size-differs', {
          srcSizeBytes: src.sizeBytes,
          dstSizeBytes: dst.sizeBytes,
        });
        return;
      }
      if (plan.action === 'compared') {
        if (plan.isSame) same(src.key, src.sizeBytes, plan.comparedBy);
        else {
          differ(src.key, 'md5-differs', {
            srcSizeBytes: src.sizeBytes,
            dstSizeBytes: dst.sizeBytes,
            comparedBy: 'etag',
            ...(src.etag === undefined ? {} : { srcMd5: src.etag.toLowerCase() }),
            ...(dst.etag === undefined ? {} : { dstMd5: dst.etag.toLowerCase() }),
          });
        }
        return;
      }
      tally.bytesToHash += (plan.src ? src.sizeBytes : 0) + (plan.dst ? dst.sizeBytes : 0);
      await dispatch.enqueue(() => hashJob(src, dst, plan));
    });
    // A listing that fails mid-way (or goes out of order) stops the check: it proves nothing.
    if (isListed) tally.isListingDone = true;

    await dispatch.drained();
    session.stopProgress();
    dispatch.detach();
    for (const [thread, counts] of exec.mainClientsBuilt()) {
      tally.clientsByThread.set(thread, counts);
    }
    emit({ kind: 'progress', ...tally.snapshot() });

    const { fatal } = dispatch;
    const clientsBuilt = sumClientsBuilt(tally.clientsByThread);
    const summary: CheckSummary = {
      status: tally.status(fatal !== undefined, dispatch.stopReason === 'cancelled'),
      src: roots.src.label,
      dst: roots.dst.label,
      isDownload,
      startedAt: tally.startedAt.toISOString(),
      durationMs: tally.elapsedMs(),
      objects: {
        listed: tally.listed,
        listedDestination: tally.listedDestination,
        same: tally.same,
        missing: tally.missing,
        extra: tally.extra,
        sizeDiffers: tally.sizeDiffers,
        md5Differs: tally.md5Differs,
        failed: tally.failed,
        cancelled: tally.cancelled,
      },
      comparedBy: { ...tally.comparedBy },
      bytes: { listed: tally.bytesListed, hashed: tally.bytesHashed },
      requests: { ...tally.requests },
      requestsTotal: Object.values(tally.requests).reduce((a, b) => a + b, 0),
      clientCacheMode: cacheMode,
      clientsBuilt,
      workers: resolved.workers,
      differences: [...tally.differences],
      isDifferenceListTruncated: tally.differenceCount > tally.differences.length,
      isSourceEmpty: fatal === undefined && tally.listed === 0 && tally.listedDestination > 0,
      failures: [...tally.failures],
      isFailureListTruncated: tally.failed > tally.failures.length,
      ...(fatal === undefined ? {} : { fatal }),
    };
    emit({ kind: 'summary', summary });
    return summary;
  }
}
