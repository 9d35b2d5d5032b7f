// `check`: proves that DST holds what SRC holds, and writes nothing. The check policy on the march
// (march.ts, check-policy.ts): each key is missing, extra, or compared — by size, then by content
// where a fingerprint is comparable (plain-MD5 ETags; local files hashed in the workers) or, with
// `download`, by reading both sides in the workers. Counts, never collects: memory is bounded by
// the check lane and the capped detail lists, not by the number of keys.
import { loadConfigFromProcess } from '../config/load.ts';
import { createTempSweep } from '../local/stale-temp.ts';
import { WHOLE_RANGE } from '../plan/key-range.ts';
import { checkPolicy } from './check-policy.ts';
import { CheckTally } from './check-tally.ts';
import type {
  CheckEvent,
  CheckEventListener,
  CheckOptions,
  CheckSummary,
  TempFileSummary,
} from './check-types.ts';
import { selectingPolicy, sizeAgePredicate } from './entry-selection.ts';
import { createMarch, rangeMarch } from './march.ts';
import { checkSizeAge } from '../plan/entry-filter.ts';
import { resolveCheckNumbers } from './options.ts';
import { openSession } from './session.ts';
import type { Session } from './session.ts';
import { sumClientsBuilt } from './summary.ts';
import { drainWireInto } from '../s3/wire-tally.ts';

export type {
  CheckDifference,
  CheckEvent,
  CheckEventListener,
  CheckOptions,
  CheckProgress,
  CheckSummary,
  ComparedBy,
  DifferenceKind,
} from './check-types.ts';
export type { PairPlan } from '../plan/compare-pair.ts';
export { planPair } from '../plan/compare-pair.ts';

/**
 * Compares DST with SRC without writing anything: lists both, reports every key missing at the
 * destination, extra at the destination, or different (size; content where comparable, or always
 * with `download`). Keys whose content could not be compared (multipart ETags without
 * `download`) count as the same and are counted in `comparedBy.sizeOnly`.
 *
 * Resolves with the summary of any check that started (`status`: `match`, `differ`,
 * `incomplete`, `interrupted`, `fatal`). Rejects with an S3FerryError only for problems found
 * before anything was compared: bad options or paths (kind `usage`/`config`), and a root that
 * cannot be listed at all (bad credentials, missing bucket: `fatal: true`).
 *
 * @example
 * const summary = await check({ src: 's3+a://b/data/', dst: 's3+b://backup/data/' }, (e) => {
 *   if (e.kind === 'difference') differences.push(`${e.difference} ${e.key}`);
 * });
 * if (summary.status !== 'match') process.exitCode = 1;
 */
export async function check(
  options: CheckOptions,
  onEvent?: CheckEventListener,
): Promise<CheckSummary> {
  const numbers = resolveCheckNumbers(options);
  checkSizeAge(options);
  const isDownload = options.download === true;
  const emit = (event: CheckEvent): void => onEvent?.(event);
  const config = options.config ?? loadConfigFromProcess();
  const cacheMode = options.clientCacheMode ?? config.global().clientCacheMode;
  // Every hash is a check: the check lane has the whole budget.
  const checkers = numbers.workers * numbers.tasksPerWorker;
  const tally = new CheckTally(numbers.maxDifferenceDetails, numbers.maxFailureDetails);
  // A check writes nothing: the temp files a killed run left are counted, never removed.
  const tempSweep = createTempSweep({ shouldRemove: false });
  const session = await openSession({
    src: options.src,
    dst: options.dst,
    config,
    cacheMode,
    // process_local: the object reads of --download run on the main thread's clients.
    maxSockets: cacheMode === 'process_local' ? checkers : 8,
    workers: numbers.workers,
    tasksPerWorker: numbers.tasksPerWorker,
    // One GET per hash: no parts.
    partConcurrency: 1,
    onTempFile: tempSweep.onTempFile,
    selection: { include: options.include, exclude: options.exclude, filesFrom: options.filesFrom },
    tally,
    emitWarning: (message) => {
      emit({ kind: 'warning', message });
    },
  });
  try {
    const { roots } = session;
    emit({
      kind: 'start',
      src: roots.src.label,
      dst: roots.dst.label,
      isDownload,
      workers: numbers.workers,
      tasksPerWorker: numbers.tasksPerWorker,
      clientCacheMode: cacheMode,
      isSingleObject: roots.src.isSingleObject,
    });
    // Fatal at the start: the first page of each listing, before anything is compared.
    const listings = await session.openListings(WHOLE_RANGE);
    const timer = setInterval(() => {
      emit({ kind: 'progress', ...tally.snapshot() });
    }, numbers.progressIntervalMs);
    timer.unref();
    try {
      const selects = sizeAgePredicate(options);
      const march = createMarch({
        policy: (run) =>
          selectingPolicy(
            checkPolicy(
              {
                roots,
                executor: session.executor,
                tally,
                isDownload,
                isCancelled: () => session.cancel.isCancelled,
                emit,
              },
              run,
            ),
            selects,
            false,
          ),
        checkers,
        transfers: 1,
        cancel: session.cancel,
        signal: options.signal,
        issues: session.issues,
      });
      // A listing that fails mid-way (or goes out of order) stops the check: it proves nothing.
      if (await march.marchRange(rangeMarch('r0', WHOLE_RANGE), listings)) {
        tally.isListingDone = true;
      }
      await march.drained();
      march.detach();
      return summarize(session, march.lanes, await tempSweep.finish());
    } finally {
      clearInterval(timer);
    }
  } finally {
    await session.close();
  }

  function summarize(
    session: Session,
    lanes: { fatal: CheckSummary['fatal']; stopReason: string | undefined },
    tempFiles: TempFileSummary | undefined,
  ): CheckSummary {
    const { roots, executor } = session;
    for (const [thread, counts] of executor.mainClientsBuilt()) {
      tally.clientsByThread.set(thread, counts);
    }
    emit({ kind: 'progress', ...tally.snapshot() });
    const { fatal } = lanes;
    // The main thread's own answers (listings, its hashes) since the last task result took them.
    drainWireInto(tally.wire);
    const summary: CheckSummary = {
      status: tally.status(fatal !== undefined, lanes.stopReason === 'cancelled'),
      src: roots.src.label,
      dst: roots.dst.label,
      isDownload,
      startedAt: tally.startedAt.toISOString(),
      durationMs: tally.elapsedMs(),
      objects: {
        listed: tally.listed,
        listedDestination: tally.listedDestination,
        same: tally.same,
        missing: tally.missing,
        extra: tally.extra,
        sizeDiffers: tally.sizeDiffers,
        md5Differs: tally.md5Differs,
        failed: tally.failed,
        cancelled: tally.cancelled,
      },
      comparedBy: { ...tally.comparedBy },
      bytes: { listed: tally.bytesListed, hashed: tally.bytesHashed },
      requests: { ...tally.requests },
      requestsTotal: Object.values(tally.requests).reduce((a, b) => a + b, 0),
      responses: { ...tally.wire.responses },
      retries: tally.wire.retries,
      clientCacheMode: cacheMode,
      clientsBuilt: sumClientsBuilt(tally.clientsByThread),
      workers: numbers.workers,
      differences: [...tally.differences],
      isDifferenceListTruncated: tally.differenceCount > tally.differences.length,
      isSourceEmpty: fatal === undefined && tally.listed === 0 && tally.listedDestination > 0,
      failures: [...tally.failures],
      isFailureListTruncated: tally.failed > tally.failures.length,
      ...(fatal === undefined ? {} : { fatal }),
      ...(tempFiles === undefined ? {} : { tempFiles }),
    };
    emit({ kind: 'summary', summary });
    return summary;
  }
}
