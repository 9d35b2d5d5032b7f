// sync's job-level delete phase (--delete): after every range was marched and every copy ended,
// the extraneous keys spooled on the way (or recorded in the checkpoint) are deleted — only when
// that is safe. A failed copy or listing, an interruption or a fatal error leaves the
// destination's extra keys alone: they may be the only copy left.
import { isS3FerryError, serializeUnexpected } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import { runDeletes } from './deletes.ts';
import type { DeletesSkippedReason, SyncEvent } from './events.ts';
import type { Lanes, StopReason } from './lanes.ts';
import type { JsonValue } from '../shared/spill-fifo.ts';
import type { ResolvedSyncOptions } from './options.ts';
import type { Root } from './roots.ts';
import type { RunTally } from './summary.ts';

/** Why the deletes must not run, if they must not. */
export function deletesSkippedReason(state: {
  options: ResolvedSyncOptions;
  tally: RunTally;
  /** Extraneous keys waiting (or, in a dry run, that would be deleted). */
  toDelete: number;
  /** Source keys settled by the earlier runs of a resumed pass. */
  resumedKeys: number;
  stopReason: StopReason | undefined;
  fatal: SerializedError | undefined;
}): DeletesSkippedReason | undefined {
  const { options, tally, toDelete } = state;
  if (!options.shouldDelete || toDelete === 0) return undefined;
  if (state.fatal !== undefined) return 'fatal';
  if (state.stopReason === 'cancelled') return 'interrupted';
  if (tally.failed > 0 || state.stopReason !== undefined) return 'copy-failures';
  // An empty source is far more often a wrong path, bucket or endpoint than a wish to empty the
  // destination.
  if (tally.listed + state.resumedKeys === 0 && !options.allowEmptySource) return 'empty-source';
  if (options.maxDelete !== undefined && toDelete > options.maxDelete) return 'max-delete';
  return undefined;
}

/**
 * Deletes `keys` under `dst`, counting and announcing each; a delete phase that fails as a whole
 * returns its error (fatal for the run) unless the run was stopping anyway.
 */
export async function deleteExtraneous(ctx: {
  dst: Root;
  keys: AsyncIterable<string>;
  mainCache: ClientCache;
  tally: RunTally;
  signal?: AbortSignal | undefined;
  isStopping: () => boolean;
  emit: (event: SyncEvent) => void;
}): Promise<SerializedError | undefined> {
  const { dst, tally, emit } = ctx;
  try {
    await runDeletes({
      dst,
      keys: ctx.keys,
      clientFor: (spec) => ctx.mainCache.get(spec),
      requests: tally.requests,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      isStopping: ctx.isStopping,
      onDeleted: (key) => {
        tally.deleted += 1;
        emit({ kind: 'object', key, action: 'delete', reason: 'extraneous', sizeBytes: 0 });
      },
      onFailed: ({ key, error }) => {
        const record = { key, dst: dst.display(key), error };
        tally.recordDeleteFailure(record);
        emit({ kind: 'delete-failure', ...record });
      },
    });
    return undefined;
  } catch (error) {
    if (ctx.isStopping() && isS3FerryError(error) && error.code === 'Aborted') return undefined;
    return serializeUnexpected(error, 'DeleteFailed');
  }
}

/**
 * The delete phase of a sync: decides whether the deletes may run and runs them (not in a dry
 * run). A delete phase that fails as a whole stops the run as fatal. Returns why the deletes were
 * skipped, if they were.
 */
export async function runDeletePhase(ctx: {
  options: ResolvedSyncOptions;
  tally: RunTally;
  dst: Root;
  /** The extraneous keys recorded on the way (the checkpoint's, or the spool's). */
  extras: { count: number; keys: () => AsyncIterable<string> };
  resumedKeys: number;
  lanes: Pick<Lanes<JsonValue>, 'stopReason' | 'fatal' | 'isStopping' | 'stopFatal'>;
  mainCache: ClientCache;
  emit: (event: SyncEvent) => void;
}): Promise<DeletesSkippedReason | undefined> {
  const { options, tally, lanes } = ctx;
  const skipped = deletesSkippedReason({
    options,
    tally,
    toDelete: options.isDryRun ? tally.wouldDelete : ctx.extras.count,
    resumedKeys: ctx.resumedKeys,
    stopReason: lanes.stopReason,
    fatal: lanes.fatal,
  });
  if (!options.shouldDelete || options.isDryRun || skipped !== undefined) return skipped;
  const failed = await deleteExtraneous({
    dst: ctx.dst,
    keys: ctx.extras.keys(),
    mainCache: ctx.mainCache,
    tally,
    signal: options.signal,
    isStopping: lanes.isStopping,
    emit: ctx.emit,
  });
  if (failed !== undefined) lanes.stopFatal(failed);
  return undefined;
}

/** Recorded keys as the async iterable runDeletes takes. */
export function keysOf(keys: readonly string[]): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < keys.length
              ? { done: false as const, value: keys[i++] ?? '' }
              : { done: true as const, value: undefined },
          ),
      };
    },
  };
}
