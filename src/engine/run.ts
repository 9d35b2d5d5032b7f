// One sync run: resolve both roots, list them concurrently into a streaming merge join, decide per
// key, and dispatch copies through a p-queue with backpressure to the executor (worker pool or,
// for process_local, the main thread). Memory is bounded by the queue, not by the number of keys.
import { loadConfigFromProcess } from '../config/load.ts';
import { decide } from '../plan/decide.ts';
import type { Decision, SyncDirection } from '../plan/decide.ts';
import type { JoinEntry } from '../plan/merge-join.ts';
import { choosePartSize, usesMultipart } from '../plan/parts.ts';
import { addEstimate, emptyEstimate, estimateCopy, estimateDeletes } from '../plan/cost.ts';
import type { CostEstimate } from '../plan/cost.ts';
import { DELETE_BATCH_SIZE } from '../s3/delete.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { isS3FerryError, S3FerryError, serializeError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { CopyMethod, CopyTask, ListEntry, TaskResult } from '../shared/protocol.ts';
import { KeySpool, runDeletes } from './deletes.ts';
import type {
  CheckpointSummary,
  PlanCost,
  DeletesSkippedReason,
  SyncEvent,
  SyncEventListener,
  SyncSummary,
} from './events.ts';
import { resolveSyncOptions } from './options.ts';
import type { SyncOptions } from './options.ts';
import type { Root } from './roots.ts';
import {
  absorbTaskCounts,
  createDispatch,
  isCancellation,
  openListings,
  withSession,
} from './session.ts';
import type { RangeListings, Roots, Session } from './session.ts';
import { addRequestCounts, RunTally } from './summary.ts';
import { openCheckpoint } from '../job/checkpoint.ts';
import { abortUploadsSince } from '../job/stale-uploads.ts';
import { UploadBook } from '../job/upload-book.ts';
import type { ContinuedUpload } from '../job/upload-book.ts';
import type { Checkpoint, JobIdentity, RangeState } from '../job/checkpoint.ts';
import { Watermark, zeroCounts } from '../job/watermark.ts';
import type { Outcome, SettledCounts, Ticket } from '../job/watermark.ts';
import { remainderAfter, WHOLE_RANGE } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { ResolvedSyncOptions } from './options.ts';

export { primeListing } from './session.ts';

export type { SyncOptions };

/**
 * Makes DST hold every object or file under SRC (one-way; nothing is deleted).
 *
 * Resolves with the summary of any run that started, whatever its outcome (`status`: `ok`,
 * `partial`, `interrupted`, `fatal`). Rejects with an S3FerryError only for problems found before
 * anything was dispatched: bad options or paths (kind `usage`/`config`), and a root that cannot
 * be listed at all (bad credentials, missing bucket: `fatal: true`).
 *
 * @example
 * const summary = await sync({ src: 's3+a://b/data/', dst: '/backup/data' }, (e) => {
 *   if (e.kind === 'failure') failures.push(`${e.key}: ${e.error.code}`);
 * });
 */
export async function sync(
  options: SyncOptions,
  onEvent?: SyncEventListener,
): Promise<SyncSummary> {
  const resolved = resolveSyncOptions(options);
  const emit = (event: SyncEvent): void => onEvent?.(event);
  const config = resolved.config ?? loadConfigFromProcess();
  const cacheMode = resolved.clientCacheMode ?? config.global().clientCacheMode;
  const concurrency = resolved.workers * resolved.tasksPerWorker;
  const tally = new RunTally(resolved.maxFailureDetails);
  // --delete: the keys only at the destination, deleted after the copies (bounded memory).
  const spool = new KeySpool();
  let direction: SyncDirection = 'local-to-local';
  let method: CopyMethod = 'local';
  // The job's ranges: from the checkpoint (resumed or new), or the whole key space.
  let checkpoint: Checkpoint | undefined;
  let ranges: RangeState[] = [];
  const uploads = new UploadBook();
  try {
    return await withSession(
      {
        src: resolved.src,
        dst: resolved.dst,
        config,
        cacheMode,
        // Main-thread clients: listing in every mode, and the copies too in process_local mode.
        maxSockets: cacheMode === 'process_local' ? concurrency * resolved.partConcurrency : 8,
        workers: resolved.workers,
        tasksPerWorker: resolved.tasksPerWorker,
        partConcurrency: resolved.partConcurrency,
        progressIntervalMs: resolved.progressIntervalMs,
        selection: resolved,
        refuseOverlap: true,
        tally,
        emitWarning: (message) => {
          emit({ kind: 'warning', message });
        },
        onRoots: (roots) => {
          direction = directionOf(roots.src, roots.dst);
          method = copyMethodOf(roots.src, roots.dst);
          emit({
            kind: 'start',
            src: roots.src.label,
            dst: roots.dst.label,
            mode: resolved.mode,
            workers: resolved.workers,
            tasksPerWorker: resolved.tasksPerWorker,
            clientCacheMode: cacheMode,
            isSingleObject: roots.src.isSingleObject,
            isDryRun: resolved.isDryRun,
            shouldDelete: resolved.shouldDelete,
          });
        },
        onProgress: () => {
          emit({ kind: 'progress', ...tally.snapshot() });
        },
        onUpload: (id, event) => {
          uploads.onEvent(id, event);
        },
        firstRange: async (roots) => {
          if (resolved.checkpoint !== undefined) {
            checkpoint = await openCheckpoint(resolved.checkpoint, jobIdentity(roots, resolved), {
              fresh: resolved.fresh,
              onWarning: (message) => {
                emit({ kind: 'warning', message });
              },
            });
            ranges = checkpoint.ranges();
            if (ranges.length === 0) ranges = [checkpoint.addRange(WHOLE_RANGE)];
          } else {
            ranges = [transientRange(WHOLE_RANGE)];
          }
          const first = ranges.find((r) => !r.isDone);
          return first === undefined ? undefined : remainderAfter(first.range, first.mark);
        },
      },
      (session) => runSession(session),
    );
  } finally {
    await spool.dispose();
    await checkpoint?.close().catch(() => undefined);
  }

  async function runSession(session: Session): Promise<SyncSummary> {
    const { roots, executor: exec, cancel, mainCache } = session;
    const dispatch = createDispatch(concurrency, cancel, resolved.signal);
    uploads.attach(checkpoint, roots.dst, mainCache, tally.requests);
    // --dry-run: the requests and bytes of the planned copies.
    const planned = emptyEstimate();
    const { isStopping, stop } = dispatch;
    let nextId = 1;

    const fail = (key: string, error: SerializedError): void => {
      const record = {
        key,
        src: roots.src.display(key),
        dst: roots.dst.display(key),
        error,
      };
      tally.recordFailure(record);
      if (checkpoint !== undefined && tally.failed <= resolved.maxFailureDetails) {
        checkpoint.failed({ key, code: error.code, message: error.message });
      }
      emit({ kind: 'failure', ...record });
      if (error.fatal) {
        dispatch.stopFatal(error);
      } else if (resolved.failFast) {
        stop('fail-fast');
      }
    };

    // Local files that cannot be listed fail their key only.
    session.onLocalIssue = fail;

    const settle = (key: string, task: CopyTask, result: TaskResult): Outcome | undefined => {
      tally.inFlightBytes.delete(task.id);
      absorbTaskCounts(tally, result);
      if (result.ok) {
        tally.recordCopy(task.method, result.bytes);
        if (result.isUnverified === true) tally.unverified += 1;
        return 'copied';
      }
      if (cancel.isCancelled && isCancellation(result.error)) {
        tally.cancelled += 1;
        return undefined;
      }
      fail(key, result.error);
      return 'failed';
    };

    /** Writes a range's watermark to the checkpoint; a range fully listed and settled is done. */
    const noteProgress = (march: RangeMarch): void => {
      const { watermark, state } = march;
      if (checkpoint === undefined) return;
      if (march.isListed && watermark.pendingCount === 0 && !isStopping()) {
        if (!state.isDone) checkpoint.done(state, watermark.settled);
        return;
      }
      checkpoint.mark(state, watermark.mark, watermark.settled);
    };

    /**
     * Runs the copy (after hashing a local side if the decision needs it) in one queue slot, and
     * settles the key in its range's watermark. A key stopped by a cancel or a stop stays
     * unsettled: a resumed run lists it again.
     */
    const job = async (
      entry: JoinEntry & { src: ListEntry },
      first: Decision,
      march: RangeMarch,
      ticket: Ticket,
    ): Promise<void> => {
      const outcome = await runJob(entry, first);
      if (outcome !== undefined) {
        march.watermark.settle(ticket, outcome);
        noteProgress(march);
      }
    };

    const runJob = async (
      entry: JoinEntry & { src: ListEntry },
      first: Decision,
    ): Promise<Outcome | undefined> => {
      const key = entry.src.key;
      const decision =
        first.action === 'needs-hash' ? await hashAndDecide(entry, first.hash) : first;
      if (decision === undefined) return 'failed';
      if (decision.action !== 'copy') {
        recordDecision(key, entry.src.sizeBytes, decision);
        return 'skipped';
      }
      if (isStopping()) return undefined;
      if (resolved.isDryRun) {
        recordPlannedCopy(key, entry.src, decision);
        return 'skipped';
      }
      const task = buildTask(nextId++, key, entry.src);
      // Copies decided while listing were counted then (see onEntry); hashed ones only now.
      if (first.action === 'needs-hash') {
        tally.bytesToCopy += task.sizeBytes;
        tally.toCopy += 1;
      }
      tally.inFlightBytes.set(task.id, 0);
      emit({
        kind: 'object',
        key,
        action: 'copy',
        reason: decision.reason,
        sizeBytes: task.sizeBytes,
        method: task.method,
        ...(decision.fallback === true ? { isChecksumFallback: true } : {}),
      });
      if (decision.fallback === true) tally.checksumFallbacks += 1;
      return settle(key, task, await exec.run(task));
    };

    const hashAndDecide = async (
      entry: JoinEntry & { src: ListEntry },
      side: 'src' | 'dst' | 'both',
    ): Promise<Decision | undefined> => {
      const key = entry.src.key;
      const md5 = async (location: ReturnType<Root['location']>): Promise<string | undefined> => {
        if (location.kind !== 'local') return undefined;
        const result = await exec.run({ kind: 'md5', id: nextId++, path: location.path });
        addRequestCounts(tally.requests, result.requests);
        if (!result.ok) {
          fail(key, result.error);
          return undefined;
        }
        return result.md5;
      };
      const srcMd5 = side === 'dst' ? undefined : await md5(roots.src.location(key));
      const dstMd5 = side === 'src' ? undefined : await md5(roots.dst.location(key));
      if ((side !== 'dst' && srcMd5 === undefined) || (side !== 'src' && dstMd5 === undefined)) {
        return undefined;
      }
      return decide(entry, {
        mode: resolved.mode,
        direction,
        ...(srcMd5 === undefined ? {} : { srcMd5 }),
        ...(dstMd5 === undefined ? {} : { dstMd5 }),
      });
    };

    const recordDecision = (key: string, sizeBytes: number, decision: Decision): void => {
      if (decision.action !== 'skip') return;
      tally.skipped += 1;
      if (decision.fallback === true) tally.checksumFallbacks += 1;
      emit({
        kind: 'object',
        key,
        action: 'skip',
        reason: decision.reason,
        sizeBytes,
        ...(decision.fallback === true ? { isChecksumFallback: true } : {}),
      });
    };

    /** --dry-run: counts and announces a copy that would happen. */
    const recordPlannedCopy = (
      key: string,
      src: ListEntry,
      decision: Decision & { action: 'copy' },
    ): void => {
      tally.wouldCopy += 1;
      tally.wouldCopyBytes += src.sizeBytes;
      addEstimate(
        planned,
        estimateCopy({
          method,
          sizeBytes: src.sizeBytes,
          multipartThresholdBytes: resolved.multipartThresholdBytes,
          partSizeBytes: choosePartSize(src.sizeBytes, resolved.partSizeBytes),
          ...(src.etag === undefined ? {} : { srcEtag: src.etag }),
        }),
      );
      if (decision.fallback === true) tally.checksumFallbacks += 1;
      emit({
        kind: 'object',
        key,
        action: 'copy',
        reason: decision.reason,
        sizeBytes: src.sizeBytes,
        method,
        ...(decision.fallback === true ? { isChecksumFallback: true } : {}),
      });
    };

    const buildTask = (id: number, key: string, src: ListEntry): CopyTask => {
      const task: CopyTask = {
        kind: 'copy',
        id,
        method,
        src: roots.src.location(key),
        dst: roots.dst.location(key),
        sizeBytes: src.sizeBytes,
        mtimeMs: src.mtimeMs,
        multipartThresholdBytes: resolved.multipartThresholdBytes,
        partSizeBytes: choosePartSize(src.sizeBytes, resolved.partSizeBytes),
        partConcurrency: resolved.partConcurrency,
      };
      if (checkpoint !== undefined && roots.dst.kind === 's3') {
        task.recordsUploads = true;
        if (usesMultipart(src.sizeBytes, resolved.multipartThresholdBytes)) {
          uploads.register(id, key, src);
        }
        const resume = uploads.resumeFor(key, src);
        if (resume !== undefined) task.resumeUpload = resume;
      }
      return task;
    };

    /** One key of a range's march: decided at once, or queued with a watermark ticket. */
    const onEntry = async (entry: JoinEntry, march: RangeMarch): Promise<void> => {
      const { watermark } = march;
      if (entry.kind === 'dst-only') {
        tally.listedDestination += 1;
        tally.extraneous += 1;
        if (resolved.shouldDelete && resolved.isDryRun) {
          tally.wouldDelete += 1;
          const { key, sizeBytes } = entry.dst;
          emit({ kind: 'object', key, action: 'delete', reason: 'extraneous', sizeBytes });
        } else if (resolved.shouldDelete) {
          // With a checkpoint the key is recorded there (before the mark passes it): a resumed
          // run deletes it without listing its range again.
          if (checkpoint === undefined) await spool.add(entry.dst.key);
          else checkpoint.extra([entry.dst.key]);
        }
        watermark.pass(entry.dst.key, 'extraneous');
        return;
      }
      if (entry.kind === 'match') tally.listedDestination += 1;
      const key = entry.src.key;
      tally.listed += 1;
      tally.bytesListed += entry.src.sizeBytes;
      const problem = roots.dst.problem(key);
      if (problem !== undefined) {
        fail(key, serializeError(problem));
        watermark.pass(key, 'failed');
        return;
      }
      const decision = decide(entry, { mode: resolved.mode, direction });
      if (decision.action === 'skip') {
        recordDecision(key, entry.src.sizeBytes, decision);
        watermark.pass(key, 'skipped');
        return;
      }
      if (decision.action === 'extraneous') return;
      if (decision.action === 'copy' && resolved.isDryRun) {
        recordPlannedCopy(key, entry.src, decision);
        watermark.pass(key, 'skipped');
        return;
      }
      const ticket = watermark.begin(key, entry.src.sizeBytes);
      if (decision.action === 'copy') {
        // The totals a progress display shows, final once listing ends (well before the copies).
        tally.bytesToCopy += entry.src.sizeBytes;
        tally.toCopy += 1;
      }
      await dispatch.enqueue(() => job(entry, decision, march, ticket));
    };

    // A resumed pass: the uploads the interrupted run recorded are continued when their key is
    // copied; the ones it started without recording them (killed before the record reached the
    // disk) are aborted, as their keys are still unsettled and copied again.
    let uploadsAborted = 0;
    const dstStart = roots.dst.kind === 's3' ? roots.dst.location('') : undefined;
    if (checkpoint?.resumed !== undefined && dstStart?.kind === 's3' && roots.dst.spec) {
      try {
        uploadsAborted = await abortUploadsSince(mainCache.get(roots.dst.spec), roots.dst.spec, {
          bucket: dstStart.bucket,
          prefix: dstStart.key,
          sinceMs: Date.parse(checkpoint.resumed.passStartedAt),
          except: new Set(checkpoint.uploads().map((u) => u.uploadId)),
          counts: tally.requests,
        });
      } catch (error) {
        emit({
          kind: 'warning',
          message: `the multipart uploads the interrupted run left under ${roots.dst.label} could not be aborted (${asS3FerryError(error, 'UploadsFailed').message}); s3ferry uploads --abort removes them`,
        });
      }
    }

    // The march: each range in key order; in a range, every key of the union of both listings,
    // in UTF-8 byte order, as the listings arrive. The first range's listings are the session's.
    let isListed = true;
    let isFirst = true;
    for (const state of ranges) {
      if (state.isDone) continue;
      if (isStopping()) {
        isListed = false;
        break;
      }
      const march: RangeMarch = {
        state,
        watermark: new Watermark(state.mark, state.counts),
        isListed: false,
      };
      let listings: RangeListings;
      if (isFirst) listings = session;
      else {
        try {
          listings = await openListings(roots, remainderAfter(state.range, state.mark));
        } catch (error) {
          dispatch.stopFatal(serializeError(asS3FerryError(error, 'ListingFailed')));
          isListed = false;
          break;
        }
      }
      isFirst = false;
      const isRangeListed = await dispatch.march(listings, (entry) => onEntry(entry, march));
      if (!isRangeListed || isStopping()) {
        isListed = false;
        break;
      }
      march.isListed = true;
      noteProgress(march);
    }
    if (isListed) tally.isListingDone = true;

    await dispatch.drained();

    // --delete, only once every copy succeeded: a failed copy or listing, an interruption or a
    // fatal error leaves the destination's extra keys alone (they may be the only copy left).
    let deletesSkippedReason: DeletesSkippedReason | undefined;
    const toDelete = resolved.isDryRun
      ? tally.wouldDelete
      : (checkpoint?.extras().length ?? spool.count);
    if (resolved.shouldDelete && toDelete > 0) {
      if (dispatch.fatal !== undefined) deletesSkippedReason = 'fatal';
      else if (dispatch.stopReason === 'cancelled') deletesSkippedReason = 'interrupted';
      else if (tally.failed > 0 || dispatch.stopReason !== undefined) {
        deletesSkippedReason = 'copy-failures';
      } else if (
        tally.listed + (checkpoint?.resumed?.keysSettled ?? 0) === 0 &&
        !resolved.allowEmptySource
      ) {
        // An empty source is far more often a wrong path, bucket or endpoint than a wish to
        // empty the destination.
        deletesSkippedReason = 'empty-source';
      } else if (resolved.maxDelete !== undefined && toDelete > resolved.maxDelete) {
        deletesSkippedReason = 'max-delete';
      }
    }
    if (resolved.shouldDelete && !resolved.isDryRun && deletesSkippedReason === undefined) {
      try {
        await runDeletes({
          dst: roots.dst,
          keys: checkpoint === undefined ? spool.keys() : listedKeys(checkpoint.extras()),
          clientFor: (spec) => mainCache.get(spec),
          requests: tally.requests,
          ...(resolved.signal === undefined ? {} : { signal: resolved.signal }),
          isStopping,
          onDeleted: (key) => {
            tally.deleted += 1;
            emit({ kind: 'object', key, action: 'delete', reason: 'extraneous', sizeBytes: 0 });
          },
          onFailed: ({ key, error }) => {
            const record = { key, dst: roots.dst.display(key), error };
            tally.recordDeleteFailure(record);
            emit({ kind: 'delete-failure', ...record });
          },
        });
      } catch (error) {
        if (
          dispatch.stopReason === undefined ||
          !isS3FerryError(error) ||
          error.code !== 'Aborted'
        ) {
          const classified = isS3FerryError(error)
            ? error
            : new S3FerryError('internal', 'DeleteFailed', String(error));
          dispatch.stopFatal(serializeError(classified));
        }
      }
    }
    session.stopProgress();
    dispatch.detach();
    for (const [thread, counts] of exec.mainClientsBuilt())
      tally.clientsByThread.set(thread, counts);

    emit({ kind: 'progress', ...tally.snapshot() });
    const { fatal } = dispatch;
    const resumed = checkpoint?.resumed === undefined ? undefined : resumedTotals(ranges);
    const status: SyncSummary['status'] =
      fatal !== undefined
        ? 'fatal'
        : dispatch.stopReason === 'cancelled'
          ? 'interrupted'
          : tally.failed > 0 ||
              (resumed?.failed ?? 0) > 0 ||
              tally.deleteFailed > 0 ||
              deletesSkippedReason === 'max-delete' ||
              deletesSkippedReason === 'empty-source'
            ? 'partial'
            : 'ok';
    const summary = tally.summary({
      status,
      src: roots.src.label,
      dst: roots.dst.label,
      mode: resolved.mode,
      clientCacheMode: cacheMode,
      workers: resolved.workers,
      ...(fatal === undefined ? {} : { fatal }),
      isDryRun: resolved.isDryRun,
      shouldDelete: resolved.shouldDelete,
      ...(resolved.maxDelete === undefined ? {} : { maxDelete: resolved.maxDelete }),
      ...(deletesSkippedReason === undefined ? {} : { deletesSkippedReason }),
    });
    if (resolved.isDryRun)
      summary.plan = planCost(summary.requests, planned, tally.wouldDelete, roots.dst);
    if (checkpoint !== undefined) {
      // A pass that ran to its end (failures included) is finished: the next run is a new pass.
      if (status === 'ok' || status === 'partial') {
        uploadsAborted += await uploads.abortLeftovers();
        await checkpoint.finish(status);
      } else await checkpoint.flush();
      summary.checkpoint = checkpointSummary(checkpoint, ranges, resumed, {
        aborted: uploadsAborted,
        continued: uploads.continued,
      });
      for (const failure of checkpoint.failures()) {
        if (summary.failures.length >= resolved.maxFailureDetails) break;
        if (summary.failures.some((f) => f.key === failure.key)) continue;
        summary.failures.push({
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
        });
      }
    }
    emit({ kind: 'summary', summary });
    return summary;
  }
}

/**
 * The cost of the real run of a dry run's plan: the listing requests the dry run sent (the real
 * run lists the same), the planned copies', and the deletes'.
 */
function planCost(
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

/** The state of one range while it is marched. */
type RangeMarch = {
  state: RangeState;
  watermark: Watermark;
  /** Both listings of the range ended (not stopped). */
  isListed: boolean;
};

/** A range of a run without a checkpoint: tracked the same way, recorded nowhere. */
function transientRange(range: KeyRange): RangeState {
  return { id: 'r0', range, mark: undefined, counts: zeroCounts(), isDone: false };
}

/** What makes two runs one job (see JobIdentity): paths, where they resolve, and the selection. */
export function jobIdentity(roots: Roots, options: ResolvedSyncOptions): JobIdentity {
  return {
    src: roots.src.label,
    dst: roots.dst.label,
    srcWhere: whereOf(roots.src),
    dstWhere: whereOf(roots.dst),
    mode: options.mode,
    include: options.include,
    exclude: options.exclude,
    deleteExcluded: options.shouldDeleteExcluded,
    delete: options.shouldDelete,
  };
}

function whereOf(root: Root): string {
  if (root.spec === undefined) return root.display('');
  return `${root.spec.endpointUrl ?? `aws:${root.spec.region}`} ${root.display('')}`;
}

/** What the earlier runs of a resumed pass settled (done ranges and the marks of the others). */
function resumedTotals(ranges: readonly RangeState[]): SettledCounts {
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

function checkpointSummary(
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

/** The recorded keys as the async iterable runDeletes takes. */
function listedKeys(keys: readonly string[]): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < keys.length
              ? { done: false as const, value: keys[i++] ?? '' }
              : { done: true as const, value: undefined },
          ),
      };
    },
  };
}

function asS3FerryError(error: unknown, code: string): S3FerryError {
  return isS3FerryError(error) ? error : new S3FerryError('internal', code, String(error));
}

/** upload / download / s3-to-s3 / local-to-local, for the mtime rule and the checksum sides. */
export function directionOf(src: Root, dst: Root): SyncDirection {
  if (src.kind === 's3') return dst.kind === 's3' ? 's3-to-s3' : 'download';
  return dst.kind === 's3' ? 'upload' : 'local-to-local';
}

/**
 * S3→S3 copies are server-side when both profiles resolve to the same endpoint and the same
 * credentials (settings, not profile names: two names for one account still copy server-side);
 * otherwise the bytes stream through s3ferry.
 */
export function copyMethodOf(src: Root, dst: Root): CopyMethod {
  if (src.kind === 's3' && dst.kind === 's3') {
    return src.sameAccountAs(dst) ? 'server-side' : 'stream';
  }
  if (src.kind === 's3') return 'download';
  return dst.kind === 's3' ? 'upload' : 'local';
}
