// The delete phase of `sync --delete`. During the march the keys only at the destination are
// spooled (a temp file once there are more than one batch of them: memory stays bounded however
// many there are); after every copy succeeded they are streamed back in order and deleted, in
// DeleteObjects batches for S3 and file by file (then emptied directories) for local roots.
import { LocalDeleter } from '../local/delete.ts';
import { DELETE_BATCH_SIZE, deleteS3Keys } from '../s3/delete.ts';
import type { DeleteKeyError } from '../s3/delete.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ErrorKind } from '../shared/errors.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { SpoolFile, toJson } from '../shared/spool-file.ts';
import type { Root } from './roots.ts';

/** Keys kept in memory before the spool moves to a file: one delete batch. */
const IN_MEMORY_KEYS = DELETE_BATCH_SIZE;

/** Bytes of keys waiting for the disk beyond which {@link KeySpool.add} waits for it. */
const MAX_UNWRITTEN_BYTES = 1024 * 1024;

/** DeleteObjects requests in flight at once. */
const DELETE_CONCURRENCY = 4;

/**
 * An append-only list of keys that does not grow in memory: the first batch stays in memory,
 * beyond that every key goes to a temp file (src/shared/spool-file.ts: one JSON string per line,
 * so any key, newlines included, survives), read back in the order written.
 */
export class KeySpool {
  #memory: string[] = [];
  #file: SpoolFile | undefined;
  /** Keys added so far. */
  count = 0;

  /**
   * Adds a key. Resolves at once unless more than 1 MiB of keys wait for the disk: await it to
   * respect the file's backpressure.
   */
  async add(key: string): Promise<void> {
    this.count += 1;
    if (this.#file === undefined && this.#memory.length < IN_MEMORY_KEYS) {
      this.#memory.push(key);
      return;
    }
    this.#file ??= new SpoolFile('deletes');
    this.#file.appendJson(toJson(key));
    if (this.#file.unwrittenBytes > MAX_UNWRITTEN_BYTES) await this.#file.whenWritten();
  }

  /** Every key added, in order. Call once, after the last {@link add}. */
  async *keys(): AsyncGenerator<string, void, undefined> {
    yield* this.#memory;
    const file = this.#file;
    if (file === undefined) return;
    const batch: string[] = [];
    while (file.unread > 0) {
      batch.length = 0;
      await file.take(IN_MEMORY_KEYS, (key) => batch.push(key as string));
      yield* batch;
    }
  }

  /** Removes the temp file, if any. */
  async dispose(): Promise<void> {
    this.#memory = [];
    await this.#file?.delete();
  }
}

/** One key that could not be deleted. */
export type DeleteFailure = { key: string; error: SerializedError };

/** What {@link runDeletes} needs from the run. */
export type DeletePhaseContext = {
  /** The destination root; keys are relative to it. */
  dst: Root;
  /** Relative keys to delete, in listing order. */
  keys: AsyncIterable<string>;
  /** The main thread's client for a profile. */
  clientFor(spec: ProfileSpec): ReturnType<ClientCache['get']>;
  /** Counts DeleteObjects requests. */
  requests: RequestCounts;
  /** Stops the phase between batches (and aborts requests in flight). */
  signal?: AbortSignal;
  /** True once the run is stopping (Ctrl-C): no new batch starts. */
  isStopping(): boolean;
  onDeleted(key: string): void;
  onFailed(failure: DeleteFailure): void;
};

/**
 * Deletes the keys of `ctx.keys` under the destination root: S3 in DeleteObjects batches of
 * 1,000 (a few requests at once), local files one by one, never through a symlink.
 * @throws S3FerryError when a delete request fails fatally (credentials, missing bucket).
 */
export async function runDeletes(ctx: DeletePhaseContext): Promise<void> {
  const { dst } = ctx;
  const base = dst.location('');
  if (base.kind === 'local') {
    const deleter = new LocalDeleter(base.path);
    try {
      for await (const batch of batches(ctx.keys, 64)) {
        if (ctx.isStopping()) break;
        const result = await deleter.deleteBatch(batch);
        report(ctx, result.deleted, result.errors, 'local-io', (k) => k);
      }
    } finally {
      await deleter.finish();
    }
    return;
  }
  const spec = dst.spec;
  if (spec === undefined) throw new Error('an S3 destination without a profile');
  const client = ctx.clientFor(spec);
  const prefix = base.key; // the root's key prefix; relative keys hang from it verbatim
  const inFlight = new Set<Promise<void>>();
  let firstError: Error | undefined;
  for await (const batch of batches(ctx.keys, DELETE_BATCH_SIZE)) {
    if (ctx.isStopping() || firstError !== undefined) break;
    const running = deleteS3Keys(client, spec, {
      bucket: base.bucket,
      keys: batch.map((key) => prefix + key),
      counts: ctx.requests,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    }).then(
      (result) => {
        report(ctx, result.deleted, result.errors, 'server', (full) => full.slice(prefix.length));
      },
      (error: unknown) => {
        firstError ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    const tracked = running.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= DELETE_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (firstError !== undefined) throw firstError;
}

function report(
  ctx: DeletePhaseContext,
  deleted: string[],
  errors: DeleteKeyError[],
  kind: ErrorKind,
  relative: (key: string) => string,
): void {
  for (const key of deleted) ctx.onDeleted(relative(key));
  for (const error of errors) {
    ctx.onFailed({
      key: relative(error.key),
      error: {
        kind: kind === 'local-io' || error.code !== 'AccessDenied' ? kind : 'permission',
        code: error.code,
        message: error.message,
        retryable: false,
        fatal: false,
        ...(error.code === 'AccessDenied'
          ? { hint: 'the destination credentials may not delete objects there' }
          : error.code === 'SymlinkInPath'
            ? { hint: 'delete such files by hand if they should go' }
            : {}),
      },
    });
  }
}

/** Groups an async stream of keys into arrays of at most `size`. */
async function* batches(
  keys: AsyncIterable<string>,
  size: number,
): AsyncGenerator<string[], void, undefined> {
  let batch: string[] = [];
  for await (const key of keys) {
    batch.push(key);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
