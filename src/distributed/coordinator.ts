// `s3ferry sync SRC DST --queue redis://…`: the coordinator of a distributed job. It checks the
// paths and profiles like a local run, creates the job in Redis (or re-attaches to it), queues
// its first range, shows the job's progress from what the workers record, and once every range
// is done runs the delete phase, aborts uploads nobody will complete and writes the summary.
import { loadConfigFromProcess } from '../config/load.ts';
import { runDeletePhase } from '../engine/delete-phase.ts';
import type { FailureRecord, SyncEvent, SyncEventListener, SyncSummary } from '../engine/events.ts';
import { resolveSyncOptions } from '../engine/options.ts';
import type { SyncOptions } from '../engine/options.ts';
import { openSession } from '../engine/session.ts';
import { jobIdentity } from '../engine/sync-job.ts';
import { failureOfRecord, startEvent, syncStatus } from '../engine/sync-summary.ts';
import { RunTally } from '../engine/summary.ts';
import { identityDifference } from '../job/checkpoint.ts';
import { abortUploadsSince } from '../job/stale-uploads.ts';
import { zeroCounts } from '../job/watermark.ts';
import { WHOLE_RANGE } from '../plan/key-range.ts';
import { drainWireInto } from '../s3/wire-tally.ts';
import { usageError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import { jobSpecOf } from './job-spec.ts';
import { JobStore, connectRedis, rangeIdOf } from './job-store.ts';
import { checkJobName, defaultJobName } from './names.ts';
import { enqueueRanges, openQueue, repairQueue } from './queue.ts';
import { fillTally, progressOf, waitForJob } from './job-watch.ts';
import { displayQueueUrl } from './queue-url.ts';
import type { QueueUrl } from './queue-url.ts';

export type QueueOptions = {
  /** Where the job's Redis is (--queue). */
  queue: QueueUrl;
  /** The job's name (--job); by default derived from the job's identity. */
  job?: string;
  /** Replace what Redis holds under the name and start the job over (--fresh). */
  fresh?: boolean;
};

/**
 * Runs a sync as a distributed job and resolves with its summary, like sync(). Rejects (before
 * anything is queued) for bad options, paths, profiles, an unreachable Redis or a name that holds
 * another job.
 */
export async function coordinate(
  options: SyncOptions,
  queueOptions: QueueOptions,
  onEvent?: SyncEventListener,
): Promise<SyncSummary> {
  const emit = (event: SyncEvent): void => onEvent?.(event);
  if (options.isDryRun === true) {
    throw usageError('--queue runs a job; a --dry-run plans one locally', 'drop --queue');
  }
  if (options.plan !== undefined || options.shard !== undefined) {
    throw usageError(
      '--queue spreads the whole job over its workers; --plan/--shard are static shards without Redis',
      'choose one of --queue and --plan/--shard',
    );
  }
  if (options.filesFrom !== undefined) {
    throw usageError(
      '--files-from is for a local run: a queued job would have to carry the whole list to its workers',
      'drop --queue, or narrow the job with --include/--exclude or a glob SRC',
    );
  }
  if (options.checkpoint !== undefined) {
    throw usageError(
      '--queue keeps the job in Redis; --checkpoint is for a local run',
      'choose one of --queue and --checkpoint',
    );
  }
  const resolved = resolveSyncOptions(options);
  const config = resolved.config ?? loadConfigFromProcess();
  const cacheMode = resolved.clientCacheMode ?? config.global().clientCacheMode;
  const tally = new RunTally(resolved.maxFailureDetails);
  const session = await openSession({
    src: resolved.src,
    dst: resolved.dst,
    config,
    cacheMode,
    maxSockets: 8,
    workers: 1,
    tasksPerWorker: 1,
    partConcurrency: 1,
    selection: { ...resolved, listConcurrency: 1 },
    refuseOverlap: true,
    tally,
    emitWarning: (message) => {
      emit({ kind: 'warning', message });
    },
  });
  const { roots } = session;
  const redisUrl = displayQueueUrl(queueOptions.queue);
  let store: JobStore | undefined;
  let queue: ReturnType<typeof openQueue> | undefined;
  try {
    if (roots.src.kind !== 's3' || roots.dst.kind !== 's3') {
      throw usageError(
        '--queue needs S3 paths on both sides: workers on other machines cannot see local paths',
        'run without --queue to sync local files',
      );
    }
    // Fatal at the start, as a local run: both sides can be listed with this machine's profiles.
    await session.openListings(WHOLE_RANGE);
    const identity = jobIdentity(roots, resolved);
    const name = checkJobName(queueOptions.job ?? defaultJobName(identity));
    const redis = await connectRedis(queueOptions.queue);
    store = new JobStore(redis, name);
    const meta = await store.meta();
    if (meta !== undefined && queueOptions.fresh !== true) {
      const difference = identityDifference(meta.spec.identity, identity);
      if (difference !== undefined) {
        throw usageError(
          `--job ${name} in ${redisUrl} is another job: ${difference}`,
          'choose another --job name, or add --fresh to replace it',
        );
      }
    }
    const isResumed = meta !== undefined && meta.status !== 'done' && queueOptions.fresh !== true;
    queue = openQueue(queueOptions.queue);
    if (isResumed) {
      await store.setStatus('running');
      const ranges = await store.ranges();
      const open = await store.openIds();
      emit({
        kind: 'warning',
        message: `re-attached to job ${name} in ${redisUrl}: ${ranges.length - open.length} of ${ranges.length} ranges done`,
      });
      await repairQueue(queue, name, open, true);
    } else {
      const first = { id: rangeIdOf(WHOLE_RANGE), range: WHOLE_RANGE, mark: undefined };
      await store.create(jobSpecOf(resolved, identity), (meta?.pass ?? 0) + 1, {
        ...first,
        counts: zeroCounts(),
        isDone: false,
      });
      await enqueueRanges(queue, name, [first.id]);
    }
    emit(startEvent(roots, { ...resolved, isDryRun: false }, cacheMode));

    const ended = await waitForJob(store, queue, resolved.signal, (ranges) => {
      emit({ kind: 'progress', ...progressOf(tally, ranges) });
    });
    if (ended.kind === 'lost') throw ended.error;
    const ranges = await store.ranges();
    fillTally(tally, ranges);
    const recorded = await store.failures(resolved.maxFailureDetails);
    tally.failed = Math.max(tally.failed, recorded.total);
    // The workers' failures, by key, as a local run lists them; then the ranges that failed.
    const failures: FailureRecord[] = recorded.records.map((f) => failureOfRecord(f, roots));
    for (const failure of ended.failedRanges) {
      tally.failed += 1;
      failures.push({
        key: failure.range,
        src: `${roots.src.label} (${failure.range})`,
        dst: roots.dst.label,
        error: failure.error,
      });
    }
    for (const failure of failures) {
      tally.failures.push(failure);
      emit({ kind: 'failure', ...failure });
    }
    const stopReason = ended.kind === 'cancelled' ? ('cancelled' as const) : undefined;
    // The delete phase's view of the run: stopped by Ctrl-C, or by a delete phase that failed.
    let stopped: SerializedError | undefined;
    const lanes = {
      stopReason,
      fatal: undefined,
      isStopping: () => stopReason !== undefined || stopped !== undefined,
      stopFatal: (error: SerializedError) => {
        stopped ??= error;
      },
    };
    const jobStore = store;
    const endedMeta = await store.meta();
    const deletesSkipped =
      ended.kind === 'done'
        ? await runDeletePhase({
            options: resolved,
            tally,
            dst: roots.dst,
            extras: { count: await store.extrasCount(), keys: () => jobStore.extras() },
            resumedKeys: 0,
            lanes,
            mainCache: session.mainCache,
            emit,
          })
        : undefined;
    // Every range is done: an upload still open under the destination since the pass started
    // is one nobody will complete (a worker killed before recording it, an answer lost).
    let uploadsAborted = 0;
    const dstStart = roots.dst.location('');
    if (
      ended.kind === 'done' &&
      endedMeta !== undefined &&
      dstStart.kind === 's3' &&
      roots.dst.spec
    ) {
      uploadsAborted = await abortUploadsSince(
        session.mainCache.get(roots.dst.spec),
        roots.dst.spec,
        {
          bucket: dstStart.bucket,
          prefix: dstStart.key,
          sinceMs: Date.parse(endedMeta.passStartedAt),
          counts: tally.requests,
        },
      ).catch(() => 0);
    }
    const workers = await store.workerCounts();
    for (const counts of Object.values(workers)) {
      for (const [field, n] of Object.entries(counts)) {
        if (field.startsWith('req.')) {
          const op = field.slice(4);
          tally.requests[op] = (tally.requests[op] ?? 0) + n;
        }
      }
    }
    tally.isListingDone = ended.kind === 'done';
    emit({ kind: 'progress', ...tally.snapshot() });
    const status = syncStatus({
      fatal: stopped,
      stopReason,
      tally,
      resumedFailed: 0,
      deletesSkippedReason: deletesSkipped,
    });
    drainWireInto(tally.wire);
    const summary = tally.summary({
      status,
      src: roots.src.label,
      dst: roots.dst.label,
      mode: resolved.mode,
      clientCacheMode: cacheMode,
      workers: Object.keys(workers).length,
      ...(stopped === undefined ? {} : { fatal: stopped }),
      isDryRun: false,
      shouldDelete: resolved.shouldDelete,
      ...(resolved.maxDelete === undefined ? {} : { maxDelete: resolved.maxDelete }),
      ...(deletesSkipped === undefined ? {} : { deletesSkippedReason: deletesSkipped }),
    });
    summary.distributed = {
      job: name,
      queue: redisUrl,
      pass: endedMeta?.pass ?? 0,
      ranges: ranges.length,
      rangesDone: ranges.filter((r) => r.state.isDone).length,
      workers,
    };
    if (uploadsAborted > 0) {
      emit({
        kind: 'warning',
        message: `aborted ${uploadsAborted} multipart upload(s) no worker will complete under ${roots.dst.label}`,
      });
    }
    if (ended.kind === 'done' && (status === 'ok' || status === 'partial')) {
      await store.setStatus('done');
    }
    emit({ kind: 'summary', summary });
    return summary;
  } finally {
    await queue?.close().catch(() => undefined);
    store?.redis.disconnect();
    await session.close();
  }
}
