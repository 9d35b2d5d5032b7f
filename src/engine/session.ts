// What sync and check share around their per-key logic: the main thread's clients, the roots, the
// cancel broadcast, the executor, the primed listings and the progress timer (opened and closed
// in one place), and the dispatch: a p-queue with backpressure, the stop reasons, the abort
// signal, and the march over the merge join of both listings.
import { rm } from 'node:fs/promises';
import PQueue from 'p-queue';
import type { ConfigResolver } from '../config/load.ts';
import { mergeJoin } from '../plan/merge-join.ts';
import type { JoinEntry } from '../plan/merge-join.ts';
import { ClientCache } from '../s3/client-cache.ts';
import { createBackoffBuffer, SharedBackoff } from '../s3/shared-backoff.ts';
import { isS3FerryError, S3FerryError, serializeError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { ListEntry, RequestCounts, TaskResult, UploadEvent } from '../shared/protocol.ts';
import { createCancelBroadcast } from './cancel.ts';
import type { CancelBroadcast } from './cancel.ts';
import { createExecutor } from './executor.ts';
import type { TaskExecutor } from './executor.ts';
import { openRoots } from './roots.ts';
import type { RootSelectionOptions } from './roots.ts';
import { addRequestCounts } from './summary.ts';
import { Fifo } from '../shared/fifo.ts';
import { WHOLE_RANGE } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';

/** The counters a session feeds: requests, in-flight bytes by task id, clients by thread. */
export type SessionTally = {
  readonly requests: RequestCounts;
  readonly inFlightBytes: Map<number, number>;
  readonly clientsByThread: Map<string, Record<string, number>>;
};

/** Options of {@link withSession}. */
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
  progressIntervalMs: number;
  /** Filters and globs of the source (sync only). */
  selection?: RootSelectionOptions;
  /** Refuse overlapping roots (runs that write). @default false */
  refuseOverlap?: boolean;
  tally: SessionTally;
  emitWarning: (message: string) => void;
  /** Called once the roots are open, before the executor starts (emits `start`). */
  onRoots(roots: Roots): void;
  /** Called every `progressIntervalMs` once both listings are primed. */
  onProgress: () => void;
  /** A task's multipart upload started, stored a part or ended (tasks that record uploads). */
  onUpload?: (id: number, event: UploadEvent) => void;
  /**
   * Called once the roots are open: the key range whose listings are primed (undefined: nothing
   * to list, e.g. a resumed job whose ranges are all done). @default the whole key space
   */
  firstRange?: (roots: Roots) => Promise<KeyRange | undefined>;
};

/** Both resolved roots. */
export type Roots = Awaited<ReturnType<typeof openRoots>>;

/** What the body of {@link withSession} runs with. */
export type Session = {
  roots: Roots;
  executor: TaskExecutor;
  mainCache: ClientCache;
  cancel: CancelBroadcast;
  srcListing: AsyncIterable<ListEntry>;
  dstListing: AsyncIterable<ListEntry>;
  /** Where local files that cannot be listed go (a no-op until the body sets it). */
  onLocalIssue: (key: string, error: SerializedError) => void;
  /** Stops the progress timer. */
  stopProgress(): void;
};

/**
 * Opens the roots, starts the executor, primes both listings (a root that cannot be listed fails
 * here, before anything is dispatched) and starts the progress timer; runs `body`; and closes
 * the cancel broadcast, the executor and the main-thread clients whatever happens.
 */
export async function withSession<T>(
  options: SessionOptions,
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const { tally } = options;
  const backoffBuffer = createBackoffBuffer();
  const mainCache = new ClientCache({
    mode: options.cacheMode,
    client: { backoff: new SharedBackoff(backoffBuffer), maxSockets: options.maxSockets },
    onWarning: options.emitWarning,
  });
  const cancel = createCancelBroadcast();
  let executor: TaskExecutor | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    const handlers = { onLocalIssue: (_key: string, _error: SerializedError): void => undefined };
    const roots = await openRoots(options.src, options.dst, {
      config: options.config,
      clientFor: (spec) => mainCache.get(spec),
      requests: tally.requests,
      onLocalIssue: (issue) => {
        handlers.onLocalIssue(issue.key, serializeError(issue.error));
      },
      ...(options.selection === undefined ? {} : { selection: options.selection }),
      ...(options.refuseOverlap === true ? { refuseOverlap: true } : {}),
      ...(options.refuseOverlap === true ? { onTempFile: removeStaleTemp } : {}),
    });
    options.onRoots(roots);

    executor = createExecutor({
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

    // Fatal at the start: the first page of each listing, fetched concurrently, before dispatch.
    const range = options.firstRange === undefined ? WHOLE_RANGE : await options.firstRange(roots);
    const { srcListing, dstListing } =
      range === undefined
        ? { srcListing: emptyListing(), dstListing: emptyListing() }
        : await openListings(roots, range);

    const timer = setInterval(options.onProgress, options.progressIntervalMs);
    timer.unref();
    progressTimer = timer;

    const session: Session = {
      roots,
      executor,
      mainCache,
      cancel,
      srcListing,
      dstListing,
      get onLocalIssue() {
        return handlers.onLocalIssue;
      },
      set onLocalIssue(handler) {
        handlers.onLocalIssue = handler;
      },
      stopProgress: () => {
        clearInterval(timer);
      },
    };
    return await body(session);
  } finally {
    clearInterval(progressTimer);
    cancel.close();
    await executor?.close();
    mainCache.destroy();
  }
}

/** When this process started: temp files older than that belong to a run that was killed. */
const PROCESS_STARTED_MS = Date.now() - performance.now();

/**
 * Removes an s3ferry temp file left in a local destination by a killed run: last written before
 * this process started, so no copy of this run is writing it. (A run of another process writing
 * into the same directory at the same time would see that copy fail, never a partial file.)
 */
function removeStaleTemp(path: string, mtimeMs: number): void {
  if (mtimeMs >= PROCESS_STARTED_MS) return;
  void rm(path, { force: true }).catch(() => undefined);
}

/** Both listings of one key range. */
export type RangeListings = {
  roots: Roots;
  srcListing: AsyncIterable<ListEntry>;
  dstListing: AsyncIterable<ListEntry>;
};

/**
 * Lists both roots over `range`, concurrently, and waits for the first page of each: a root that
 * cannot be listed throws (fatal) before anything of the range is dispatched.
 */
export async function openListings(roots: Roots, range: KeyRange): Promise<RangeListings> {
  const [srcListing, dstListing] = await Promise.all([
    primeListing(roots.src.list(range), roots.src.label),
    primeListing(roots.dst.list(range), roots.dst.label),
  ]);
  return { roots, srcListing, dstListing };
}

async function* emptyListing(): AsyncGenerator<ListEntry, void, undefined> {
  // Nothing left to list.
}

/** Adds a task result's request and client counts to the tally. */
export function absorbTaskCounts(tally: SessionTally, result: TaskResult): void {
  addRequestCounts(tally.requests, result.requests);
  if (result.clientsBuilt !== undefined) {
    tally.clientsByThread.set(String(result.clientsBuilt.threadId), result.clientsBuilt.built);
  }
}

/** True for the error a task returns when the run's cancel stopped it. */
export function isCancellation(error: SerializedError): boolean {
  return /abort|cancel/i.test(error.code);
}

/** Why dispatching stopped early. */
export type StopReason = 'cancelled' | 'fail-fast' | 'fatal';

/** The queue of one run and the ways it stops. */
export type Dispatch = {
  readonly queue: PQueue;
  /** Why it stopped, if it did. */
  readonly stopReason: StopReason | undefined;
  /** The first fatal error. */
  readonly fatal: SerializedError | undefined;
  isStopping: () => boolean;
  /** Stops dispatching: queued jobs are dropped; running ones finish (or abort, unless fail-fast). */
  stop: (reason: StopReason) => void;
  /** Records the first fatal error and stops. */
  stopFatal(error: SerializedError): void;
  /**
   * Queues `job` unless the run stopped. Up to `lookahead` jobs wait in memory beyond the queue's
   * `concurrency` (so the listing runs ahead of the copies and its totals are final early); past
   * that it waits for room (backpressure).
   */
  enqueue(job: () => Promise<void>): Promise<void>;
  /** Resolves once every job queued so far has run (the look-ahead drained, the queue idle). */
  drained(): Promise<void>;
  /**
   * Feeds every entry of the merge join to `onEntry`, in UTF-8 byte order, as the listings arrive,
   * until both end or the run stops; a listing that fails mid-run stops it as fatal. Resolves
   * true unless the listing failed.
   */
  march(
    listings: RangeListings,
    onEntry: (entry: JoinEntry) => Promise<void> | void,
  ): Promise<boolean>;
  /** Stops listening to the abort signal. */
  detach(): void;
};

/**
 * Decided copies held in memory ahead of the queue by default: the listing runs this far ahead of
 * the copies, so on runs of up to this many copies the totals are final early. Bounded by memory:
 * every held copy outlives the young generation, so the old one fills with them as they pass, and
 * the planner's peak RSS over 1,000,000 keys grows from 94 MB (no look-ahead) to 172 MB at 10,000,
 * 206 MB at 20,000 and 235 MB at 50,000 (scripts/bench/planner.ts, docs/benchmarks-tuning.md).
 * Beyond it the listing waits for the copies; spooling the rest to disk is the next step.
 */
export const DEFAULT_LOOKAHEAD = 10_000;

/** A dispatch of `concurrency` jobs at once that stops on `signal` and cancels through `cancel`. */
export function createDispatch(
  concurrency: number,
  cancel: CancelBroadcast,
  signal: AbortSignal | undefined,
  lookahead = DEFAULT_LOOKAHEAD,
): Dispatch {
  const queue = new PQueue({ concurrency });
  // Jobs decided and waiting for a queue slot, in key order.
  const waiting = new Fifo<() => Promise<void>>();
  let roomWaiter: (() => void) | undefined;
  /** Moves waiting jobs into free queue slots; each job feeds the next before it ends. */
  const feed = (): void => {
    while (queue.size < concurrency && waiting.length > 0) {
      const job = waiting.shift();
      if (job !== undefined) void queue.add(wrap(job));
    }
    if (roomWaiter !== undefined && waiting.length < lookahead) {
      const wake = roomWaiter;
      roomWaiter = undefined;
      wake();
    }
  };
  // Fed from inside the job, before it settles: the queue is never idle while jobs wait.
  const wrap = (job: () => Promise<void>) => async (): Promise<void> => {
    try {
      await job();
    } finally {
      feed();
    }
  };
  let stopReason: StopReason | undefined;
  let fatal: SerializedError | undefined;
  // Waits that a stop must cut short (the march's next entry, the backpressure wait). Not a
  // Promise.race against one long-lived "stopped" promise: every race leaves a reaction on it
  // until it settles, i.e. one per listed key for the whole run (a leak measured at 19,000
  // promises 1 s into a 50,000-key no-op). Each waiter here is removed as soon as it settles.
  const stopWaiters = new Set<() => void>();
  const markStopped = (): void => {
    for (const wake of stopWaiters) wake();
    stopWaiters.clear();
  };
  const isStopping = (): boolean => stopReason !== undefined;
  /** `pending`'s outcome, or undefined as soon as the run stops. */
  const untilStopped = <T>(pending: Promise<T>): Promise<T | undefined> => {
    if (isStopping()) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const wake = (): void => {
        resolve(undefined);
      };
      stopWaiters.add(wake);
      pending.then(
        (value) => {
          stopWaiters.delete(wake);
          resolve(value);
        },
        (error: unknown) => {
          stopWaiters.delete(wake);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  };
  const stop = (reason: StopReason): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    markStopped();
    queue.pause();
    queue.clear();
    waiting.clear();
    if (reason === 'cancelled' || reason === 'fatal') cancel.cancel();
  };
  const stopFatal = (error: SerializedError): void => {
    fatal ??= error;
    stop('fatal');
  };
  const onAbort = (): void => {
    stop('cancelled');
  };
  if (signal?.aborted === true) stop('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    queue,
    get stopReason() {
      return stopReason;
    },
    get fatal() {
      return fatal;
    },
    isStopping,
    stop,
    stopFatal,
    async enqueue(job) {
      if (isStopping()) return;
      if (waiting.length === 0 && queue.size < concurrency) {
        void queue.add(wrap(job));
        return;
      }
      waiting.push(job);
      feed();
      // Backpressure: the listing never runs more than the look-ahead beyond the jobs.
      if (waiting.length >= lookahead) {
        await untilStopped(
          new Promise<void>((resolve) => {
            roomWaiter = resolve;
          }),
        );
      }
    },
    async drained() {
      while (!isStopping() && waiting.length > 0) {
        feed();
        await queue.onSizeLessThan(concurrency);
      }
      await queue.onIdle();
    },
    async march(listings, onEntry) {
      const { roots } = listings;
      const joined = mergeJoin(listings.srcListing, listings.dstListing, {
        srcLabel: roots.src.label,
        dstLabel: roots.dst.label,
      })[Symbol.asyncIterator]();
      try {
        for (;;) {
          if (isStopping()) break;
          const pending = joined.next();
          // If a stop comes first, a later listing error must not surface as unhandled.
          pending.catch(() => undefined);
          const next = await untilStopped(pending);
          if (next === undefined || next.done === true) break;
          await onEntry(next.value);
        }
        return true;
      } catch (error) {
        // A listing that fails mid-run (or goes out of order) stops the run.
        const classified = isS3FerryError(error)
          ? error
          : new S3FerryError('internal', 'ListingFailed', String(error));
        stopFatal(serializeError(classified));
        return false;
      } finally {
        // Leave a listing still waiting on the network to settle on its own, quietly.
        void joined.return(undefined).catch(() => undefined);
      }
    },
    detach() {
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Starts a listing and waits for its first entry (its first page), so that bad credentials or a
 * missing bucket fail the run before anything is dispatched. Such an error becomes fatal.
 */
export async function primeListing(
  listing: AsyncIterable<ListEntry>,
  label: string,
): Promise<AsyncIterable<ListEntry>> {
  const iterator = listing[Symbol.asyncIterator]();
  let first: IteratorResult<ListEntry>;
  try {
    first = await iterator.next();
  } catch (error) {
    if (!isS3FerryError(error)) throw error;
    throw new S3FerryError(
      error.kind,
      error.code,
      `cannot list ${label}: ${error.message}`,
      { ...serializeError(error), fatal: true },
      { cause: error },
    );
  }
  return {
    [Symbol.asyncIterator]: () => {
      let pending: IteratorResult<ListEntry> | undefined = first;
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
