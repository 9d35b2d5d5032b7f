// The counts of one check: counters plus capped detail lists, so memory stays bounded whatever
// the number of keys.
import type { CheckDifference, CheckProgress, CheckSummary, ComparedBy } from './check-types.ts';
import type { FailureRecord } from './events.ts';
import type { RequestCounts, WireCounts } from '../shared/protocol.ts';

/** The mutable counts of one check (bounded: counters plus capped detail lists). */
export class CheckTally {
  readonly startedAt = new Date();
  readonly #startMs = performance.now();
  readonly #maxDifferences: number;
  readonly #maxFailures: number;
  listed = 0;
  listedDestination = 0;
  bytesListed = 0;
  same = 0;
  missing = 0;
  extra = 0;
  sizeDiffers = 0;
  md5Differs = 0;
  failed = 0;
  cancelled = 0;
  bytesToHash = 0;
  bytesHashed = 0;
  isListingDone = false;
  readonly comparedBy = { etag: 0, md5: 0, download: 0, sizeOnly: 0 };
  /** Bytes reported by hashes still running, by task id. */
  readonly inFlightBytes = new Map<number, number>();
  readonly requests: RequestCounts = {};
  /** Answers by status and retries (every thread's). */
  readonly wire: WireCounts = { responses: {}, retries: 0 };
  readonly clientsByThread = new Map<string, Record<string, number>>();
  readonly differences: CheckDifference[] = [];
  readonly failures: FailureRecord[] = [];

  constructor(maxDifferences: number, maxFailures: number) {
    this.#maxDifferences = maxDifferences;
    this.#maxFailures = maxFailures;
  }

  get differenceCount(): number {
    return this.missing + this.extra + this.sizeDiffers + this.md5Differs;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.#startMs);
  }

  recordDifference(difference: CheckDifference): void {
    switch (difference.difference) {
      case 'missing':
        this.missing += 1;
        break;
      case 'extra':
        this.extra += 1;
        break;
      case 'size-differs':
        this.sizeDiffers += 1;
        break;
      case 'md5-differs':
        this.md5Differs += 1;
        break;
    }
    if (this.differences.length < this.#maxDifferences) this.differences.push(difference);
  }

  recordSame(comparedBy: ComparedBy): void {
    this.same += 1;
    if (comparedBy === 'size-only') this.comparedBy.sizeOnly += 1;
    else this.comparedBy[comparedBy] += 1;
  }

  recordFailure(record: FailureRecord): void {
    this.failed += 1;
    if (this.failures.length < this.#maxFailures) this.failures.push(record);
  }

  snapshot(): CheckProgress {
    let inFlight = 0;
    for (const bytes of this.inFlightBytes.values()) inFlight += bytes;
    return {
      objectsListed: this.listed,
      objectsListedDestination: this.listedDestination,
      keysListed: this.listed + this.extra,
      objectsChecked: this.same + this.differenceCount + this.failed,
      differences: this.differenceCount,
      failed: this.failed,
      bytesToHash: this.bytesToHash,
      bytesHashed: this.bytesHashed + inFlight,
      isListingDone: this.isListingDone,
      elapsedMs: this.elapsedMs(),
    };
  }

  status(fatal: boolean, cancelled: boolean): CheckSummary['status'] {
    if (fatal) return 'fatal';
    if (cancelled) return 'interrupted';
    if (this.differenceCount > 0) return 'differ';
    return this.failed > 0 ? 'incomplete' : 'match';
  }
}
