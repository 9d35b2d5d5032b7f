// Where tasks run, per MEGFILE_S3_CLIENT_CACHE_MODE. Worker threads cannot share JS objects, so:
// - thread_local: tasks that move bytes through s3ferry (GET → PUT, uploads, downloads, hashes)
//   run in the piscina pool; each worker thread builds its own client per profile.
// - process_local: copies run on the main thread's event loop with the one ClientCache of the
//   process (S3 copies are I/O-bound, so one loop drives them well); the pool, started only when
//   needed, does the CPU-bound work (MD5 of local files).
// In both modes server-side copies (CopyObject, UploadPartCopy) run on the main thread, with its
// own client: no byte passes through s3ferry, so a thread hop only adds cost — measured 0.3 ms of
// CPU per small copy for the two structured clones and messages, and a second SDK instance in
// memory (docs/benchmarks.md, "What was tried"). The pool is not even started for them.
// Small streamed copies (one GET read whole, one PUT) also start on the main thread: a run of a
// few thousand of them ends before a pool would pay for its start (each thread loads the SDK)
// and its two structured clones per task. Past INLINE_SMALL_COPIES the pool starts, and once it
// is up it takes them: a long run spreads its socket and hashing work over the cores.
import { threadId } from 'node:worker_threads';
import type { ClientCache } from '../s3/client-cache.ts';
import { SharedBackoff, sharedRates } from '../s3/shared-backoff.ts';
import { TransferRuntime } from '../s3/transfer/runtime.ts';
import { SMALL_OBJECT_MAX_BYTES } from '../s3/transfer/small-object.ts';
import type { ClientCacheMode, ProfileSpec } from '../shared/profile.ts';
import type { TaskResult, UploadEvent, WorkerMessage, WorkerTask } from '../shared/protocol.ts';
import type { CancelBroadcast } from './cancel.ts';
import type { TransferPool } from './pool.ts';

/** Options of {@link createExecutor}. */
export type ExecutorOptions = {
  cacheMode: ClientCacheMode;
  workers: number;
  tasksPerWorker: number;
  partConcurrency: number;
  profiles: Record<string, ProfileSpec>;
  backoffBuffer: SharedArrayBuffer;
  cancel: CancelBroadcast;
  /** The main thread's clients (process_local: the process's only clients). */
  mainCache: ClientCache;
  /** Bytes moved by a running task since its previous report. */
  onBytes(id: number, delta: number): void;
  /** A task's multipart upload started, stored a part or ended (tasks that record uploads). */
  onUpload?(id: number, event: UploadEvent): void;
};

/** Runs tasks wherever the cache mode puts them. */
export type TaskExecutor = {
  /** Never rejects: failures are results. */
  run(task: WorkerTask): Promise<TaskResult>;
  /** Clients built on the main thread, as `[thread label, counts]` (label `main`). */
  mainClientsBuilt(): [string, Record<string, number>][];
  /** Waits for running tasks and stops the pool. */
  close(): Promise<void>;
};

/**
 * Small streamed copies the main thread runs before the pool starts (thread_local mode). At
 * ~1–3 ms of CPU each, a run of this many ends within seconds on one thread.
 */
export const INLINE_SMALL_COPIES = 4000;

/** A streamed copy that goes in one GET read whole and one PUT (small-object.ts). */
export function isSmallStream(task: WorkerTask): boolean {
  return (
    task.kind === 'copy' &&
    task.method === 'stream' &&
    task.sizeBytes <= SMALL_OBJECT_MAX_BYTES &&
    task.sizeBytes < task.multipartThresholdBytes
  );
}

/**
 * Whether `task` runs on the main thread's event loop rather than in the pool.
 * @param poolUp whether the pool has started (small streamed copies go to it then)
 * @param small isSmallStream(task), when the caller has it already
 */
export function runsOnMainThread(
  task: WorkerTask,
  cacheMode: ClientCacheMode,
  poolUp = false,
  small = isSmallStream(task),
): boolean {
  if (task.kind === 'copy' && task.method === 'server-side') return true;
  if (cacheMode === 'thread_local') return !poolUp && small;
  // Every other task that talks to S3 (copies, object hashes) needs the process's clients.
  return task.kind !== 'md5';
}

/** Creates the executor of one run; the pool starts on first use. */
export function createExecutor(options: ExecutorOptions): TaskExecutor {
  const route = (message: WorkerMessage): void => {
    if (message.kind === 'bytes') options.onBytes(message.id, message.bytes);
    else options.onUpload?.(message.id, message.event);
  };
  // piscina is imported with the pool: a run that only lists or copies server-side never loads it.
  let pool: Promise<TransferPool> | undefined;
  let poolUp = false;
  let inlineSmall = 0;
  const poolFor = (): Promise<TransferPool> => {
    pool ??= import('./pool.ts').then(({ createTransferPool }) => {
      const created = createTransferPool({
        workers: options.workers,
        tasksPerWorker: options.tasksPerWorker,
        init: {
          profiles: options.profiles,
          cacheMode: options.cacheMode,
          // Each thread's client carries its own tasks' requests (parts included).
          maxSockets: options.tasksPerWorker * options.partConcurrency,
          backoffBuffer: options.backoffBuffer,
          cancelChannel: options.cancel.channelName,
        },
      });
      created.onMessage(route);
      poolUp = true;
      return created;
    });
    return pool;
  };
  // Main-thread tasks share the runtime's abort signal, aborted when the run is cancelled.
  const mainRuntime = new TransferRuntime({
    profiles: options.profiles,
    clients: options.mainCache,
    backoff: new SharedBackoff(options.backoffBuffer),
    byteRate: sharedRates(options.backoffBuffer).bytes,
    post: route,
  });
  options.cancel.signal.addEventListener(
    'abort',
    () => {
      mainRuntime.cancel();
    },
    { once: true },
  );

  return {
    async run(task) {
      const small = isSmallStream(task);
      if (options.cacheMode === 'thread_local' && small) {
        inlineSmall += 1;
        // Started ahead of need, so it is up by the time the main thread's share runs out.
        if (inlineSmall === INLINE_SMALL_COPIES) void poolFor();
      }
      if (!runsOnMainThread(task, options.cacheMode, poolUp, small)) {
        return (await poolFor()).run(task);
      }
      // The main thread's clients are reported once, by mainClientsBuilt.
      return mainRuntime.run(task);
    },
    mainClientsBuilt() {
      const built = options.mainCache.clientsBuilt();
      return Object.keys(built).length === 0
        ? []
        : [[threadId === 0 ? 'main' : String(threadId), built]];
    },
    async close() {
      await (await pool)?.close();
    },
  };
}
