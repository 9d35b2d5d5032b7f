// What a sync's summary adds to its tally's counts: the status, the cost of a dry run's plan, and
// the checkpoint's part (what the journal wrote, what a resumed pass carried over); and the start
// event that opens a run's output.
import { drainWireInto } from '../s3/wire-tally.ts';
import { DELETE_BATCH_SIZE } from '../s3/delete.ts';
import { addEstimate, emptyEstimate, estimateDeletes } from '../plan/cost.ts';
import type { CostEstimate } from '../plan/cost.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { Checkpoint, RangeState, RecordedFailure } from '../job/checkpoint.ts';
import type { ContinuedUpload, UploadBook } from '../job/upload-book.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import { zeroCounts } from '../job/watermark.ts';
import type { SettledCounts } from '../job/watermark.ts';
import type {
  CheckpointSummary,
  DeletesSkippedReason,
  FailureRecord,
  PlanCost,
  SyncEvent,
  SyncSummary,
} from './events.ts';
import type { StopReason } from './lanes.ts';
import type { ResolvedSyncOptions } from './options.ts';
import type { Root } from './roots.ts';
import type { RunTally } from './summary.ts';

/** How a run ended, from how it stopped and what failed. */
export function syncStatus(state: {
  fatal: SerializedError | undefined;
  stopReason: StopReason | undefined;
  tally: RunTally;
  resumedFailed: number;
  deletesSkippedReason: DeletesSkippedReason | undefined;
}): SyncSummary['status'] {
  if (state.fatal !== undefined) return 'fatal';
  if (state.stopReason === 'cancelled') return 'interrupted';
  const { tally, deletesSkippedReason: skipped } = state;
  if (
    tally.failed > 0 ||
    state.resumedFailed > 0 ||
    tally.deleteFailed > 0 ||
    skipped === 'max-delete' ||
    skipped === 'empty-source'
  ) {
    return 'partial';
  }
  return 'ok';
}

/**
 * The cost of the real run of a dry run's plan: the listing requests the dry run sent (the real
 * run lists the same), the planned copies', and the deletes'.
 */
export function planCost(
  listed: RequestCounts,
  copies: CostEstimate,
  deletes: number,
  dst: Root,
): PlanCost {
  const total = addEstimate(emptyEstimate(), {
    requests: listed,
    bytesThrough: 0,
    bytesServerSide: 0,
  });
  addEstimate(total, copies);
  addEstimate(total, estimateDeletes(deletes, DELETE_BATCH_SIZE, dst.kind));
  return {
    requests: total.requests,
    requestsTotal: Object.values(total.requests).reduce((sum, n) => sum + n, 0),
    bytesThrough: total.bytesThrough,
    bytesServerSide: total.bytesServerSide,
  };
}

/** What the earlier runs of a resumed pass settled (done ranges and the marks of the others). */
export function resumedTotals(ranges: readonly RangeState[]): SettledCounts {
  const total = zeroCounts();
  for (const r of ranges) {
    total.keys += r.counts.keys;
    total.copied += r.counts.copied;
    total.copiedBytes += r.counts.copiedBytes;
    total.skipped += r.counts.skipped;
    total.failed += r.counts.failed;
  }
  return total;
}

/** The checkpoint part of the summary. */
export function checkpointSummary(
  checkpoint: Checkpoint,
  ranges: readonly RangeState[],
  resumedCounts: SettledCounts | undefined,
  uploads: { aborted: number; continued: ContinuedUpload[] },
): CheckpointSummary {
  const { resumed } = checkpoint;
  return {
    path: checkpoint.path,
    pass: checkpoint.pass,
    ranges: ranges.length,
    rangesDone: ranges.filter((r) => r.isDone).length,
    journal: {
      records: checkpoint.stats.records,
      bytesWritten: checkpoint.stats.bytesWritten,
      fsyncs: checkpoint.stats.fsyncs,
    },
    ...(resumed === undefined || resumedCounts === undefined
      ? {}
      : {
          resumed: {
            passStartedAt: resumed.passStartedAt,
            rangesSkipped: resumed.rangesDone,
            keysNotRelisted: resumed.keysSettled,
            copied: resumedCounts.copied,
            copiedBytes: resumedCounts.copiedBytes,
            skipped: resumedCounts.skipped,
            failed: resumedCounts.failed,
            uploadsContinued: uploads.continued,
            uploadsAborted: uploads.aborted,
            droppedTornRecord: resumed.droppedTornRecord,
          },
        }),
  };
}

/**
 * Adds the failures the earlier runs of a resumed pass recorded to the summary's list (up to
 * `max`, each key once).
 */
export function addRecordedFailures(
  failures: FailureRecord[],
  checkpoint: Checkpoint,
  roots: { src: Root; dst: Root },
  max: number,
): void {
  for (const failure of checkpoint.failures()) {
    if (failures.length >= max) break;
    if (failures.some((f) => f.key === failure.key)) continue;
    failures.push(failureOfRecord(failure, roots));
  }
}

/** A failure a journal recorded (key, code, message), as the summary lists failures. */
export function failureOfRecord(
  failure: RecordedFailure,
  roots: { src: Pick<Root, 'display'>; dst: Pick<Root, 'display'> },
): FailureRecord {
  return {
    key: failure.key,
    src: roots.src.display(failure.key),
    dst: roots.dst.display(failure.key),
    error: {
      kind: 'internal',
      code: failure.code,
      message: failure.message,
      retryable: false,
      fatal: false,
    },
  };
}

/** The `start` event of a sync run (local, a shard, or a distributed job's coordinator). */
export function startEvent(
  roots: { src: Root; dst: Root },
  options: ResolvedSyncOptions,
  clientCacheMode: ClientCacheMode,
): SyncEvent {
  return {
    kind: 'start',
    src: roots.src.label,
    dst: roots.dst.label,
    mode: options.mode,
    workers: options.workers,
    tasksPerWorker: options.tasksPerWorker,
    clientCacheMode,
    isSingleObject: roots.src.isSingleObject,
    isDryRun: options.isDryRun,
    shouldDelete: options.shouldDelete,
  };
}

/**
 * The summary of a run that marched: its status, its counts, a dry run's plan cost, and the
 * checkpoint's part — a pass that ran to its end (failures included) is finished there, so the
 * next run is a new pass; an interrupted one is flushed for the resume.
 */
export async function summarizeSync(ctx: {
  options: ResolvedSyncOptions;
  tally: RunTally;
  roots: { src: Root; dst: Root };
  cacheMode: ClientCacheMode;
  lanes: { fatal: SerializedError | undefined; stopReason: StopReason | undefined };
  deletesSkipped: DeletesSkippedReason | undefined;
  planned: CostEstimate;
  checkpoint: Checkpoint | undefined;
  /** What the earlier runs of a resumed pass settled (taken before this run marched). */
  earlier: SettledCounts | undefined;
  uploads: UploadBook;
  uploadsAborted: number;
}): Promise<SyncSummary> {
  const { options, tally, roots, lanes, checkpoint } = ctx;
  const resumed = ctx.earlier;
  const status = syncStatus({
    fatal: lanes.fatal,
    stopReason: lanes.stopReason,
    tally,
    resumedFailed: resumed?.failed ?? 0,
    deletesSkippedReason: ctx.deletesSkipped,
  });
  // The main thread's own answers (listing, its copies) since the last task result took them.
  drainWireInto(tally.wire);
  const summary = tally.summary({
    status,
    src: roots.src.label,
    dst: roots.dst.label,
    mode: options.mode,
    clientCacheMode: ctx.cacheMode,
    workers: options.workers,
    ...(lanes.fatal === undefined ? {} : { fatal: lanes.fatal }),
    isDryRun: options.isDryRun,
    shouldDelete: options.shouldDelete,
    isMove: options.shouldDeleteSource,
    ...(options.maxDelete === undefined ? {} : { maxDelete: options.maxDelete }),
    ...(ctx.deletesSkipped === undefined ? {} : { deletesSkippedReason: ctx.deletesSkipped }),
  });
  if (options.isDryRun) {
    summary.plan = planCost(summary.requests, ctx.planned, tally.wouldDelete, roots.dst);
  }
  if (checkpoint === undefined) return summary;
  let aborted = ctx.uploadsAborted;
  if (status === 'ok' || status === 'partial') {
    aborted += await ctx.uploads.abortLeftovers();
    await checkpoint.finish(status);
  } else await checkpoint.flush();
  // The checkpoint's ranges as they are now: those split off during the run included.
  summary.checkpoint = checkpointSummary(checkpoint, checkpoint.ranges(), resumed, {
    aborted,
    continued: ctx.uploads.continued,
  });
  addRecordedFailures(summary.failures, checkpoint, roots, options.maxFailureDetails);
  return summary;
}
