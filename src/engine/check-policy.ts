// check's policy on the march: a source-only key is missing, a destination-only key is extra, a
// match is compared (plan/compare-pair.ts) from the listings or by hashing sides in the check
// lane. Writes nothing: it never asks for a transfer. Every key settles as `skipped` (it was
// checked), or `failed` when a side could not be read.
import { planPair } from '../plan/compare-pair.ts';
import type { PairPlan } from '../plan/compare-pair.ts';
import { isS3FerryError, S3FerryError, serializeError } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { ListEntry, WorkerTask } from '../shared/protocol.ts';
import type { CheckTally } from './check-tally.ts';
import type { CheckDifference, CheckEvent, ComparedBy, DifferenceKind } from './check-types.ts';
import type { TaskExecutor } from './executor.ts';
import type { MarchPolicy, RunControl } from './march.ts';
import type { Root } from './roots.ts';
import type { Roots } from './session.ts';
import { absorbTaskCounts, isCancellation } from './session.ts';

/** A pair whose content is compared by hashing sides in the workers. */
export type CheckWork = { src: ListEntry; dst: ListEntry; plan: PairPlan & { action: 'hash' } };

/** What the check policy works with. */
export type CheckContext = {
  roots: Roots;
  executor: Pick<TaskExecutor, 'run'>;
  tally: CheckTally;
  isDownload: boolean;
  isCancelled: () => boolean;
  emit: (event: CheckEvent) => void;
};

/** The check policy of one run. */
export function checkPolicy(ctx: CheckContext, run: RunControl): MarchPolicy<CheckWork> {
  const { roots, tally, emit } = ctx;
  const sides = {
    isSrcLocal: roots.src.kind === 'local',
    isDstLocal: roots.dst.kind === 'local',
    isDownload: ctx.isDownload,
  };
  let nextId = 1;

  const fail = (key: string, error: SerializedError): void => {
    const record = { key, src: roots.src.display(key), dst: roots.dst.display(key), error };
    tally.recordFailure(record);
    emit({ kind: 'failure', ...record });
    if (error.fatal) run.stopFatal(error);
  };

  const differ = (
    key: string,
    difference: DifferenceKind,
    detail: Omit<CheckDifference, 'key' | 'src' | 'dst' | 'difference'>,
  ): 'skipped' => {
    const record: CheckDifference = {
      key,
      src: roots.src.display(key),
      dst: roots.dst.display(key),
      difference,
      ...detail,
    };
    tally.recordDifference(record);
    emit({ kind: 'difference', ...record });
    return 'skipped';
  };

  const same = (key: string, sizeBytes: number, comparedBy: ComparedBy): 'skipped' => {
    tally.recordSame(comparedBy);
    emit({ kind: 'same', key, sizeBytes, comparedBy });
    return 'skipped';
  };

  /** The MD5 of one side, hashed in the workers, or why there is none. */
  const hashSide = async (
    key: string,
    root: Root,
    sizeBytes: number,
  ): Promise<{ md5: string } | { error: SerializedError }> => {
    let location;
    try {
      location = root.location(key);
    } catch (error) {
      if (!isS3FerryError(error)) throw error;
      return { error: serializeError(error) };
    }
    const id = nextId++;
    const task: WorkerTask =
      location.kind === 'local'
        ? { kind: 'md5', id, path: location.path }
        : { kind: 'md5-object', id, src: location };
    tally.inFlightBytes.set(id, 0);
    const result = await ctx.executor.run(task);
    tally.inFlightBytes.delete(id);
    absorbTaskCounts(tally, result);
    if (result.ok && result.md5 !== undefined) {
      tally.bytesHashed += result.bytes;
      return { md5: result.md5.toLowerCase() };
    }
    // This side will not be hashed after all: take it off the work still to do.
    tally.bytesToHash -= sizeBytes;
    return {
      error: result.ok
        ? serializeError(new S3FerryError('internal', 'NoDigest', 'a hash task returned no MD5'))
        : result.error,
    };
  };

  return {
    srcOnly(src) {
      tally.listed += 1;
      tally.bytesListed += src.sizeBytes;
      return differ(src.key, 'missing', { srcSizeBytes: src.sizeBytes });
    },
    dstOnly(dst) {
      tally.listedDestination += 1;
      return differ(dst.key, 'extra', { dstSizeBytes: dst.sizeBytes });
    },
    match(src, dst) {
      tally.listed += 1;
      tally.bytesListed += src.sizeBytes;
      tally.listedDestination += 1;
      const plan = planPair(src, dst, sides);
      if (plan.action === 'size-differs') {
        return differ(src.key, 'size-differs', {
          srcSizeBytes: src.sizeBytes,
          dstSizeBytes: dst.sizeBytes,
        });
      }
      if (plan.action === 'compared') {
        if (plan.isSame) return same(src.key, src.sizeBytes, plan.comparedBy);
        return differ(src.key, 'md5-differs', {
          srcSizeBytes: src.sizeBytes,
          dstSizeBytes: dst.sizeBytes,
          comparedBy: 'etag',
          ...(src.etag === undefined ? {} : { srcMd5: src.etag.toLowerCase() }),
          ...(dst.etag === undefined ? {} : { dstMd5: dst.etag.toLowerCase() }),
        });
      }
      tally.bytesToHash += (plan.src ? src.sizeBytes : 0) + (plan.dst ? dst.sizeBytes : 0);
      return { check: { src, dst, plan } };
    },
    /** Hashes the sides the plan names (both at once) and records one verdict for the key. */
    async check({ src, dst, plan }) {
      const key = src.key;
      const [a, b] = await Promise.all([
        plan.src
          ? hashSide(key, roots.src, src.sizeBytes)
          : { md5: (src.etag ?? '').toLowerCase() },
        plan.dst
          ? hashSide(key, roots.dst, dst.sizeBytes)
          : { md5: (dst.etag ?? '').toLowerCase() },
      ]);
      // One record per key, even when both reads failed; a cancelled read is no failure.
      const error = 'error' in a ? a.error : 'error' in b ? b.error : undefined;
      if (error !== undefined) {
        if (ctx.isCancelled() && isCancellation(error)) {
          tally.cancelled += 1;
          return undefined;
        }
        fail(key, error);
        return 'failed';
      }
      if (!('md5' in a) || !('md5' in b)) return 'failed';
      if (a.md5 === b.md5) return same(key, src.sizeBytes, plan.comparedBy);
      return differ(key, 'md5-differs', {
        srcSizeBytes: src.sizeBytes,
        dstSizeBytes: dst.sizeBytes,
        comparedBy: plan.comparedBy,
        srcMd5: a.md5,
        dstMd5: b.md5,
      });
    },
    transfer() {
      return Promise.resolve(undefined);
    },
    unlisted: fail,
  };
}
