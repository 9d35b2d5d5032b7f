// Watching a distributed job until it ends: every range done (or failed for good), Ctrl-C
// (the job is cancelled for every worker), or the job gone from Redis. On the way: the job's
// progress from its ranges' marks, and open ranges without a live BullMQ job queued again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunTally } from '../engine/summary.ts';
import { zeroCounts } from '../job/watermark.ts';
import { describeRange } from '../plan/key-range.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { JobStore, StoredRange } from './job-store.ts';
import { activeRanges, repairQueue } from './queue.ts';
import type { openQueue } from './queue.ts';

/** How often the coordinator reads the job's state; repairs the queue every REPAIR_EVERY ticks. */
const TICK_MS = 500;
const REPAIR_EVERY = 10;
/** After Ctrl-C: how long to wait for the workers to stop their ranges. */
const CANCEL_WAIT_MS = 60_000;

export type Ended =
  | { kind: 'done'; failedRanges: FailedRange[] }
  | { kind: 'cancelled'; failedRanges: FailedRange[] }
  | { kind: 'lost'; error: S3FerryError; failedRanges: FailedRange[] };

type FailedRange = { range: string; error: SerializedError };

/** Waits until every range is done or failed for good, the run is cancelled or the job lost. */
export async function waitForJob(
  store: JobStore,
  queue: ReturnType<typeof openQueue>,
  signal: AbortSignal | undefined,
  onRanges: (ranges: StoredRange[]) => void,
): Promise<Ended> {
  for (let tick = 1; ; tick++) {
    if (signal?.aborted === true) {
      await store.setStatus('cancelled');
      const until = Date.now() + CANCEL_WAIT_MS;
      while ((await activeRanges(queue, store.name)) > 0 && Date.now() < until) {
        await sleep(TICK_MS);
      }
      return { kind: 'cancelled', failedRanges: [] };
    }
    if (!(await store.exists())) {
      return {
        kind: 'lost',
        failedRanges: [],
        error: new S3FerryError(
          'network',
          'JobLost',
          `job ${store.name} is gone from Redis (restarted without persistence, or flushed): nothing more can be resumed from it`,
          {
            fatal: true,
            retryable: false,
            hint: 'run the same command again to finish the job in a new pass (what was copied is skipped)',
          },
        ),
      };
    }
    const ranges = await store.ranges();
    onRanges(ranges);
    const open = await store.openIds();
    if (open.length === 0) return { kind: 'done', failedRanges: [] };
    if (tick % REPAIR_EVERY === 0 || tick === 1) {
      const { failed } = await repairQueue(queue, store.name, open, false);
      // A range that failed every attempt: the others finish, then the job ends with it listed.
      if (failed.length > 0 && failed.length === open.length) {
        return {
          kind: 'done',
          failedRanges: failed.map((f) => ({
            range: describeOpen(ranges, f.range),
            error: parseReason(f.reason),
          })),
        };
      }
    }
    await sleep(TICK_MS, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
  }
}

function describeOpen(ranges: StoredRange[], id: string): string {
  const found = ranges.find((r) => r.state.id === id);
  return found === undefined ? id : `keys ${describeRange(found.state.range)}`;
}

/** A range job's failure reason: the SerializedError the worker threw, as JSON. */
function parseReason(reason: string): SerializedError {
  try {
    const parsed = JSON.parse(reason) as SerializedError;
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') return parsed;
  } catch {
    // Not ours: a BullMQ error (stalled too often, lock lost).
  }
  return { kind: 'internal', code: 'RangeFailed', message: reason, retryable: false, fatal: false };
}

/** The job's progress: what its ranges settled (up to their marks). */
export function progressOf(tally: RunTally, ranges: StoredRange[]) {
  fillTally(tally, ranges);
  return tally.snapshot();
}

export function fillTally(tally: RunTally, ranges: StoredRange[]): void {
  const sum = zeroCounts();
  for (const { state } of ranges) {
    sum.keys += state.counts.keys;
    sum.copied += state.counts.copied;
    sum.copiedBytes += state.counts.copiedBytes;
    sum.skipped += state.counts.skipped;
    sum.failed += state.counts.failed;
  }
  tally.listed = sum.keys;
  tally.copied = sum.copied;
  tally.bytesCopied = sum.copiedBytes;
  tally.skipped = sum.skipped;
  tally.failed = sum.failed;
  tally.toCopy = sum.copied;
  tally.bytesToCopy = sum.copiedBytes;
}
