// Typed events a sync run emits while it works, and the final summary. Plain data: the CLI turns
// them into progress bars, NDJSON (--json), verbose lines and the --report file.
import type { CompareMode, CopyReason, SkipReason } from '../plan/decide.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { CopyMethod, RequestCounts } from '../shared/protocol.ts';

export type { CompareMode };

/** Why an object was copied or skipped (the planner's reasons). */
export type ObjectReason = CopyReason | SkipReason;

/** Counters shown by the progress display; totals grow while listing goes on. */
export type ProgressSnapshot = {
  /** Source objects listed so far (the object total; final once `isListingDone`). */
  objectsListed: number;
  /** Objects finished: copied + skipped + failed. */
  objectsDone: number;
  copied: number;
  skipped: number;
  failed: number;
  /** Bytes of the objects that need copying, known so far. */
  bytesToCopy: number;
  /** Bytes moved so far (copies in flight included). */
  bytesCopied: number;
  /** True once both listings have ended: the totals are final. */
  isListingDone: boolean;
  elapsedMs: number;
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
  objects: {
    /** Source objects listed. */
    listed: number;
    /** Destination objects listed. */
    listedDestination: number;
    copied: number;
    skipped: number;
    failed: number;
    /** Copies stopped by cancellation (interrupted runs), not counted as failures. */
    cancelled: number;
    /** Destination objects with no source (never deleted: sync is one-way and additive). */
    extraneous: number;
    /** Copies by method (server-side, stream, upload, download, local). */
    byMethod: Partial<Record<CopyMethod, number>>;
  };
  bytes: {
    /** Bytes of the objects copied. */
    copied: number;
    /** Bytes of the source objects listed. */
    listed: number;
  };
  /** `--checksum` pairs whose fingerprints were not comparable and were compared by size instead. */
  checksumFallbacks: number;
  /** Requests sent, by S3 operation name, retries included (listing and transfers). */
  requests: RequestCounts;
  /** Sum of `requests`. */
  requestsTotal: number;
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
    }
  | ({ kind: 'progress' } & ProgressSnapshot)
  | {
      kind: 'object';
      key: string;
      action: 'copy' | 'skip';
      reason: ObjectReason;
      sizeBytes: number;
      /** For copies: how the bytes moved. */
      method?: CopyMethod;
      /** For `--checksum`: fingerprints were not comparable, size was compared instead. */
      isChecksumFallback?: boolean;
    }
  | ({ kind: 'failure' } & FailureRecord)
  | { kind: 'warning'; message: string }
  | { kind: 'summary'; summary: SyncSummary };

/** Receives the events of a run; must not throw (a throwing listener is a bug in the caller). */
export type SyncEventListener = (event: SyncEvent) => void;
