// The worker pool: the only `new Piscina` of s3ferry. Resolves the worker entry relative to this
// module (`.ts` under tsx, `.js` from dist/), runs several async tasks per thread, and never passes
// an abort signal to piscina (that would terminate the thread and its clients): cancellation is
// cooperative, over the BroadcastChannel named in WorkerInit.
import { Piscina } from 'piscina';
import { S3FerryError, serializeError } from '../shared/errors.ts';
import type { TaskResult, WorkerInit, WorkerMessage, WorkerTask } from '../shared/protocol.ts';

/** Options of {@link createTransferPool}. */
export type TransferPoolOptions = {
  /** Worker threads, started up front (min = max). */
  workers: number;
  /** Tasks one thread runs at once (they are I/O-bound). */
  tasksPerWorker: number;
  /** Plain data every worker reads from `workerData` on start. */
  init: WorkerInit;
};

/** A started pool of transfer workers. */
export type TransferPool = {
  /** Runs one task; never rejects (a crashed worker becomes an `internal` failure result). */
  run(task: WorkerTask): Promise<TaskResult>;
  /** Receives the progress messages workers post while tasks run. */
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Waits for running tasks, then stops the threads. */
  close(): Promise<void>;
  /** Stops the threads at once (running tasks are lost). */
  destroy(): Promise<void>;
};

/**
 * The worker entry, next to this module's tree: `src/engine/pool.ts` → `workers/transfer.ts` and
 * `dist/src/engine/pool.js` → `dist/workers/transfer.js`. Resolved here only (house-style §9): a
 * path built elsewhere breaks either the tsx or the dist run.
 */
export function workerEntryUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../../workers/transfer.${extension}`, import.meta.url);
}

/**
 * The worker threads' node flags: the process's own, and no require(esm) where node has it (on
 * by default from 20.19). Piscina loads the worker entry with require() first and import() when
 * that throws; node 20.20's require() of this ES module crashed a worker thread once in a CI run
 * ("FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated module", under
 * piscina's getHandler). Without require(esm), piscina takes import(), its path on older nodes.
 */
function workerExecArgv(): string[] {
  const flag = '--no-experimental-require-module';
  return process.allowedNodeEnvironmentFlags.has(flag)
    ? [...process.execArgv, flag]
    : process.execArgv;
}

/** Starts `workers` threads running `workers/transfer`. */
export function createTransferPool(options: TransferPoolOptions): TransferPool {
  const pool = new Piscina({
    filename: workerEntryUrl().href,
    minThreads: options.workers,
    maxThreads: options.workers,
    concurrentTasksPerWorker: options.tasksPerWorker,
    // 'sync' atomics park an idle thread in Atomics.wait, which would freeze the event loop that
    // the cancel channel, keep-alive sockets and concurrent async tasks need.
    atomics: 'disabled',
    // Threads live for the whole run: their thread-local clients are the point of the pool.
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: options.init,
    execArgv: workerExecArgv(),
  });
  return {
    async run(task) {
      try {
        return (await pool.run(task)) as TaskResult;
      } catch (error) {
        // Only a crash gets here: handlers return their failures as data.
        const message = error instanceof Error ? error.message : String(error);
        const crash = new S3FerryError(
          'internal',
          'WorkerCrashed',
          `worker thread failed: ${message}`,
        );
        return { ok: false, id: task.id, error: serializeError(crash), requests: {} };
      }
    },
    onMessage(listener) {
      pool.on('message', (message: WorkerMessage) => {
        listener(message);
      });
    },
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}
