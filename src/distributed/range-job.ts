// One BullMQ job = one range of an s3ferry job: read the range's state from Redis, sync it
// (listing both sides over its bounds, merge-join, copies through this worker's pool), with its
// book in Redis, and report to the job. A large range is split while it is listed: the rest
// becomes open ranges of the job and BullMQ jobs for any worker.
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { syncRange } from '../engine/run.ts';
import type { SyncEvent, SyncSummary } from '../engine/events.ts';
import type { RangeState, ResumeInfo } from '../job/checkpoint.ts';
import { isS3FerryError, serializeError, serializeUnexpected } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import { rangeSyncOptions } from './job-spec.ts';
import type { WorkerSettings } from './job-spec.ts';
import type { JobStore } from './job-store.ts';
import { RangeBook } from './range-book.ts';
import { exchangePause } from './pause-share.ts';
import type { SharedBackoff } from '../s3/shared-backoff.ts';

/** The data of a range's BullMQ job: names only. */
export type RangeJobData = { job: string; range: string };

/** How a range run ended, as the BullMQ job's return value. */
export type RangeJobResult =
  | { outcome: 'done' | 'partial'; copied: number; skipped: number; failed: number; splits: number }
  | { outcome: 'not-running' | 'already-done' | 'interrupted' };

export type RangeJobContext = {
  store: JobStore;
  worker: string;
  settings: WorkerSettings;
  /** Aborted when this worker shuts down (the range goes back to the queue). */
  shutdown: AbortSignal;
  /** Adds the ranges split off to the queue. */
  enqueue: (job: string, ranges: RangeState[]) => Promise<void>;
  /** Period of the mark writes, progress reports and the job's status check. */
  tickMs: number;
};

/**
 * A range that marched two listing pages is split into this many parts: it keeps one, the others
 * go to the queue for any worker, and split again when they too are large.
 */
const SPLIT_PARTS = 4;

/** Tells the processor to put the job back in the queue (this worker is shutting down). */
export class ShutdownError extends Error {}

/**
 * Runs one range job.
 * @throws UnrecoverableError when the job is gone or a setting of this worker is wrong (a retry
 *   cannot help); ShutdownError when this worker stopped; Error (retried with backoff) otherwise.
 *   Their messages are a SerializedError as JSON, so the coordinator prints the usual line.
 */
export async function runRangeJob(
  bullJob: Job<RangeJobData>,
  ctx: RangeJobContext,
): Promise<RangeJobResult> {
  const { store } = ctx;
  const meta = await store.meta();
  if (meta === undefined) {
    throw new UnrecoverableError(
      JSON.stringify(
        serializeUnexpected(
          new Error(`job ${bullJob.data.job} is not in Redis any more`),
          'JobLost',
        ),
      ),
    );
  }
  if (meta.status !== 'running') return { outcome: 'not-running' };
  const stored = await store.range(bullJob.data.range);
  if (stored === undefined || stored.state.isDone) return { outcome: 'already-done' };
  const { state } = stored;
  const bounds = { ...state.range };
  const uploads = await store.uploadsIn(bounds);
  const resumed: ResumeInfo | undefined = stored.started
    ? {
        passStartedAt: meta.passStartedAt,
        rangesDone: 0,
        keysSettled: state.counts.keys,
        uploadsRecorded: uploads.length,
        droppedTornRecord: false,
      }
    : undefined;
  // Started, before any copy: a worker that resumes it knows an earlier one may have uploads.
  await store.putRange(state);
  const book = new RangeBook({
    store,
    state,
    uploads,
    resumed,
    onSplit: (added) => ctx.enqueue(bullJob.data.job, added),
  });

  const stop = new AbortController();
  let why: 'shutdown' | 'cancelled' | 'lost' | undefined;
  const onShutdown = (): void => {
    why ??= 'shutdown';
    stop.abort();
  };
  ctx.shutdown.addEventListener('abort', onShutdown);
  if (ctx.shutdown.aborted) onShutdown();
  // This worker's copies, skips and failures, reported as they happen (a killed worker's last
  // tick is lost: its reports only ever count less than it did, never more).
  let reported: Done = { copied: 0, skipped: 0, failed: 0 };
  let latest: Done = reported;
  const report = async (): Promise<void> => {
    const now = latest;
    const since = reported;
    // Moved before the write: a tick's report and the last one may overlap.
    reported = now;
    await store.addWorkerCounts(ctx.worker, {
      copied: now.copied - since.copied,
      skipped: now.skipped - since.skipped,
      failed: now.failed - since.failed,
    });
  };
  // Throttling seen here pauses every worker of the job, and theirs pauses this one.
  let backoff: SharedBackoff | undefined;
  let published = 0;
  const sharePause = async (): Promise<void> => {
    if (backoff === undefined) return;
    const now = Date.now();
    const step = exchangePause(backoff.pausedUntil(), await store.sharedPause(), published, now);
    if (step.publish !== undefined) {
      published = step.publish;
      await store.sharePause(step.publish);
    }
    if (step.hold !== undefined) backoff.holdUntil(step.hold);
  };
  const tick = setInterval(() => {
    book.flushMark();
    void sharePause().catch(() => undefined);
    void report().catch(() => undefined);
    void store
      .meta()
      .then((m) => {
        // Gone, or replaced by a new pass (Redis lost it and the job was started again).
        if (m === undefined || m.passStartedAt !== meta.passStartedAt) why ??= 'lost';
        else if (m.status !== 'running') why ??= 'cancelled';
        if (why !== undefined) stop.abort();
      })
      .catch(() => undefined);
  }, ctx.tickMs);

  let summary: SyncSummary;
  try {
    summary = await syncRange(
      { ...rangeSyncOptions(meta.spec, ctx.settings), signal: stop.signal },
      (event: SyncEvent) => {
        if (event.kind === 'progress') latest = doneOf(event);
        else if (event.kind === 'summary') latest = doneOf(event.summary.objects);
      },
      {
        book,
        range: bounds,
        passStartedAt: meta.passStartedAt,
        splitParts: SPLIT_PARTS,
        onBackoff: (b) => {
          backoff = b;
        },
      },
    );
  } catch (error) {
    throw asRangeError(error);
  } finally {
    clearInterval(tick);
    ctx.shutdown.removeEventListener('abort', onShutdown);
  }
  await book.settle();
  await report();
  await store.addWorkerCounts(ctx.worker, {
    ranges: 1,
    splits: book.splits,
    ...Object.fromEntries(Object.entries(summary.requests).map(([op, n]) => [`req.${op}`, n])),
  });
  if (summary.status === 'fatal') {
    throw asRangeError(summary.fatal);
  }
  if (summary.status === 'interrupted') {
    if (why === 'shutdown') throw new ShutdownError('worker shutting down');
    return { outcome: 'interrupted' };
  }
  return {
    outcome: summary.status === 'ok' ? 'done' : 'partial',
    copied: summary.objects.copied,
    skipped: summary.objects.skipped,
    failed: summary.objects.failed,
    splits: book.splits,
  };
}

type Done = { copied: number; skipped: number; failed: number };

function doneOf(counts: Done): Done {
  return { copied: counts.copied, skipped: counts.skipped, failed: counts.failed };
}

/** A range's error as the BullMQ job's failure: settings errors are not retried. */
function asRangeError(error: unknown): Error {
  const serialized: SerializedError | undefined = isS3FerryError(error)
    ? serializeError(error)
    : error !== null && typeof error === 'object' && 'code' in error && 'message' in error
      ? (error as SerializedError)
      : undefined;
  const data = serialized ?? serializeUnexpected(error, 'RangeFailed');
  const text = JSON.stringify(data);
  return data.kind === 'config' || data.kind === 'usage'
    ? new UnrecoverableError(text)
    : new Error(text);
}
