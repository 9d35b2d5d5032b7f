// The multipart uploads of a --checkpoint run, between the tasks and the checkpoint: what each
// task's upload reports is recorded (its id, then each part stored, then its end), and a recorded
// upload of an interrupted run is handed to the task that copies the same key again, to continue
// it — unless the source changed since, in which case it is aborted and the copy starts over.
import type { ClientCache } from '../s3/client-cache.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import { abortS3Upload } from '../s3/uploads.ts';
import type { ListEntry, RequestCounts, ResumableUpload, UploadEvent } from '../shared/protocol.ts';
import type { UploadRecord } from './checkpoint.ts';
import type { JobBook } from './job-book.ts';

/** The destination root, as far as aborting an upload of one of its keys needs it. */
type Destination = {
  kind: 's3' | 'local';
  spec?: ProfileSpec;
  location(key: string): { kind: 's3'; bucket: string; key: string } | { kind: 'local' };
};

/**
 * The version of the source an upload copies, as recorded with it: the source's ETag or, for a
 * source without one (a local file), its mtime — a file rewritten in place at the same size must
 * not be continued with the parts of its old content.
 */
function sourceVersion(src: ListEntry): string {
  return src.etag ?? `mtime:${src.mtimeMs}`;
}

/** A continued upload, for the summary. */
export type ContinuedUpload = { key: string; fromPart: number; partsKept: number };

export class UploadBook {
  /** Uploads continued by this run. */
  readonly continued: ContinuedUpload[] = [];
  #checkpoint: JobBook | undefined;
  #dst: Destination | undefined;
  #clients: ClientCache | undefined;
  #counts: RequestCounts | undefined;
  /** Recorded uploads not yet handed to a task, by relative key. */
  readonly #recorded = new Map<string, UploadRecord>();
  /** Aborts of recorded uploads of another version of their source (true: the server held it). */
  readonly #staleAborts: Promise<boolean>[] = [];
  /** Tasks whose uploads are recorded: relative key and source version (sourceVersion). */
  readonly #tasks = new Map<number, { key: string; srcEtag: string | undefined }>();

  /** Starts recording into `checkpoint` (nothing is recorded without one). */
  attach(
    checkpoint: JobBook | undefined,
    dst: Destination,
    clients: ClientCache,
    counts: RequestCounts,
  ): void {
    this.#checkpoint = checkpoint;
    this.#dst = dst;
    this.#clients = clients;
    this.#counts = counts;
    for (const upload of checkpoint?.uploads() ?? []) this.#recorded.set(upload.key, upload);
  }

  /** The task `id` copies `key`: its upload events are recorded under that key. */
  register(id: number, key: string, src: ListEntry): void {
    this.#tasks.set(id, { key, srcEtag: sourceVersion(src) });
  }

  /**
   * The recorded upload to continue for `key`, if one was recorded for the same source (ETag, or
   * mtime without one, and size); one recorded for another version of the source is aborted.
   */
  resumeFor(key: string, src: ListEntry): ResumableUpload | undefined {
    const record = this.#recorded.get(key);
    if (record === undefined) return undefined;
    this.#recorded.delete(key);
    if (record.srcEtag !== sourceVersion(src) || record.sizeBytes !== src.sizeBytes) {
      this.#staleAborts.push(this.#abort(record));
      return undefined;
    }
    const parts = [...record.parts.entries()].map(([n, part]): [number, string, number] => [
      n,
      part.etag,
      part.sizeBytes,
    ]);
    let fromPart = 1;
    while (record.parts.has(fromPart)) fromPart += 1;
    this.continued.push({ key, fromPart, partsKept: parts.length });
    return { uploadId: record.uploadId, partSizeBytes: record.partSizeBytes, parts };
  }

  /** What a task reported about its upload. */
  onEvent(id: number, event: UploadEvent): void {
    const checkpoint = this.#checkpoint;
    const task = this.#tasks.get(id);
    if (checkpoint === undefined || task === undefined) return;
    switch (event.type) {
      case 'started':
        checkpoint.uploadStarted({
          key: task.key,
          uploadId: event.uploadId,
          partSizeBytes: event.partSizeBytes,
          sizeBytes: event.sizeBytes,
          srcEtag: task.srcEtag,
        });
        return;
      case 'part':
        checkpoint.partStored(event.uploadId, event.partNumber, event.etag, event.sizeBytes);
        return;
      case 'ended':
        checkpoint.uploadEnded(event.uploadId);
        this.#tasks.delete(id);
        return;
    }
  }

  /**
   * Aborts every upload still recorded (a pass that ended: none of them will be continued).
   * Returns how many the server still held, those of a changed source aborted as their keys came
   * up included.
   */
  async abortLeftovers(): Promise<number> {
    let aborted = (await Promise.all(this.#staleAborts.splice(0))).filter(Boolean).length;
    for (const record of this.#checkpoint?.uploads() ?? []) {
      if (await this.#abort(record)) aborted += 1;
    }
    return aborted;
  }

  async #abort(record: UploadRecord): Promise<boolean> {
    const dst = this.#dst;
    const spec = dst?.spec;
    if (dst === undefined || spec === undefined || this.#clients === undefined) return false;
    const where = dst.location(record.key);
    if (where.kind !== 's3') return false;
    try {
      const outcome = await abortS3Upload(this.#clients.get(spec), spec, {
        bucket: where.bucket,
        key: where.key,
        uploadId: record.uploadId,
        ...(this.#counts === undefined ? {} : { counts: this.#counts }),
      });
      this.#checkpoint?.uploadEnded(record.uploadId);
      return outcome === 'aborted';
    } catch {
      // Left recorded: the next run tries again (or `s3ferry uploads --abort`).
      return false;
    }
  }
}
