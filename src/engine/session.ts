// What sync and check share around their march: the main thread's clients, the roots, the cancel
// broadcast and the executor, opened by openSession() and closed by its close(); and the listings
// of one key range, primed so that a root that cannot be listed fails before anything runs.
import type { ConfigResolver } from '../config/load.ts';
import { ClientCache } from '../s3/client-cache.ts';
import {
  createBackoffBuffer,
  endpointLimitsOf,
  poolThrottle,
  sharedRates,
  SharedBackoff,
} from '../s3/shared-backoff.ts';
import { endpointKeyOf } from '../s3/endpoint-limits.ts';
import type { EndpointLimits } from '../s3/endpoint-limits.ts';
import { displayEndpoint } from '../s3/hints.ts';
import { inContext, serializeError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type {
  ListEntry,
  RequestCounts,
  TaskResult,
  UploadEvent,
  WireCounts,
} from '../shared/protocol.ts';
import { addWire, drainWire, watchWire } from '../s3/wire-tally.ts';
import { Fifo } from '../shared/fifo.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { EntryPages } from '../plan/merge-join.ts';
import { createCancelBroadcast } from './cancel.ts';
import type { CancelBroadcast } from './cancel.ts';
import { createExecutor } from './executor.ts';
import type { TaskExecutor } from './executor.ts';
import type { ListingIssue, RangeListings } from './march.ts';
import { openRoots } from './roots.ts';
import type { RootSelectionOptions } from './roots.ts';
import { applyRateLimits } from './rate-limits.ts';
import type { RateLimitOptions } from './rate-limits.ts';
import { addRequestCounts } from './summary.ts';
import type { EndpointView } from './summary.ts';

/** The counters a session feeds: requests, in-flight bytes by task id, clients by thread. */
export type SessionTally = {
  readonly requests: RequestCounts;
  /** Answers by status and retries (src/s3/wire-tally.ts). */
  readonly wire: WireCounts;
  readonly inFlightBytes: Map<number, number>;
  readonly clientsByThread: Map<string, Record<string, number>>;
};

/** Options of {@link openSession}. */
export type SessionOptions = {
  src: string;
  dst: string;
  config: Pick<ConfigResolver, 'profile' | 'global'>;
  cacheMode: ClientCacheMode;
  /** Sockets per main-thread client. */
  maxSockets: number;
  workers: number;
  tasksPerWorker: number;
  partConcurrency: number;
  /** Filters and globs of the source (sync only). */
  selection?: RootSelectionOptions;
  /** Refuse overlapping roots (runs that write). @default false */
  refuseOverlap?: boolean;
  /** Receives the s3ferry temp files a local destination's listing meets (src/local/stale-temp.ts). */
  onTempFile?: (path: string, mtimeMs: number) => void;
  tally: SessionTally;
  emitWarning: (message: string) => void;
  /** A task's multipart upload started, stored a part or ended (tasks that record uploads). */
  onUpload?: (id: number, event: UploadEvent) => void;
  /** --bwlimit and --tpslimit, set before the first request. */
  rateLimits?: RateLimitOptions;
};

/** Both resolved roots. */
export type Roots = Awaited<ReturnType<typeof openRoots>>;

/** What a run's march runs with; close it whatever happens. */
export type Session = {
  roots: Roots;
  executor: TaskExecutor;
  mainCache: ClientCache;
  cancel: CancelBroadcast;
  /** Keys the roots could not list (unreadable local files), in the order found. */
  issues: Fifo<ListingIssue>;
  /** Lists both roots over `range`; see {@link openListings}. */
  openListings(range: KeyRange): Promise<RangeListings>;
  /** The pool-wide backoff of every thread of this session (a distributed job shares its pause). */
  backoff: SharedBackoff;
  /** The endpoints' adaptive concurrency, shared by every thread (for progress and the report). */
  limits: EndpointLimits;
  /** Closes the cancel broadcast, the executor (waits for running tasks) and the clients. */
  close(): Promise<void>;
};

/**
 * Opens the roots (bad paths, profiles and overlaps fail here) and starts the executor (its pool
 * starts on first use).
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { tally } = options;
  // Count this thread's answers from here on (what came before belongs to no run of ours).
  watchWire();
  drainWire();
  const backoffBuffer = createBackoffBuffer();
  const stopRates = applyRateLimits(sharedRates(backoffBuffer), options.rateLimits ?? {});
  const mainCache = new ClientCache({
    mode: options.cacheMode,
    client: { ...poolThrottle(backoffBuffer), maxSockets: options.maxSockets },
    onWarning: options.emitWarning,
  });
  const cancel = createCancelBroadcast();
  const issues = new Fifo<ListingIssue>();
  let roots: Roots;
  try {
    roots = await openRoots(options.src, options.dst, {
      config: options.config,
      clientFor: (spec) => mainCache.get(spec),
      requests: tally.requests,
      onLocalIssue: (issue) => {
        issues.push({ key: issue.key, error: serializeError(issue.error) });
      },
      ...(options.selection === undefined ? {} : { selection: options.selection }),
      ...(options.refuseOverlap === true ? { refuseOverlap: true } : {}),
      ...(options.onTempFile === undefined ? {} : { onTempFile: options.onTempFile }),
    });
  } catch (error) {
    cancel.close();
    mainCache.destroy();
    stopRates();
    throw error;
  }
  const executor = createExecutor({
    cacheMode: options.cacheMode,
    workers: options.workers,
    tasksPerWorker: options.tasksPerWorker,
    partConcurrency: options.partConcurrency,
    profiles: roots.profiles,
    backoffBuffer,
    cancel,
    mainCache,
    onBytes: (id, delta) => {
      // A worker's last progress message can arrive after its task's result (another port):
      // count only tasks still running, or the bytes of finished tasks are counted twice.
      const sofar = tally.inFlightBytes.get(id);
      if (sofar !== undefined) tally.inFlightBytes.set(id, sofar + delta);
    },
    ...(options.onUpload === undefined ? {} : { onUpload: options.onUpload }),
  });
  return {
    roots,
    executor,
    mainCache,
    cancel,
    issues,
    openListings: (range) => openListings(roots, range),
    backoff: new SharedBackoff(backoffBuffer),
    limits: endpointLimitsOf(backoffBuffer),
    close: async () => {
      cancel.close();
      await executor.close();
      mainCache.destroy();
      stopRates();
    },
  };
}

/** The adaptive limit of every endpoint the roots' profiles talk to, named as messages name it. */
export function endpointStates(session: Pick<Session, 'roots' | 'limits'>): EndpointView[] {
  const views = new Map<string, EndpointView>();
  for (const spec of Object.values(session.roots.profiles)) {
    const key = endpointKeyOf(spec);
    const state = session.limits.stateOf(key);
    if (state !== undefined && !views.has(key)) {
      views.set(key, { endpoint: displayEndpoint(spec), state });
    }
  }
  return [...views.values()];
}

/**
 * Lists both roots over `range`, concurrently, and waits for the first page of each: a root that
 * cannot be listed throws (fatal) before anything of the range is dispatched.
 */
export async function openListings(roots: Roots, range: KeyRange): Promise<RangeListings> {
  const [srcListing, dstListing] = await Promise.all([
    primeListing(roots.src.list(range), roots.src.label),
    primeListing(roots.dst.list(range), roots.dst.label),
  ]);
  return { srcListing, dstListing, srcLabel: roots.src.label, dstLabel: roots.dst.label };
}

/** Adds a task result's request and client counts to the tally. */
export function absorbTaskCounts(tally: SessionTally, result: TaskResult): void {
  addRequestCounts(tally.requests, result.requests);
  addWire(tally.wire, result.wire);
  if (result.clientsBuilt !== undefined) {
    tally.clientsByThread.set(String(result.clientsBuilt.threadId), result.clientsBuilt.built);
  }
}

/** True for the error a task returns when the run's cancel stopped it. */
export function isCancellation(error: SerializedError): boolean {
  return /abort|cancel/i.test(error.code);
}

/**
 * Starts a listing and waits for its first page, so that bad credentials or a missing bucket fail
 * the run before anything is dispatched. Such an error becomes fatal.
 */
async function primeListing(listing: EntryPages, label: string): Promise<EntryPages> {
  const iterator = listing[Symbol.asyncIterator]();
  let first: IteratorResult<readonly ListEntry[]>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw inContext(error, `cannot list ${label}`, { fatal: true });
  }
  return {
    [Symbol.asyncIterator]: () => {
      let pending: IteratorResult<readonly ListEntry[]> | undefined = first;
      return {
        next: () => {
          if (pending !== undefined) {
            const value = pending;
            pending = undefined;
            return Promise.resolve(value);
          }
          return iterator.next();
        },
        return: (value?: unknown) =>
          iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      };
    },
  };
}
