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
import { threadId } from 'node:worker_threads';
import type { ClientCache } from '../s3/client-cache.ts';
import { SharedBackoff } from '../s3/shared-backoff.ts';
import { TransferRuntime } from '../s3/transfer/runtime.ts';
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

/** Whether `task` runs on the main thread's event loop rather than in the pool. */
export function runsOnMainThread(task: WorkerTask, cacheMode: ClientCacheMode): boolean {
  if (task.kind === 'copy' && task.method === 'server-side') return true;
  // Every other task that talks to S3 (copies, object hashes) needs the process's clients.
  return cacheMode === 'process_local' && task.kind !== 'md5';
}

/** Creates the executor of one run; the pool starts on first use. */
export function createExecutor(options: ExecutorOptions): TaskExecutor {
  const route = (message: WorkerMessage): void => {
    if (message.kind === 'bytes') options.onBytes(message.id, message.bytes);
    else options.onUpload?.(message.id, message.event);
  };
  // piscina is imported with the pool: a run that only lists or copies server-side never loads it.
  let pool: Promise<TransferPool> | undefined;
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
      return created;
    });
    return pool;
  };
  // Each main-thread task gets its own abort signal (the SDK adds a listener per request: one
  // signal shared by every task would pass Node's listener limit and warn), all aborted together.
  const mainRuntime = new TransferRuntime({
    profiles: options.profiles,
    clients: options.mainCache,
    backoff: new SharedBackoff(options.backoffBuffer),
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
      if (!runsOnMainThread(task, options.cacheMode)) return (await poolFor()).run(task);
      const result = await mainRuntime.run(task);
      // The main thread's clients are reported once, by mainClientsBuilt.
      delete result.clientsBuilt;
      return result;
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
