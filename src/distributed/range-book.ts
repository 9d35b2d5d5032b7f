// The book of one range of a distributed job, kept in Redis: what a checkpoint records for a
// local run (marks, splits, uploads in flight, failures, --delete extras), written in order
// through one chain of Redis commands. Ranges split off are not marched here: they become open
// ranges of the job and BullMQ jobs any worker may take.
import type { JobBook } from '../job/job-book.ts';
import type { RangeState, RecordedFailure, ResumeInfo, UploadRecord } from '../job/checkpoint.ts';
import type { SettledCounts } from '../job/watermark.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { JobStore } from './job-store.ts';
import { splitUnrecorded } from '../engine/range-runner.ts';

export type RangeBookOptions = {
  store: JobStore;
  state: RangeState;
  uploads: UploadRecord[];
  resumed: ResumeInfo | undefined;
  /** Ranges split off and stored as open: hand them to the queue. */
  onSplit: (added: RangeState[]) => Promise<void>;
};

export class RangeBook implements JobBook {
  readonly resumed: ResumeInfo | undefined;
  readonly #store: JobStore;
  readonly #state: RangeState;
  readonly #uploads = new Map<string, UploadRecord>();
  readonly #onSplit: (added: RangeState[]) => Promise<void>;
  /** Every write, in the order made (a split before the marks past it, extras before done). */
  #chain: Promise<void> = Promise.resolve();
  #error: Error | undefined;
  #isMarkPending = false;
  /** Ranges split off (for the worker's report). */
  splits = 0;

  constructor(options: RangeBookOptions) {
    this.#store = options.store;
    this.#state = options.state;
    this.resumed = options.resumed;
    this.#onSplit = options.onSplit;
    for (const upload of options.uploads) this.#uploads.set(upload.uploadId, upload);
  }

  ranges(): RangeState[] {
    return [this.#state];
  }

  uploads(): UploadRecord[] {
    return [...this.#uploads.values()];
  }

  split(range: RangeState, added: readonly KeyRange[]): RangeState[] {
    // Shrinks the range and names the new ones as a local run does; they are marched elsewhere.
    const states = splitUnrecorded(range, added);
    if (states.length === 0) return [];
    const shrunk: RangeState = { ...range, range: { ...range.range } };
    this.splits += states.length;
    this.#write(async () => {
      await this.#store.split(shrunk, states);
      await this.#onSplit(states);
    });
    return [];
  }

  mark(range: RangeState, key: string | undefined, counts: SettledCounts): void {
    if (key === undefined) return;
    range.mark = key;
    range.counts = { ...counts };
    this.#isMarkPending = true;
  }

  done(range: RangeState, counts: SettledCounts): void {
    range.isDone = true;
    range.counts = { ...counts };
    this.#isMarkPending = false;
    const state: RangeState = { ...range, range: { ...range.range } };
    this.#write(() => this.#store.finishRange(state));
  }

  extra(keys: readonly string[]): void {
    const copy = [...keys];
    this.#write(() => this.#store.pushExtras(copy));
  }

  failed(failure: RecordedFailure): void {
    this.#write(() => this.#store.pushFailure(failure));
  }

  uploadStarted(upload: Omit<UploadRecord, 'parts'>): void {
    const record: UploadRecord = { ...upload, parts: new Map() };
    this.#uploads.set(upload.uploadId, record);
    this.#putUpload(record);
  }

  partStored(uploadId: string, partNumber: number, etag: string, sizeBytes: number): void {
    const record = this.#uploads.get(uploadId);
    if (record === undefined) return;
    record.parts.set(partNumber, { etag, sizeBytes });
    this.#putUpload(record);
  }

  uploadEnded(uploadId: string): void {
    if (!this.#uploads.delete(uploadId)) return;
    this.#write(() => this.#store.dropUpload(uploadId));
  }

  /** Writes the mark if it moved (called on the worker's tick). */
  flushMark(): void {
    if (!this.#isMarkPending || this.#state.isDone) return;
    this.#isMarkPending = false;
    const state: RangeState = { ...this.#state, range: { ...this.#state.range } };
    this.#write(() => this.#store.putRange(state));
  }

  /**
   * Waits for every write so far.
   * @throws the first error a write met (the range is then retried from what Redis holds).
   */
  async settle(): Promise<void> {
    this.flushMark();
    await this.#chain;
    if (this.#error !== undefined) throw this.#error;
  }

  #putUpload(record: UploadRecord): void {
    const copy: UploadRecord = { ...record, parts: new Map(record.parts) };
    this.#write(() => this.#store.putUpload(copy));
  }

  #write(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#error !== undefined) return;
      try {
        await step();
      } catch (error) {
        this.#error = error instanceof Error ? error : new Error(String(error));
      }
    });
  }
}
