// The BullMQ side of a distributed job: the one queue of range jobs, how a range becomes a job
// (deterministic id, retries with backoff) and which of a job's ranges are in the queue.
import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { RangeJobData } from './range-job.ts';
import { QUEUE_NAME, rangeJobId } from './names.ts';
import { redisOptions } from './job-store.ts';
import type { QueueUrl } from './queue-url.ts';

/** Attempts of a range (the first included) before it fails the job. */
export const RANGE_ATTEMPTS = 4;

export function openQueue(url: QueueUrl): Queue<RangeJobData> {
  const queue = new Queue<RangeJobData>(QUEUE_NAME, { connection: redisOptions(url) });
  // Outages surface through the calls that meet them (and are waited out): no unhandled event.
  queue.on('error', () => undefined);
  return queue;
}

function rangeJobOptions(job: string, range: string): JobsOptions {
  return {
    jobId: rangeJobId(job, range),
    attempts: RANGE_ATTEMPTS,
    // 2 s, 4 s, 8 s: long enough for a restarted endpoint or Redis, short beside a range.
    backoff: { type: 'exponential', delay: 2_000 },
    // Gone once done, so that a re-attached coordinator can queue an open range again; failed
    // ones stay for the coordinator to read why.
    removeOnComplete: true,
    removeOnFail: false,
  };
}

/** Queues ranges of `job` (a range already queued under its id is left as it is). */
export async function enqueueRanges(
  queue: Queue<RangeJobData>,
  job: string,
  ranges: readonly string[],
): Promise<void> {
  if (ranges.length === 0) return;
  await queue.addBulk(
    ranges.map((range) => ({
      name: 'range',
      data: { job, range },
      opts: rangeJobOptions(job, range),
    })),
  );
}

/** BullMQ states in which a range job will still run. */
const LIVE = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Makes sure every open range of `job` has a live BullMQ job: queues those without one (a split
 * stored just before its worker died, an interrupted pass, a queue that lost jobs), and returns
 * the failed ones with their last error. With `requeueFailed`, failed ones are queued again.
 */
export async function repairQueue(
  queue: Queue<RangeJobData>,
  job: string,
  open: readonly string[],
  requeueFailed: boolean,
): Promise<{ failed: { range: string; reason: string }[]; queued: number }> {
  const missing: string[] = [];
  const failed: { range: string; reason: string }[] = [];
  for (const range of open) {
    const existing = await queue.getJob(rangeJobId(job, range));
    if (existing === undefined) {
      missing.push(range);
      continue;
    }
    const state = await existing.getState();
    if (LIVE.has(state)) continue;
    if (state === 'failed' && !requeueFailed) {
      failed.push({ range, reason: existing.failedReason });
      continue;
    }
    await existing.remove().catch(() => undefined);
    missing.push(range);
  }
  await enqueueRanges(queue, job, missing);
  return { failed, queued: missing.length };
}

/** How many range jobs of `job` are running now. */
export async function activeRanges(queue: Queue<RangeJobData>, job: string): Promise<number> {
  const active = await queue.getJobs(['active']);
  return active.filter((j) => j.data.job === job).length;
}
