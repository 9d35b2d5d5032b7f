// The two budgets a march hands work to, as rclone's --checkers and --transfers: checks (hashing a
// local file, reading an object to hash it) and transfers (copies) run in separate p-queues, so a
// hash never holds a copy slot. Transfers wait in a look-ahead FIFO in key order beyond the
// queue's slots — the first ones in memory, the rest spooled to a temp file (SpillFifo) — so the
// listing runs far ahead of the copies and its totals are final early, in bounded memory.
// The lanes also own how a run stops: the stop reasons, the first fatal error, the abort signal.
import PQueue from 'p-queue';
import type { SerializedError } from '../shared/errors.ts';
import { serializeUnexpected } from '../shared/errors.ts';
import { SpillFifo } from '../shared/spill-fifo.ts';
import type { JsonValue } from '../shared/spill-fifo.ts';
import type { CancelBroadcast } from './cancel.ts';

/** Why a run stopped early. */
export type StopReason = 'cancelled' | 'fail-fast' | 'fatal';

/**
 * Decided copies held in memory ahead of the transfers; beyond them the look-ahead is spooled to
 * a temp file. Every copy held in memory outlives the young generation, so the old one fills
 * with them as they pass: the planner's peak RSS over 1,000,000 keys grows from 94 MB (no
 * look-ahead) to 172 MB at 10,000 held, 206 MB at 20,000 and 235 MB at 50,000
 * (scripts/bench/planner.ts, docs/benchmarks-tuning.md).
 */
export const DEFAULT_LOOKAHEAD = 10_000;

/**
 * Decided copies waiting in all (memory and spool) before the listing waits for the copies: on a
 * run of up to this many copies pending, the totals are final early. About 200 bytes of spool
 * file and 41 bytes of watermark memory each (~200 MB of disk and ~41 MB of memory at the bound).
 */
export const DEFAULT_MAX_AHEAD = 1_000_000;

/** Options of {@link createLanes}. */
export type LanesOptions<T extends JsonValue> = {
  /** Checks at once. */
  checkers: number;
  /** Transfers at once. */
  transfers: number;
  /** Transfers waiting in memory beyond the running ones. @default DEFAULT_LOOKAHEAD */
  lookahead?: number;
  /** Transfers waiting in all (memory and spool) before the producer waits. @default DEFAULT_MAX_AHEAD */
  maxAhead?: number;
  cancel: Pick<CancelBroadcast, 'cancel'>;
  signal?: AbortSignal | undefined;
  /** Runs one item of the check lane. */
  runCheck(item: T): Promise<void>;
  /** Runs one item of the transfer lane. */
  runTransfer(item: T): Promise<void>;
};

/** The check and transfer lanes of one run, and the ways it stops. */
export type Lanes<T extends JsonValue> = {
  /** Why it stopped, if it did. */
  readonly stopReason: StopReason | undefined;
  /** The first fatal error. */
  readonly fatal: SerializedError | undefined;
  isStopping(): boolean;
  /** Stops: waiting items are dropped; running ones finish (or abort, when cancelled or fatal). */
  stop(reason: StopReason): void;
  /** Records the first fatal error and stops. */
  stopFatal(error: SerializedError): void;
  /** Queues a check; waits while the check lane is full (backpressure on the listing). */
  check(item: T): Promise<void>;
  /** Queues a transfer; waits while the look-ahead is full. */
  transfer(item: T): Promise<void>;
  /** Queues a transfer without waiting (a check's follow-up: the check must not hold its slot). */
  transferNow(item: T): void;
  /** `pending`'s outcome, or undefined as soon as the run stops. */
  untilStopped<V>(pending: Promise<V>): Promise<V | undefined>;
  /** Resolves once every item queued so far has run. */
  drained(): Promise<void>;
  /** Stops listening to the abort signal. */
  detach(): void;
};

/** Creates the lanes of one run. */
export function createLanes<T extends JsonValue>(options: LanesOptions<T>): Lanes<T> {
  const { checkers, transfers, cancel, signal } = options;
  const maxAhead = options.maxAhead ?? DEFAULT_MAX_AHEAD;
  const checkQueue = new PQueue({ concurrency: checkers });
  const transferQueue = new PQueue({ concurrency: transfers });
  // Transfers decided and waiting for a slot, in key order.
  const waiting = new SpillFifo<T>({
    memoryItems: options.lookahead ?? DEFAULT_LOOKAHEAD,
    name: 'lookahead',
  });
  let roomWaiter: (() => void) | undefined;
  // The next waiting transfer is being read back from the spool (one read at a time).
  let readingBack: Promise<void> | undefined;

  /** Moves waiting transfers into free slots; each one feeds the next before it ends. */
  const feed = (): void => {
    while (readingBack === undefined && transferQueue.size < transfers && waiting.length > 0) {
      const item = waiting.shiftSync();
      if (item === undefined) {
        readingBack = readBack();
        break;
      }
      void transferQueue.add(() => runFed(item));
    }
    if (roomWaiter !== undefined && waiting.length < maxAhead) {
      const wake = roomWaiter;
      roomWaiter = undefined;
      wake();
    }
  };
  const readBack = async (): Promise<void> => {
    try {
      const item = await waiting.shift();
      readingBack = undefined;
      if (item !== undefined && !isStopping()) void transferQueue.add(() => runFed(item));
      feed();
    } catch (error) {
      readingBack = undefined;
      // The spool file cannot be read back: the run cannot go on safely.
      stopFatal(serializeUnexpected(error, 'SpoolFailed', 'the look-ahead spool failed: '));
    }
  };
  // Fed from inside the job, before it settles: the queue is never idle while items wait.
  const runFed = async (item: T): Promise<void> => {
    try {
      await options.runTransfer(item);
    } finally {
      feed();
    }
  };

  let stopReason: StopReason | undefined;
  let fatal: SerializedError | undefined;
  // Waits that a stop must cut short (the march's next entry, the backpressure waits). Not a
  // Promise.race against one long-lived "stopped" promise: every race leaves a reaction on it
  // until it settles, i.e. one per listed key for the whole run (a leak measured at 19,000
  // promises 1 s into a 50,000-key no-op). Each waiter here is removed as soon as it settles.
  const stopWaiters = new Set<() => void>();
  const isStopping = (): boolean => stopReason !== undefined;
  const untilStopped = <V>(pending: Promise<V>): Promise<V | undefined> => {
    if (isStopping()) return Promise.resolve(undefined);
    return new Promise<V | undefined>((resolve, reject) => {
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
    for (const wake of stopWaiters) wake();
    stopWaiters.clear();
    for (const queue of [checkQueue, transferQueue]) {
      queue.pause();
      queue.clear();
    }
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

  const transferNow = (item: T): void => {
    if (isStopping()) return;
    if (waiting.length === 0 && transferQueue.size < transfers) {
      void transferQueue.add(() => runFed(item));
      return;
    }
    waiting.push(item);
    feed();
  };

  return {
    get stopReason() {
      return stopReason;
    },
    get fatal() {
      return fatal;
    },
    isStopping,
    stop,
    stopFatal,
    untilStopped,
    async check(item) {
      if (isStopping()) return;
      void checkQueue.add(() => options.runCheck(item));
      // Backpressure: a few checks wait beyond the running ones, then the listing waits.
      if (checkQueue.size >= checkers) await untilStopped(checkQueue.onSizeLessThan(checkers));
    },
    async transfer(item) {
      transferNow(item);
      // Backpressure: the listing never runs more than maxAhead beyond the transfers.
      if (!isStopping() && waiting.length >= maxAhead) {
        await untilStopped(
          new Promise<void>((resolve) => {
            roomWaiter = resolve;
          }),
        );
      }
    },
    transferNow,
    async drained() {
      // The march has ended, so no check is queued any more; a check may still queue a
      // transfer as it ends, so the transfers are drained after the checks. Each transfer feeds
      // the next as it ends, and a read back from the spool feeds on when it is done.
      await checkQueue.onIdle();
      for (;;) {
        feed();
        await transferQueue.onIdle();
        if (readingBack !== undefined) await readingBack;
        else if (isStopping() || waiting.length === 0) break;
      }
    },
    detach() {
      signal?.removeEventListener('abort', onAbort);
      waiting.clear();
    },
  };
}
