// One sync run: the sync policy on the march (march.ts, sync-policy.ts). The job's ranges (one,
// or the checkpoint's) are marched in key order: both roots listed over the range, merge-joined,
// decided per key, copies dispatched to the executor (worker pool or, for process_local, the main
// thread) through the transfer lane with backpressure. Then the job-level delete phase and the
// summary. Memory is bounded by the lanes, not by the number of keys.
import { loadConfigFromProcess } from '../config/load.ts';
import { openCheckpoint } from '../job/checkpoint.ts';
import type { Checkpoint, RangeState } from '../job/checkpoint.ts';
import type { JobBook } from '../job/job-book.ts';
import { UploadBook } from '../job/upload-book.ts';
import { emptyEstimate } from '../plan/cost.ts';
import { remainderAfter } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { SharedBackoff } from '../s3/shared-backoff.ts';
import { createTempSweep } from '../local/stale-temp.ts';
import { copyMethodOf, directionOf } from './copy-method.ts';
import { KeySpool } from './deletes.ts';
import { keysOf, runDeletePhase } from './delete-phase.ts';
import type { SyncEvent, SyncEventListener, SyncSummary } from './events.ts';
import { createMarch } from './march.ts';
import type { RangeMarch } from './march.ts';
import { RangeRunner, SPLIT_AFTER_KEYS, splitUnrecorded } from './range-runner.ts';
import { splitRest } from '../plan/range-split.ts';
import { resolveSyncOptions } from './options.ts';
import type { SyncOptions } from './options.ts';
import { jobShard, shardSummary } from './plan-file.ts';
import { endpointStates, openSession } from './session.ts';
import type { Session } from './session.ts';
import { createDestinationBucket, hintCreateBucket } from './destination-bucket.ts';
import { SourceMoves } from './source-moves.ts';
import { abortUnrecordedUploads, jobIdentity, jobRanges } from './sync-job.ts';
import { selectingPolicy, sizeAgePredicate } from './entry-selection.ts';
import { syncPolicy } from './sync-policy.ts';
import { resumedTotals, startEvent, summarizeSync } from './sync-summary.ts';
import { RunTally } from './summary.ts';

export type { SyncOptions };

/** Sockets of the main thread's clients beyond the copies' requests (see openSession below). */
const MAIN_THREAD_EXTRA_SOCKETS = 4;

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
  return runSync(options, onEvent, undefined);
}

/** One range of a distributed job, as a worker runs it (src/distributed/range-job.ts). */
export type RangeJob = {
  /** The range's book in the job's store: its state, marks, uploads, failures and extras. */
  book: JobBook;
  /** The range's keys: a resumed range aborts the unrecorded uploads of these keys only. */
  range: KeyRange;
  /** A large range is split into this many parts (one stays, the book sends the others off). */
  splitParts: number;
  /** When the job's pass started (ISO): --min-age/--max-age durations count back from it. */
  passStartedAt: string;
  /** The run's pool-wide backoff, once its session is open (to share throttling pauses). */
  onBackoff?: (backoff: SharedBackoff) => void;
};

/**
 * Syncs one range of a distributed job: like sync(), but the job is kept in `job.book` (no
 * checkpoint file), split-off ranges go wherever the book sends them, and there is no delete
 * phase (the coordinator deletes once every range succeeded).
 */
export function syncRange(
  options: SyncOptions,
  onEvent: SyncEventListener | undefined,
  job: RangeJob,
): Promise<SyncSummary> {
  return runSync(options, onEvent, job);
}

async function runSync(
  options: SyncOptions,
  onEvent: SyncEventListener | undefined,
  rangeJob: RangeJob | undefined,
): Promise<SyncSummary> {
  const resolved = resolveSyncOptions(options);
  // Before anything is listed: a wrong plan copies nothing.
  const shard = await jobShard(resolved);
  const emit = (event: SyncEvent): void => onEvent?.(event);
  const config = resolved.config ?? loadConfigFromProcess();
  const cacheMode = resolved.clientCacheMode ?? config.global().clientCacheMode;
  const transfers = resolved.workers * resolved.tasksPerWorker;
  const tally = new RunTally(resolved.maxFailureDetails);
  // --delete: the keys only at the destination, deleted after the copies (bounded memory).
  const spool = new KeySpool();
  const uploads = new UploadBook();
  // Temp files a killed run left in a local destination: removed as the listing meets them,
  // except in a dry run, which only counts them (it changes nothing).
  const tempSweep = createTempSweep({
    shouldRemove: !resolved.isDryRun,
    onRemoveFailed: (path, error) => {
      const reason = error instanceof Error ? error.message : String(error);
      emit({ kind: 'warning', message: `cannot remove the stale temp file ${path}: ${reason}` });
    },
  });
  let checkpoint: Checkpoint | undefined;
  let opened: Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const session = await openSession({
      src: resolved.src,
      dst: resolved.dst,
      config,
      cacheMode,
      // Main-thread clients: listing, server-side and small streamed copies in every mode, and
      // every copy in process_local mode. Server-side multipart copies run here in every mode,
      // with their parts in flight at once: a request waiting in the agent for a socket counts
      // against --connect-timeout (the SDK starts that timer with the request), so a slow
      // UploadPartCopy made the parts queued behind it fail as connect timeouts. The few over
      // are the listings and a copy's HEAD beside the parts of others.
      maxSockets: transfers * resolved.partConcurrency + MAIN_THREAD_EXTRA_SOCKETS,
      workers: resolved.workers,
      tasksPerWorker: resolved.tasksPerWorker,
      partConcurrency: resolved.partConcurrency,
      // Each range is listed serially: --list-concurrency is the number of ranges in flight.
      selection: { ...resolved, listConcurrency: 1 },
      refuseOverlap: true,
      onTempFile: tempSweep.onTempFile,
      tally,
      emitWarning: (message) => {
        emit({ kind: 'warning', message });
      },
      onUpload: (id, event) => {
        uploads.onEvent(id, event);
      },
      rateLimits: resolved,
    });
    opened = session;
    rangeJob?.onBackoff?.(session.backoff);
    const { roots, mainCache } = session;
    tally.endpoints = () => endpointStates(session);
    emit(startEvent(roots, resolved, cacheMode));
    if (resolved.checkpoint !== undefined && rangeJob === undefined) {
      checkpoint = await openCheckpoint(resolved.checkpoint, jobIdentity(roots, resolved, shard), {
        fresh: resolved.fresh,
        onWarning: (message) => {
          emit({ kind: 'warning', message });
        },
      });
    }
    const job: JobBook | undefined = rangeJob?.book ?? checkpoint;
    const ranges =
      rangeJob === undefined ? jobRanges(checkpoint, shard?.range) : rangeJob.book.ranges();
    // What the earlier runs of a resumed pass settled, before this run moves the marks.
    const earlier = job?.resumed === undefined ? undefined : resumedTotals(ranges);
    const toMarch = ranges.filter((r) => !r.isDone);
    // Fatal at the start: the first page of each listing of the first range, before dispatch.
    const first = toMarch[0];
    const bucketCreated =
      resolved.createBucket && !resolved.isDryRun
        ? await createDestinationBucket(roots.dst, mainCache, tally.requests)
        : undefined;
    const firstListings =
      first &&
      (await hintCreateBucket(
        session.openListings(remainderAfter(first.range, first.mark)),
        roots.dst,
      ));
    timer = setInterval(() => {
      emit({ kind: 'progress', ...tally.snapshot() });
    }, resolved.progressIntervalMs);
    timer.unref();
    uploads.attach(job, roots.dst, mainCache, tally.requests);
    const uploadsAborted =
      job === undefined
        ? 0
        : await abortUnrecordedUploads(
            job,
            roots.dst,
            mainCache,
            tally.requests,
            (message) => {
              emit({ kind: 'warning', message });
            },
            rangeJob?.range,
          );

    const planned = emptyEstimate();
    const moves =
      resolved.shouldDeleteSource && !resolved.isDryRun
        ? new SourceMoves({
            roots,
            clientFor: (spec) => mainCache.get(spec),
            requests: tally.requests,
            ...(resolved.signal === undefined ? {} : { signal: resolved.signal }),
            isStopping: () => session.cancel.isCancelled,
            onDeleted: () => {
              tally.sourcesDeleted += 1;
            },
            onFailed: ({ key, error }) => {
              const record = { key, src: roots.src.display(key), dst: roots.dst.display(key) };
              const message = `copied, but the source was not deleted: ${error.message}`;
              tally.recordFailure({ ...record, error: { ...error, message } });
              emit({ kind: 'failure', ...record, error: { ...error, message } });
            },
          })
        : undefined;
    // Durations count back from the start of the pass, so a resumed pass keeps its cutoffs.
    const passStartedAt = rangeJob?.passStartedAt ?? job?.resumed?.passStartedAt;
    const selects = sizeAgePredicate(resolved, passStartedAt);
    const march = createMarch({
      policy: (run) =>
        selectingPolicy(
          syncPolicy(
            {
              roots,
              executor: session.executor,
              tally,
              options: resolved,
              direction: directionOf(roots.src, roots.dst),
              method: copyMethodOf(roots.src, roots.dst),
              spool,
              checkpoint: job,
              ...(job === undefined ? {} : { uploads }),
              planned,
              moves,
              isCancelled: () => session.cancel.isCancelled,
              emit,
            },
            run,
          ),
          selects,
          resolved.shouldDeleteExcluded,
        ),
      checkers: resolved.checkers,
      transfers,
      cancel: session.cancel,
      signal: resolved.signal,
      issues: session.issues,
      onProgress: (range) => {
        const state = runner.states.get(range.id);
        if (job && state) noteProgress(job, state, range, march.lanes.isStopping());
      },
    });
    // --list-concurrency ranges in flight; a large range is split while it is listed.
    const runner = new RangeRunner({
      march,
      openListings: (range) => session.openListings(range),
      inFlight: resolved.listConcurrency,
      splitAfterKeys: SPLIT_AFTER_KEYS,
      cut: (range, position, seen, parts) => splitRest(range, position, seen, parts),
      recordSplit: (state, added) =>
        job === undefined ? splitUnrecorded(state, added) : job.split(state, added),
      ...(rangeJob === undefined ? {} : { splitParts: rangeJob.splitParts }),
    });
    if (await runner.run(toMarch, firstListings)) tally.isListingDone = true;
    await march.drained();
    await moves?.finish();

    const ckpt = checkpoint;
    const deletesSkipped = rangeJob
      ? undefined
      : await runDeletePhase({
          options: resolved,
          tally,
          dst: roots.dst,
          extras:
            ckpt === undefined
              ? { count: spool.count, keys: () => spool.keys() }
              : { count: ckpt.extras().length, keys: () => keysOf(ckpt.extras()) },
          resumedKeys: job?.resumed?.keysSettled ?? 0,
          lanes: march.lanes,
          mainCache,
          emit,
        });
    clearInterval(timer);
    march.detach();
    for (const [thread, counts] of session.executor.mainClientsBuilt()) {
      tally.clientsByThread.set(thread, counts);
    }
    emit({ kind: 'progress', ...tally.snapshot() });
    const summary = await summarizeSync({
      options: resolved,
      tally,
      roots,
      cacheMode,
      lanes: march.lanes,
      deletesSkipped,
      planned,
      checkpoint,
      earlier,
      uploads,
      uploadsAborted,
    });
    // A range that ran to its end: the recorded uploads no copy continued are of no use now.
    if (rangeJob !== undefined && (summary.status === 'ok' || summary.status === 'partial')) {
      await uploads.abortLeftovers();
    }
    if (shard !== undefined) summary.shard = shardSummary(shard);
    if (bucketCreated !== undefined) summary.bucketCreated = bucketCreated;
    const tempFiles = await tempSweep.finish();
    if (tempFiles !== undefined) summary.tempFiles = tempFiles;
    emit({ kind: 'summary', summary });
    return summary;
  } finally {
    clearInterval(timer);
    await opened?.close();
    await spool.dispose();
    await checkpoint?.close().catch(() => undefined);
  }
}

/** Writes a range's watermark to the checkpoint; a range fully listed and settled is done. */
function noteProgress(
  checkpoint: JobBook,
  state: RangeState,
  range: RangeMarch,
  isStopping: boolean,
): void {
  const { watermark } = range;
  if (range.isListed && watermark.pendingCount === 0 && !isStopping) {
    if (!state.isDone) checkpoint.done(state, watermark.settled);
    return;
  }
  checkpoint.mark(state, watermark.mark, watermark.settled);
}
