// What a sync run records as it goes, wherever the job is kept: the checkpoint file of a local run
// (checkpoint.ts) or one range of a distributed job in Redis (src/distributed/range-book.ts).
// The march, the sync policy and the upload book write through this and nothing more.
import type { KeyRange } from '../plan/key-range.ts';
import type { RangeState, RecordedFailure, ResumeInfo, UploadRecord } from './checkpoint.ts';
import type { SettledCounts } from './watermark.ts';

export type JobBook = {
  /** Set when this run resumes work an earlier run left. */
  readonly resumed: ResumeInfo | undefined;
  /** The ranges this run marches, with their state. */
  ranges(): RangeState[];
  /** Uploads recorded in flight (continued or aborted by this run). */
  uploads(): UploadRecord[];
  /** Splits off `added` (the rest of `range`, tiled); returns the states this run marches too. */
  split(range: RangeState, added: readonly KeyRange[]): RangeState[];
  mark(range: RangeState, key: string | undefined, counts: SettledCounts): void;
  done(range: RangeState, counts: SettledCounts): void;
  extra(keys: readonly string[]): void;
  failed(failure: RecordedFailure): void;
  uploadStarted(upload: Omit<UploadRecord, 'parts'>): void;
  partStored(uploadId: string, partNumber: number, etag: string, sizeBytes: number): void;
  uploadEnded(uploadId: string): void;
};
