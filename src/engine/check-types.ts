// The public types of `check`: its options, progress, differences, events and summary.
import type { ConfigResolver } from '../config/load.ts';
import type { SizeAgeOptions } from '../plan/entry-filter.ts';
import type { FilesFromOption } from './options.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCacheMode } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import type { FailureRecord, TempFileSummary } from './events.ts';

export type { TempFileSummary };

/** Options of {@link check}. */
export type CheckOptions = {
  /** Source: `s3://bucket/prefix`, `s3+PROFILE://…`, a local directory or file. */
  src: string;
  /** Destination, same forms. A single source object is compared with exactly this path. */
  dst: string;
  /**
   * Compare the content of every same-size pair by reading both sides and hashing them (MD5) in
   * the workers: works for multipart ETags, SSE-KMS objects and across servers, at the cost of
   * reading every byte twice. Without it, content is compared where a fingerprint is comparable:
   * plain-MD5 ETags, and MD5s of local files. @default false
   */
  download?: boolean;
  /** Worker threads (they hash local files and, with `download`, read objects). @default os.availableParallelism() */
  workers?: number;
  /** Hashes each worker runs at once. @default 16 */
  tasksPerWorker?: number;
  /** Stops the check: no new hash starts, running ones are aborted, the summary says `interrupted`. */
  signal?: AbortSignal;
  /** Where profiles come from. @default loadConfigFromProcess() (environment and ~/.aws files) */
  config?: Pick<ConfigResolver, 'profile' | 'global'>;
  /** Overrides MEGFILE_S3_CLIENT_CACHE_MODE. */
  clientCacheMode?: ClientCacheMode;
  /** Difference records kept in the summary (every difference is counted and emitted). @default 1000 */
  maxDifferenceDetails?: number;
  /** Failure records kept in the summary (every failure is counted and emitted). @default 1000 */
  maxFailureDetails?: number;
  /** Period of `progress` events. @default 500 */
  progressIntervalMs?: number;
  /** Compare only keys matching one of these globs (`--include`), as sync selects them. */
  include?: string[];
  /** Leave out keys matching these globs (`--exclude`); they win over `include`. */
  exclude?: string[];
} & SizeAgeOptions &
  FilesFromOption;

/**
 * How a key differs:
 * - `missing`: at the source only
 * - `extra`: at the destination only
 * - `size-differs`: at both, sizes differ
 * - `md5-differs`: at both, same size, different content fingerprints
 */
export type DifferenceKind = 'missing' | 'extra' | 'size-differs' | 'md5-differs';

/**
 * How the content of a same-size pair was compared:
 * - `etag`: both S3 ETags (plain MD5s, or identical multipart ETags)
 * - `md5`: the MD5 of a local file (computed in the workers) against an ETag or another file's MD5
 * - `download`: both sides read and hashed (`download`)
 * - `size-only`: no comparable fingerprint (multipart or non-MD5 ETag): NOT verified by content
 */
export type ComparedBy = 'etag' | 'md5' | 'download' | 'size-only';

/** One difference between SRC and DST. */
export type CheckDifference = {
  /** Key relative to both roots (`''` for a single object). */
  key: string;
  /** Full path at the source (where the key is, or would be). */
  src: string;
  /** Full path at the destination (where the key is, or should be). */
  dst: string;
  difference: DifferenceKind;
  /** Present unless `extra`. */
  srcSizeBytes?: number;
  /** Present unless `missing`. */
  dstSizeBytes?: number;
  /** For `md5-differs`: how the content was compared. */
  comparedBy?: Exclude<ComparedBy, 'size-only'>;
  /** For `md5-differs`: the two fingerprints (MD5 hex, or the ETags compared). */
  srcMd5?: string;
  dstMd5?: string;
};

/** Counters of a running check; totals grow while listing goes on. */
export type CheckProgress = {
  /** Source keys listed so far. */
  objectsListed: number;
  /** Destination keys listed so far. */
  objectsListedDestination: number;
  /** Keys of the two listings together (their union) so far: the total to check. */
  keysListed: number;
  /** Keys with a verdict: same, missing, extra, differing or failed. */
  objectsChecked: number;
  /** Differences found so far (missing + extra + differing). */
  differences: number;
  failed: number;
  /** Bytes the hashes queued so far will read. */
  bytesToHash: number;
  /** Bytes read and hashed so far (hashes in flight included). */
  bytesHashed: number;
  /** True once both listings have ended: the totals are final. */
  isListingDone: boolean;
  elapsedMs: number;
};

/** Result of a check. Plain data; `--report FILE` writes it as JSON. */
export type CheckSummary = {
  /**
   * - `match`: every key is at both sides with the same size and, where it could be compared,
   *   the same content (see `comparedBy.sizeOnly` for keys compared by size only)
   * - `differ`: some key is missing, extra or different
   * - `incomplete`: no difference found, but some keys could not be compared (`failures`)
   * - `interrupted`: cancelled before the end
   * - `fatal`: an error stopped the check (`fatal` holds it)
   */
  status: 'match' | 'differ' | 'incomplete' | 'interrupted' | 'fatal';
  src: string;
  dst: string;
  /** Both sides were read to compare content (`download`). */
  isDownload: boolean;
  startedAt: string;
  durationMs: number;
  objects: {
    /** Source keys listed. */
    listed: number;
    /** Destination keys listed. */
    listedDestination: number;
    /** Keys at both sides found the same. */
    same: number;
    missing: number;
    extra: number;
    /** Keys at both sides whose sizes differ. */
    sizeDiffers: number;
    /** Keys at both sides with the same size and different content. */
    md5Differs: number;
    /** Keys that could not be compared (a read failed); not counted as same or different. */
    failed: number;
    /** Hashes stopped by cancellation (interrupted checks). */
    cancelled: number;
  };
  /** How the `same` keys were compared; `sizeOnly` ones were NOT verified by content. */
  comparedBy: { etag: number; md5: number; download: number; sizeOnly: number };
  bytes: {
    /** Bytes of the source keys listed. */
    listed: number;
    /** Bytes read and hashed (local files and, with `download`, objects). */
    hashed: number;
  };
  /** Requests sent, by S3 operation name, retries included. Listing and GET only. */
  requests: RequestCounts;
  requestsTotal: number;
  /** HTTP answers by status (`error`: none came), every thread's, as in a sync's summary. */
  responses: Record<string, number>;
  /** Retries granted, every thread's. */
  retries: number;
  clientCacheMode: ClientCacheMode;
  /** S3 clients built, per profile, over every thread of the process. */
  clientsBuilt: Record<string, number>;
  workers: number;
  /** The first `maxDifferenceDetails` differences (the counts above count all). */
  differences: CheckDifference[];
  isDifferenceListTruncated: boolean;
  /**
   * The source listed no keys while the destination holds some: every destination key is
   * "extra", which is more often a wrong path or endpoint than the truth.
   */
  isSourceEmpty: boolean;
  /** The first `maxFailureDetails` keys that could not be compared. */
  failures: FailureRecord[];
  isFailureListTruncated: boolean;
  /** The error that stopped the check (status `fatal`). */
  fatal?: SerializedError;
  /**
   * s3ferry temp files found in a local destination (absent when none). Never removed by a check,
   * and not differences: they are not keys, so they leave `status` (and the exit code) as it is.
   * The stale ones (left by a killed run) are removed by the next sync or `cp -r` into it.
   */
  tempFiles?: TempFileSummary;
};

/** Everything a check emits, tagged by `kind`. */
export type CheckEvent =
  | {
      kind: 'start';
      src: string;
      dst: string;
      isDownload: boolean;
      workers: number;
      tasksPerWorker: number;
      clientCacheMode: ClientCacheMode;
      isSingleObject: boolean;
    }
  | ({ kind: 'progress' } & CheckProgress)
  | ({ kind: 'difference' } & CheckDifference)
  | { kind: 'same'; key: string; sizeBytes: number; comparedBy: ComparedBy }
  | ({ kind: 'failure' } & FailureRecord)
  | { kind: 'warning'; message: string }
  | { kind: 'summary'; summary: CheckSummary };

/** Receives the events of a check; must not throw. */
export type CheckEventListener = (event: CheckEvent) => void;
