// Counts what a run did and builds its SyncSummary and progress snapshots. Memory stays bounded:
// counters only, plus at most `maxFailureDetails` failure records.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { EndpointLimitState } from '../s3/endpoint-limits.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { CopyMethod, RequestCounts, WireCounts } from '../shared/protocol.ts';
import type {
  CompareMode,
  DeleteFailureRecord,
  DeletesSkippedReason,
  EndpointConcurrency,
  EndpointThrottling,
  FailureRecord,
  ProgressSnapshot,
  SyncSummary,
} from './events.ts';

/**
 * Node publishes on this channel when an HTTP(S) request of this thread is sent (its headers
 * flushed): the SDK's requests and the lean signed path's alike, counted or not (a single-object
 * source's ListObjectsV2 MaxKeys=1 goes through the SDK uncounted), and a credential endpoint's.
 */
const REQUEST_SENT = 'http.client.request.start';

/**
 * Watches for the next HTTP request this thread sends and keeps its time (performance.now():
 * ms after the process started). Subscribed only until that request or stop(): costs nothing
 * afterwards.
 */
function watchNextRequest(): { sentAtMs(): number | undefined; stop(): void } {
  let sentAt: number | undefined;
  let isWatching = true;
  const onSent = (): void => {
    sentAt = performance.now();
    stop();
  };
  const stop = (): void => {
    if (!isWatching) return;
    isWatching = false;
    unsubscribe(REQUEST_SENT, onSent);
  };
  subscribe(REQUEST_SENT, onSent);
  return { sentAtMs: () => sentAt, stop };
}

/** An endpoint's adaptive limit as the tally reads it (session.ts `endpointStates`). */
export type EndpointView = { endpoint: string; state: EndpointLimitState };

/** Endpoints that throttled, as progress shows them. */
function concurrencyOf(views: readonly EndpointView[]): EndpointConcurrency[] {
  return views
    .filter((v) => v.state.throttles > 0)
    .map(({ endpoint, state }) => ({
      endpoint,
      limit: state.limit,
      inFlight: state.inFlight,
      throttles: state.throttles,
    }));
}

/** Endpoints that throttled, as the report shows them. */
function throttlingOf(views: readonly EndpointView[]): EndpointThrottling[] {
  return views
    .filter((v) => v.state.throttles > 0)
    .map(({ endpoint, state }) => ({
      endpoint,
      throttles: state.throttles,
      decreases: state.decreases,
      lowestLimit: state.lowest,
      finalLimit: state.limit,
    }));
}

/** Adds `from` into `into`, operation by operation. */
export function addRequestCounts(into: RequestCounts, from: RequestCounts | undefined): void {
  if (from === undefined) return;
  for (const operation in from) into[operation] = (into[operation] ?? 0) + (from[operation] ?? 0);
}

/** Clients built per profile, summed over every thread's latest counts. */
export function sumClientsBuilt(
  clientsByThread: ReadonlyMap<string, Record<string, number>>,
): Record<string, number> {
  const clientsBuilt: Record<string, number> = {};
  for (const counts of clientsByThread.values()) {
    for (const [profile, count] of Object.entries(counts)) {
      clientsBuilt[profile] = (clientsBuilt[profile] ?? 0) + count;
    }
  }
  return clientsBuilt;
}

/** The mutable tally of one run. */
export class RunTally {
  readonly #startedAt = new Date();
  readonly #startMs = performance.now();
  /** The run's first request from this (the main) thread: a listing or a bucket check. */
  readonly #firstRequest = watchNextRequest();
  readonly #maxFailureDetails: number;
  listed = 0;
  listedDestination = 0;
  bytesListed = 0;
  copied = 0;
  skipped = 0;
  /** Bytes of the source objects skipped (already at the destination). */
  bytesSkipped = 0;
  failed = 0;
  /** Bytes of the source objects whose copy failed (as listed). */
  bytesFailed = 0;
  cancelled = 0;
  extraneous = 0;
  deleted = 0;
  deleteFailed = 0;
  sourcesDeleted = 0;
  wouldCopy = 0;
  wouldCopyBytes = 0;
  wouldDelete = 0;
  bytesToCopy = 0;
  /** Copies decided (queued or done): the object total of the copy progress. */
  toCopy = 0;
  /** Bytes of finished copies. */
  bytesCopied = 0;
  /** Bytes reported by copies still in flight, by task id. */
  readonly inFlightBytes = new Map<number, number>();
  checksumFallbacks = 0;
  /** Copies whose bytes passed through s3ferry with no source MD5 to check them against. */
  unverified = 0;
  isListingDone = false;
  readonly byMethod: Partial<Record<CopyMethod, number>> = {};
  readonly requests: RequestCounts = {};
  /**
   * Answers by HTTP status and retries, every thread's (src/s3/wire-tally.ts): the workers' come
   * with their task results, the main thread's are added before the summary.
   */
  readonly wire: WireCounts = { responses: {}, retries: 0 };
  /** Latest cumulative client counts per thread ('main' or a worker's threadId). */
  readonly clientsByThread = new Map<string, Record<string, number>>();
  readonly failures: FailureRecord[] = [];
  readonly deleteFailures: DeleteFailureRecord[] = [];
  /** Reads the endpoints' adaptive limits; set once the session is open. */
  endpoints: () => readonly EndpointView[] = () => [];

  constructor(maxFailureDetails: number) {
    this.#maxFailureDetails = maxFailureDetails;
  }

  recordFailure(record: FailureRecord): void {
    this.failed += 1;
    if (this.failures.length < this.#maxFailureDetails) this.failures.push(record);
  }

  recordDeleteFailure(record: DeleteFailureRecord): void {
    this.deleteFailed += 1;
    if (this.deleteFailures.length < this.#maxFailureDetails) this.deleteFailures.push(record);
  }

  recordCopy(method: CopyMethod, bytes: number): void {
    this.copied += 1;
    this.bytesCopied += bytes;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  snapshot(): ProgressSnapshot {
    let inFlight = 0;
    for (const bytes of this.inFlightBytes.values()) inFlight += bytes;
    const snapshot: ProgressSnapshot = {
      objectsListed: this.listed,
      objectsDone: this.copied + this.skipped + this.failed + this.wouldCopy,
      copied: this.copied,
      skipped: this.skipped,
      failed: this.failed,
      objectsToCopy: this.toCopy,
      bytesToCopy: this.bytesToCopy,
      bytesCopied: this.bytesCopied + inFlight,
      isListingDone: this.isListingDone,
      elapsedMs: Math.round(performance.now() - this.#startMs),
    };
    const eta = etaOf(snapshot);
    const rate = bytesRateOf(snapshot);
    if (rate !== undefined) snapshot.bytesPerSecond = Math.round(rate);
    if (eta !== undefined) snapshot.etaSeconds = Math.round(eta);
    const concurrency = concurrencyOf(this.endpoints());
    if (concurrency.length > 0) snapshot.concurrency = concurrency;
    return snapshot;
  }

  summary(fields: {
    status: SyncSummary['status'];
    src: string;
    dst: string;
    mode: CompareMode;
    clientCacheMode: ClientCacheMode;
    workers: number;
    fatal?: SerializedError;
    isDryRun: boolean;
    shouldDelete: boolean;
    isMove?: boolean;
    maxDelete?: number;
    deletesSkippedReason?: DeletesSkippedReason;
  }): SyncSummary {
    const clientsBuilt = sumClientsBuilt(this.clientsByThread);
    const clientsBuiltByThread: Record<string, Record<string, number>> = {};
    for (const [thread, counts] of this.clientsByThread)
      clientsBuiltByThread[thread] = { ...counts };
    this.#firstRequest.stop();
    const firstRequest = this.#firstRequest.sentAtMs();
    const summary: SyncSummary = {
      status: fields.status,
      src: fields.src,
      dst: fields.dst,
      mode: fields.mode,
      startedAt: this.#startedAt.toISOString(),
      durationMs: Math.round(performance.now() - this.#startMs),
      runStartMs: Math.round(this.#startMs),
      ...(firstRequest === undefined ? {} : { firstRequestMs: Math.round(firstRequest) }),
      objects: {
        listed: this.listed,
        listedDestination: this.listedDestination,
        copied: this.copied,
        skipped: this.skipped,
        failed: this.failed,
        cancelled: this.cancelled,
        extraneous: this.extraneous,
        deleted: this.deleted,
        deleteFailed: this.deleteFailed,
        sourcesDeleted: this.sourcesDeleted,
        wouldCopy: this.wouldCopy,
        wouldDelete: this.wouldDelete,
        unverified: this.unverified,
        byMethod: { ...this.byMethod },
      },
      bytes: {
        copied: this.bytesCopied,
        listed: this.bytesListed,
        wouldCopy: this.wouldCopyBytes,
        skipped: this.bytesSkipped,
        failed: this.bytesFailed,
      },
      checksumFallbacks: this.checksumFallbacks,
      requests: { ...this.requests },
      requestsTotal: Object.values(this.requests).reduce((a, b) => a + b, 0),
      responses: { ...this.wire.responses },
      retries: this.wire.retries,
      clientCacheMode: fields.clientCacheMode,
      clientsBuilt,
      clientsBuiltByThread,
      workers: fields.workers,
      failures: [...this.failures],
      isFailureListTruncated: this.failed > this.failures.length,
      isDryRun: fields.isDryRun,
      shouldDelete: fields.shouldDelete,
      deleteFailures: [...this.deleteFailures],
    };
    if (fields.fatal !== undefined) summary.fatal = fields.fatal;
    if (fields.isMove === true) summary.isMove = true;
    if (fields.maxDelete !== undefined) summary.maxDelete = fields.maxDelete;
    if (fields.deletesSkippedReason !== undefined) {
      summary.deletesSkippedReason = fields.deletesSkippedReason;
    }
    const throttling = throttlingOf(this.endpoints());
    if (throttling.length > 0) summary.throttling = throttling;
    return summary;
  }
}

/** Bytes per second moved since the run started; undefined while too early to say. */
export function bytesRateOf(s: ProgressSnapshot): number | undefined {
  if (s.elapsedMs < 200 || s.bytesCopied === 0) return undefined;
  return (s.bytesCopied / s.elapsedMs) * 1000;
}

/**
 * Seconds left, once the listing is done (before that the work left is unknown): the longer of
 * what the bytes left take at the byte rate and what the copies left take at the copy rate (small
 * objects are bound by requests, not bytes).
 */
export function etaOf(s: ProgressSnapshot): number | undefined {
  if (!s.isListingDone) return undefined;
  const doneCopies = s.copied + s.failed;
  if (s.objectsToCopy <= doneCopies) return 0;
  const seconds = s.elapsedMs / 1000;
  if (seconds < 0.2 || (doneCopies === 0 && s.bytesCopied === 0)) return undefined;
  const byRate = bytesRateOf(s);
  const byBytes = byRate === undefined ? 0 : Math.max(0, s.bytesToCopy - s.bytesCopied) / byRate;
  const byCopies = doneCopies === 0 ? 0 : (s.objectsToCopy - doneCopies) / (doneCopies / seconds);
  return Math.max(byBytes, byCopies);
}
