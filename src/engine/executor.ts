// Where tasks run, per MEGFILE_S3_CLIENT_CACHE_MODE. Worker threads cannot share JS objects, so:
// - thread_local: every task (copies and MD5s) runs in the piscina pool; each worker thread builds
//   its own client per profile.
// - process_local: copies run on the main thread's event loop with the one ClientCache of the
//   process (S3 copies are I/O-bound, so one loop drives them well); the pool, started only when
//   needed, does the CPU-bound work (MD5 of local files).
import { threadId } from 'node:worker_threads';
import type { ClientCache } from '../s3/client-cache.ts';
import { RequestCounter } from '../s3/request-counter.ts';
import { SharedBackoff } from '../s3/shared-backoff.ts';
import { runTask } from '../s3/transfer/run-task.ts';
import type { ClientCacheMode, ProfileSpec } from '../shared/profile.ts';
import type { TaskResult, WorkerTask } from '../shared/protocol.ts';
import type { CancelBroadcast } from './cancel.ts';
import { createTransferPool } from './pool.ts';
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

/** Creates the executor of one run; the pool starts on first use. */
export function createExecutor(options: ExecutorOptions): TaskExecutor {
  let pool: TransferPool | undefined;
  const poolFor = (): TransferPool => {
    if (pool === undefined) {
      pool = createTransferPool({
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
      pool.onMessage((message) => {
        options.onBytes(message.id, message.bytes);
      });
    }
    return pool;
  };
  const backoff = new SharedBackoff(options.backoffBuffer);

  const runOnMainThread = (task: WorkerTask): Promise<TaskResult> =>
    runTask(task, {
      clientFor: (profile) => {
        const spec = options.profiles[profile];
        if (spec === undefined) throw new Error(`unknown profile ${profile} in a task`);
        return options.mainCache.get(spec);
      },
      specFor: (profile) => options.profiles[profile],
      signal: options.cancel.signal,
      onBytes: (delta) => {
        options.onBytes(task.id, delta);
      },
      counter: new RequestCounter(),
      backoff,
    });

  return {
    run(task) {
      // Every task that talks to S3 (copies, object hashes) needs the process's clients.
      if (options.cacheMode === 'process_local' && task.kind !== 'md5') {
        return runOnMainThread(task);
      }
      return poolFor().run(task);
    },
    mainClientsBuilt() {
      const built = options.mainCache.clientsBuilt();
      return Object.keys(built).length === 0
        ? []
        : [[threadId === 0 ? 'main' : String(threadId), built]];
    },
    async close() {
      await pool?.close();
    },
  };
}
