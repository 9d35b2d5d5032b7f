// `s3ferry worker --queue redis://…`: serves the range jobs of any s3ferry job on that Redis,
// a few ranges at once, each synced through this process's own pool with profiles resolved from
// this machine's environment and files. Ctrl-C stops the ranges in flight and puts them back in
// the queue (their marks and uploads are recorded: the next worker resumes them).
import { hostname } from 'node:os';
import { WaitingError, Worker } from 'bullmq';
import type { RangeState } from '../job/checkpoint.ts';
import type { WorkerSettings } from './job-spec.ts';
import { JobStore, connectRedis, redisOptions } from './job-store.ts';
import { QUEUE_NAME } from './names.ts';
import { enqueueRanges, openQueue } from './queue.ts';
import { displayQueueUrl } from './queue-url.ts';
import type { QueueUrl } from './queue-url.ts';
import { ShutdownError, runRangeJob } from './range-job.ts';
import type { RangeJobData, RangeJobResult } from './range-job.ts';

export type ServeOptions = {
  queue: QueueUrl;
  settings: WorkerSettings;
  /** Ranges run at once by this process. */
  concurrency: number;
  /** Stops the worker (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  /** One line per event worth a log: started, a range done or failed, stopping. */
  onLog: (line: string) => void;
  /**
   * How long a range's lock lasts without renewal (renewed every half of it while the range runs):
   * a worker killed mid-range has its range handed to another after about this long. @default 15 s
   */
  lockDurationMs?: number;
};

const DEFAULT_LOCK_MS = 15_000;
/** Marks, reports and the job's status check, this often. */
const TICK_MS = 250;

/** Serves until `signal` aborts. Rejects at once when Redis cannot be reached. */
export async function serveQueue(options: ServeOptions): Promise<void> {
  const redis = await connectRedis(options.queue);
  const id = `${hostname()}.${process.pid}`;
  const queue = openQueue(options.queue);
  const shutdown = new AbortController();
  const stores = new Map<string, JobStore>();
  const storeOf = (job: string): JobStore => {
    let store = stores.get(job);
    if (store === undefined) {
      store = new JobStore(redis, job);
      stores.set(job, store);
    }
    return store;
  };
  const enqueue = async (job: string, ranges: RangeState[]): Promise<void> => {
    await enqueueRanges(
      queue,
      job,
      ranges.map((r) => r.id),
    );
  };
  const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_MS;
  const worker = new Worker<RangeJobData, RangeJobResult>(
    QUEUE_NAME,
    async (job, token) => {
      try {
        return await runRangeJob(job, {
          store: storeOf(job.data.job),
          worker: id,
          settings: options.settings,
          shutdown: shutdown.signal,
          enqueue,
          tickMs: TICK_MS,
        });
      } catch (error) {
        if (!(error instanceof ShutdownError)) throw error;
        // Back to the queue as it is, without using up an attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    },
    {
      connection: redisOptions(options.queue),
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: Math.max(1_000, Math.round(lockDuration / 3)),
      // A range whose worker died this many times fails (its error names the stalls).
      maxStalledCount: 3,
    },
  );
  worker.on('completed', (job, result) => {
    if (result.outcome === 'done' || result.outcome === 'partial') {
      options.onLog(
        `job ${job.data.job} range ${job.data.range}: ${result.outcome}, ${result.copied} copied, ${result.skipped} skipped, ${result.failed} failed, ${result.splits} split off`,
      );
    }
  });
  worker.on('failed', (job, error) => {
    options.onLog(
      `job ${job?.data.job ?? '?'} range ${job?.data.range ?? '?'}: failed: ${messageOf(error)}`,
    );
  });
  // An outage repeats its error on every reconnect attempt: one line per message and minute.
  const lastLogged = new Map<string, number>();
  worker.on('error', (error) => {
    const now = Date.now();
    if (now - (lastLogged.get(error.message) ?? 0) < 60_000) return;
    lastLogged.set(error.message, now);
    options.onLog(`queue error (retrying): ${error.message}`);
  });
  options.onLog(
    `worker ${id} serving ${displayQueueUrl(options.queue)}, ${options.concurrency} range(s) at once`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => {
      resolve();
    });
  });
  options.onLog(`worker ${id} stopping: ranges in flight go back to the queue`);
  shutdown.abort();
  await worker.close();
  await queue.close();
  redis.disconnect();
}

/** A range error's message (the worker threw a SerializedError as JSON). */
function messageOf(error: Error): string {
  try {
    const parsed = JSON.parse(error.message) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // A plain message.
  }
  return error.message;
}
