// `mv`: the source of a copy is deleted once the copy is known to hold the same bytes, never
// before and never for a copy that failed. A copy whose bytes were checked end to end on their
// way (Content-MD5 of the source's MD5 on a PUT, the MD5 of a download against the ETag) counts
// as verified; any other (server-side copies, sources without an MD5, multipart composites) is
// checked at the destination first: its size, and its ETag against the source's where both are
// MD5s. Verified keys are deleted as they come, in the delete phase's batches (S3: DeleteObjects
// of up to 1,000 keys; local: file by file, then the directories that emptied).
import { stat } from 'node:fs/promises';
import { classifyEtag } from '../s3/etag.ts';
import { headS3Object } from '../s3/stat.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { CopyTask, ListEntry, RequestCounts, TaskResult } from '../shared/protocol.ts';
import { runDeletes } from './deletes.ts';
import type { DeleteFailure } from './deletes.ts';
import type { Roots } from './session.ts';

/** What {@link SourceMoves} needs from the run. */
export type SourceMovesContext = {
  roots: Roots;
  clientFor: (spec: ProfileSpec) => ReturnType<ClientCache['get']>;
  requests: RequestCounts;
  signal?: AbortSignal;
  isStopping: () => boolean;
  onDeleted: (key: string) => void;
  onFailed: (failure: DeleteFailure) => void;
};

/** An async queue of keys: pushed as copies are verified, read by the delete loop. */
class KeyChannel implements AsyncIterable<string> {
  readonly #keys: string[] = [];
  #wake: (() => void) | undefined;
  #isClosed = false;

  push(key: string): void {
    this.#keys.push(key);
    this.#wake?.();
  }

  close(): void {
    this.#isClosed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const key = this.#keys.shift();
      if (key !== undefined) {
        yield key;
        continue;
      }
      if (this.#isClosed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

/** Why the destination does not show the source's bytes, or undefined when it does. */
export function moveMismatch(
  src: Pick<ListEntry, 'sizeBytes' | 'etag'>,
  dst: { sizeBytes: number; etag?: string | undefined } | undefined,
): string | undefined {
  if (dst === undefined) return 'the copy is not at the destination';
  if (dst.sizeBytes !== src.sizeBytes) {
    return `the copy holds ${dst.sizeBytes} bytes, the source ${src.sizeBytes}`;
  }
  const srcKind = classifyEtag({ etag: src.etag });
  const dstKind = classifyEtag({ etag: dst.etag });
  if (srcKind.kind === 'md5' && dstKind.kind === 'md5' && srcKind.md5 !== dstKind.md5) {
    return `the copy has MD5 ${dstKind.md5}, the source ${srcKind.md5}`;
  }
  return undefined;
}

/** The sources of verified copies, deleted as the run goes. */
export class SourceMoves {
  readonly #ctx: SourceMovesContext;
  readonly #keys = new KeyChannel();
  readonly #deleting: Promise<void>;

  constructor(ctx: SourceMovesContext) {
    this.#ctx = ctx;
    this.#deleting = runDeletes({
      dst: ctx.roots.src,
      keys: this.#keys,
      clientFor: ctx.clientFor,
      requests: ctx.requests,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      isStopping: ctx.isStopping,
      onDeleted: ctx.onDeleted,
      onFailed: ctx.onFailed,
    });
    // Seen by finish(); a rejection must not go unhandled before that.
    this.#deleting.catch(() => undefined);
  }

  /**
   * A copy of `key` succeeded: checks it if its bytes were not checked on the way, then queues
   * the source for deletion.
   * @throws S3FerryError (`MoveNotVerified`) when the destination does not hold the source's
   *   bytes: the source stays.
   */
  async copied(key: string, src: ListEntry, task: CopyTask, result: TaskResult): Promise<void> {
    const checkedOnTheWay =
      result.ok && result.isUnverified !== true && task.method !== 'server-side';
    if (!checkedOnTheWay) {
      const problem = moveMismatch(src, await this.#destinationOf(key));
      if (problem !== undefined) {
        throw new S3FerryError('server', 'MoveNotVerified', `${problem}; the source was kept`, {
          hint: 'run mv again: the source is copied again and deleted once its copy matches',
        });
      }
    }
    this.#keys.push(key);
  }

  /** Waits for every queued delete. @throws S3FerryError when a delete request failed fatally. */
  async finish(): Promise<void> {
    this.#keys.close();
    await this.#deleting;
  }

  async #destinationOf(key: string): Promise<{ sizeBytes: number; etag?: string } | undefined> {
    const { dst } = this.#ctx.roots;
    const location = dst.location(key);
    if (location.kind === 'local') {
      const info = await stat(location.path).catch(() => undefined);
      return info === undefined ? undefined : { sizeBytes: info.size };
    }
    const spec = dst.spec;
    if (spec === undefined) throw new Error('an S3 destination without a profile');
    const head = await headS3Object(this.#ctx.clientFor(spec), spec, {
      bucket: location.bucket,
      key: location.key,
      counts: this.#ctx.requests,
    });
    return head === undefined
      ? undefined
      : { sizeBytes: head.sizeBytes, ...(head.etag === undefined ? {} : { etag: head.etag }) };
  }
}
