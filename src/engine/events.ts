// Typed events a sync run emits while it works, and the final summary. Plain data: the CLI turns
// them into progress bars, NDJSON (--json), verbose lines and the --report file.
import type { CompareMode, CopyReason, SkipReason } from '../plan/decide.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { CopyMethod, RequestCounts } from '../shared/protocol.ts';
import type { TempFileSummary } from '../local/stale-temp.ts';

export type { TempFileSummary };

export type { CompareMode };

/**
 * Why an object was copied, skipped or deleted (the planner's reasons; `extraneous`: only at the
 * destination, deleted with `--delete`).
 */
export type ObjectReason = CopyReason | SkipReason | 'extraneous';

/**
 * Why `--delete` deleted nothing although keys were only at the destination:
 * - `copy-failures`: some copy (or listing of a source file) failed: deleting then could remove
 *   the only copy of data that did not arrive
 * - `interrupted`: the run was cancelled
 * - `fatal`: an error stopped the run
 * - `max-delete`: more deletes than `maxDelete` would have happened
 * - `empty-source`: the source listed no objects (a wrong path or endpoint, far more often than
 *   a wish to empty the destination); `allowEmptySource` lets the deletes happen
 */
export type DeletesSkippedReason =
  'copy-failures' | 'interrupted' | 'fatal' | 'max-delete' | 'empty-source';

/** One destination key `--delete` could not delete. */
export type DeleteFailureRecord = {
  /** Key relative to the destination root. */
  key: string;
  /** The full destination path, for messages. */
  dst: string;
  error: SerializedError;
};

/** Counters shown by the progress display; totals grow while listing goes on. */
export type ProgressSnapshot = {
  /** Source objects listed so far (the object total; final once `isListingDone`). */
  objectsListed: number;
  /** Objects finished: copied + skipped + failed (+ planned copies in a dry run). */
  objectsDone: number;
  copied: number;
  skipped: number;
  failed: number;
  /** Copies decided so far (the total of the copies; final once `isListingDone`). */
  objectsToCopy: number;
  /** Bytes of the objects that need copying, known so far. */
  bytesToCopy: number;
  /** Bytes moved so far (copies in flight included). */
  bytesCopied: number;
  /** True once both listings have ended: the totals are final. */
  isListingDone: boolean;
  elapsedMs: number;
  /** Bytes moved per second since the start, once known. */
  bytesPerSecond?: number;
  /** Seconds left, once the listing is done and a rate is known. */
  etaSeconds?: number;
  /**
   * The adaptive concurrency of each endpoint that has throttled so far: requests allowed in
   * flight, in flight now, and throttling answers seen (absent while no endpoint throttled).
   */
  concurrency?: EndpointConcurrency[];
};

/** One endpoint's adaptive concurrency at one moment (see ProgressSnapshot.concurrency). */
export type EndpointConcurrency = {
  /** The endpoint, as messages name it (`http://host:port`, `AWS (eu-west-1)`). */
  endpoint: string;
  limit: number;
  inFlight: number;
  throttles: number;
};

/** How an endpoint's throttling went over a run (see SyncSummary.throttling). */
export type EndpointThrottling = {
  endpoint: string;
  /** Throttling answers (SlowDown, 503, 429, vendor codes), retries included. */
  throttles: number;
  /** Times the endpoint's concurrency was cut. */
  decreases: number;
  /** The lowest concurrency it was cut to, and where it ended. */
  lowestLimit: number;
  finalLimit: number;
};

/** One failed object: what, where and why (error code and hint from src/s3/classify.ts). */
export type FailureRecord = {
  /** Key relative to the source root (`''` for a single-object sync). */
  key: string;
  src: string;
  dst: string;
  error: SerializedError;
};

/** Result of a sync run. Plain data; `--report FILE` writes it as JSON. */
export type SyncSummary = {
  /**
   * - `ok`: everything asked for was done
   * - `partial`: the run finished but some objects failed
   * - `interrupted`: cancelled (signal / Ctrl-C); in-flight copies were finished or aborted
   * - `fatal`: an error stopped the run (`fatal` holds it)
   */
  status: 'ok' | 'partial' | 'interrupted' | 'fatal';
  src: string;
  dst: string;
  mode: CompareMode;
  startedAt: string;
  durationMs: number;
  /**
   * Milliseconds from the process's start (`performance.timeOrigin`) to the run's start: the
   * engine loaded (the AWS SDK with it) and the options checked. In every summary a run ends
   * with; not in the CLI's report of an error that stopped the run before it had one.
   */
  runStartMs?: number;
  /**
   * Milliseconds from the process's start to the run's first request (start-up: loading, config,
   * clients): the first HTTP request the thread that ran the sync sent after runStartMs (the
   * CLI's main thread: a listing, or a credential endpoint's request). Absent when it sent none
   * (local to local).
   */
  firstRequestMs?: number;
  objects: {
    /** Source objects listed. */
    listed: number;
    /** Destination objects listed. */
    listedDestination: number;
    copied: number;
    skipped: number;
    failed: number;
    /**
     * Copies stopped by cancellation (interrupted runs, or a fatal error stopping the run:
     * including copies that ended with that same error meanwhile), not counted as failures.
     */
    cancelled: number;
    /** Destination objects with no source (deleted only with `--delete`). */
    extraneous: number;
    /** `--delete`: destination objects deleted. */
    deleted: number;
    /** `--delete`: destination objects that could not be deleted (see `deleteFailures`). */
    deleteFailed: number;
    /** `mv` (`shouldDeleteSource`): sources deleted after their copy was verified. */
    sourcesDeleted: number;
    /** `--dry-run`: objects that would be copied. */
    wouldCopy: number;
    /** `--dry-run` with `--delete`: objects that would be deleted. */
    wouldDelete: number;
    /**
     * Copied objects whose bytes passed through s3ferry but could not be checked against the
     * source's MD5 end to end (SSE-KMS/SSE-C sources, multipart sources whose part layout is
     * unknown, single-part sources copied in parallel parts).
     * Every other streamed copy and download was checked before it was stored.
     */
    unverified: number;
    /** Copies by method (server-side, stream, upload, download, local). */
    byMethod: Partial<Record<CopyMethod, number>>;
  };
  bytes: {
    /** Bytes of the objects copied. */
    copied: number;
    /** Bytes of the source objects listed. */
    listed: number;
    /** `--dry-run`: bytes of the objects that would be copied. */
    wouldCopy: number;
    /** Bytes of the source objects skipped (already at the destination). */
    skipped: number;
    /** Bytes of the source objects whose copy failed, as listed. */
    failed: number;
  };
  /** `--dry-run`: nothing was written; `wouldCopy`/`wouldDelete` count the plan. */
  isDryRun: boolean;
  /** `--delete` was asked for. */
  shouldDelete: boolean;
  /** `--create-bucket` created the destination bucket (as the destination path names it). */
  bucketCreated?: string;
  /** A move (`mv`, `shouldDeleteSource`): `objects.sourcesDeleted` counts the sources deleted. */
  isMove?: true;
  /** `--max-delete`, when given. */
  maxDelete?: number;
  /**
   * Set when `--delete` deleted nothing although `extraneous` keys were found (in a dry run: why
   * nothing would be deleted).
   */
  deletesSkippedReason?: DeletesSkippedReason;
  /** Delete failure details (the first `maxFailureDetails`; `objects.deleteFailed` counts all). */
  deleteFailures: DeleteFailureRecord[];
  /** `--checksum` pairs whose fingerprints were not comparable and were compared by size instead. */
  checksumFallbacks: number;
  /** Requests sent, by S3 operation name, retries included (listing and transfers). */
  requests: RequestCounts;
  /** Sum of `requests`. */
  requestsTotal: number;
  /**
   * HTTP answers by status code (`"200"`, `"503"`; `"error"`: no answer — reset, refused, timed
   * out), every thread's. A `--queue` coordinator counts its own requests only.
   */
  responses: Record<string, number>;
  /** Retries granted (of a request, or of a whole copy), every thread's. */
  retries: number;
  clientCacheMode: ClientCacheMode;
  /** S3 clients built, per profile, over every thread of the process. */
  clientsBuilt: Record<string, number>;
  /** The same, per thread: `main` or the worker's threadId. */
  clientsBuiltByThread: Record<string, Record<string, number>>;
  workers: number;
  /** Failure details (the first `maxFailureDetails`; `failed` counts all). */
  failures: FailureRecord[];
  /** True when more objects failed than `failures` holds. */
  isFailureListTruncated: boolean;
  /** The error that stopped the run (status `fatal`). */
  fatal?: SerializedError;
  /**
   * `--dry-run`: what the real run would cost: its requests by S3 operation (this dry run's
   * listing requests, plus each planned copy's and the deletes' for a first-try success) and the
   * bytes that would pass through s3ferry versus be copied server-side.
   */
  plan?: PlanCost;
  /** `--checkpoint`: the job's pass and what this run took over from an interrupted one. */
  checkpoint?: CheckpointSummary;
  /** `--plan`/`--shard`: the plan file, which shard (0-based) of how many, and its key range. */
  shard?: { plan: string; index: number; count: number; after?: string; until?: string };
  /** `--queue`: the distributed job and what each worker reported. */
  distributed?: DistributedSummary;
  /** Endpoints that throttled during the run, and how their concurrency adapted. */
  throttling?: EndpointThrottling[];
  /**
   * s3ferry temp files found in a local destination (absent when none): the stale ones (left by
   * a killed run) are removed, except in a dry run (`removed` stays 0).
   */
  tempFiles?: TempFileSummary;
};

/** A distributed job (`--queue`), as the coordinator saw it end. */
export type DistributedSummary = {
  job: string;
  /** The Redis URL without credentials. */
  queue: string;
  pass: number;
  /** Ranges of the job (split ones included) and how many are done. */
  ranges: number;
  rangesDone: number;
  /**
   * What each worker reported, by worker id (`host.pid`): ranges run, ranges split off, objects
   * copied/skipped/failed, and requests by operation (`req.ListObjectsV2`, …). A worker killed
   * mid-range may have done a little more than it reported, never less.
   */
  workers: Record<string, Record<string, number>>;
};

/** The cost of a planned run (see SyncSummary.plan). */
export type PlanCost = {
  requests: RequestCounts;
  requestsTotal: number;
  bytesThrough: number;
  bytesServerSide: number;
};

/** What a `--checkpoint` run recorded and resumed. */
export type CheckpointSummary = {
  /** The checkpoint file. */
  path: string;
  /** The job's pass: 1 for a new job, n + 1 after a finished pass. */
  pass: number;
  /** The job's key ranges, and how many of them ended done. */
  ranges: number;
  rangesDone: number;
  /** What this run wrote to the checkpoint: records, bytes and fsyncs (its cost). */
  journal: { records: number; bytesWritten: number; fsyncs: number };
  /** Set when this run resumed an interrupted pass. */
  resumed?: {
    /** When the interrupted pass started (ISO). */
    passStartedAt: string;
    /** Ranges already done: not listed again. */
    rangesSkipped: number;
    /** Source keys settled by earlier runs: not listed again. */
    keysNotRelisted: number;
    /** What earlier runs of the pass did (their failures are this run's too: see `failures`). */
    copied: number;
    copiedBytes: number;
    skipped: number;
    failed: number;
    /** Multipart uploads continued, and the first part sent by this run. */
    uploadsContinued: { key: string; fromPart: number; partsKept: number }[];
    /** Recorded uploads that could not be continued (source changed, gone) and were aborted. */
    uploadsAborted: number;
    /** A torn last record (a crash mid-write) was dropped. */
    droppedTornRecord: boolean;
  };
};

/** Everything a run emits, tagged by `kind`. */
export type SyncEvent =
  | {
      kind: 'start';
      src: string;
      dst: string;
      mode: CompareMode;
      workers: number;
      tasksPerWorker: number;
      clientCacheMode: ClientCacheMode;
      /** True when the source is one object or file (mapped to exactly DST). */
      isSingleObject: boolean;
      /** `--dry-run`: the `object` events are the plan; nothing is written. */
      isDryRun: boolean;
      /** `--delete`: keys only at the destination are deleted after every copy succeeded. */
      shouldDelete: boolean;
    }
  | ({ kind: 'progress' } & ProgressSnapshot)
  | {
      kind: 'object';
      /** Relative key (for deletes: relative to the destination root). */
      key: string;
      /** In a dry run, `copy` and `delete` are what would happen. */
      action: 'copy' | 'skip' | 'delete';
      reason: ObjectReason;
      sizeBytes: number;
      /** For copies: how the bytes moved. */
      method?: CopyMethod;
      /** For `--checksum`: fingerprints were not comparable, size was compared instead. */
      isChecksumFallback?: boolean;
    }
  | ({ kind: 'failure' } & FailureRecord)
  | ({ kind: 'delete-failure' } & DeleteFailureRecord)
  | { kind: 'warning'; message: string }
  | { kind: 'summary'; summary: SyncSummary };

/** Receives the events of a run; must not throw (a throwing listener is a bug in the caller). */
export type SyncEventListener = (event: SyncEvent) => void;
