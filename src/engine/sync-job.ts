// The job side of a sync: what makes two runs one job (its identity in the checkpoint), the ranges
// a run marches (the checkpoint's, or the whole key space), and the multipart uploads an
// interrupted run started without recording them.
import { createHash } from 'node:crypto';
import type { Checkpoint, JobIdentity, RangeState } from '../job/checkpoint.ts';
import { describeSizeAge } from '../plan/entry-filter.ts';
import type { JobBook } from '../job/job-book.ts';
import { abortUploadsSince } from '../job/stale-uploads.ts';
import { zeroCounts } from '../job/watermark.ts';
import { WHOLE_RANGE } from '../plan/key-range.ts';
import type { KeyRange } from '../plan/key-range.ts';
import type { ClientCache } from '../s3/client-cache.ts';
import { maskUrlPassword } from '../shared/display.ts';
import { isS3FerryError } from '../shared/errors.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import type { ResolvedSyncOptions } from './options.ts';
import type { JobShard } from './plan-file.ts';
import type { Root } from './roots.ts';
import type { Roots } from './session.ts';

/**
 * What makes two runs one job (see JobIdentity): paths, where they resolve, the selection, and
 * the shard's range (a shard's checkpoint never resumes another shard or an unsharded job).
 */
export function jobIdentity(
  roots: Roots,
  options: ResolvedSyncOptions,
  shard?: JobShard,
): JobIdentity {
  return {
    src: roots.src.label,
    dst: roots.dst.label,
    srcWhere: whereOf(roots.src),
    dstWhere: whereOf(roots.dst),
    mode: options.mode,
    include: options.include,
    exclude: options.exclude,
    deleteExcluded: options.shouldDeleteExcluded,
    delete: options.shouldDelete,
    ...(shard === undefined ? {} : { shard: shard.label }),
    ...filtersOf(options),
  };
}

/** The size, age and --files-from filters of the identity (a list by its digest). */
function filtersOf(options: ResolvedSyncOptions): { filters?: string } {
  const keys = options.filesFrom;
  const list =
    keys === undefined
      ? undefined
      : `--files-from sha256:${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16)} (${keys.length} keys)`;
  const filters = [describeSizeAge(options), list].filter((part) => part !== undefined);
  return filters.length === 0 ? {} : { filters: filters.join(' ') };
}

/** Where a root resolves; an endpoint's userinfo password is masked (a job never holds one). */
function whereOf(root: Root): string {
  if (root.spec === undefined) return root.display('');
  const endpoint = root.spec.endpointUrl;
  return `${endpoint === undefined ? `aws:${root.spec.region}` : maskUrlPassword(endpoint)} ${root.display('')}`;
}

/**
 * The ranges of the job: the checkpoint's (a new job gets `whole`: the key space, or a shard's
 * range), or `whole` unrecorded.
 */
export function jobRanges(
  checkpoint: Checkpoint | undefined,
  whole: KeyRange = WHOLE_RANGE,
): RangeState[] {
  if (checkpoint === undefined) {
    return [{ id: 'r0', range: whole, mark: undefined, counts: zeroCounts(), isDone: false }];
  }
  const ranges = checkpoint.ranges();
  return ranges.length > 0 ? ranges : [checkpoint.addRange(whole)];
}

/**
 * A resumed pass: the uploads the interrupted run recorded are continued when their key is
 * copied; the ones it started without recording them (killed before the record reached the disk)
 * are aborted, as their keys are still unsettled and copied again. Returns how many were aborted;
 * a failure to abort them only warns (the run goes on; `s3ferry uploads --abort` cleans up).
 */
export async function abortUnrecordedUploads(
  checkpoint: JobBook,
  dst: Root,
  mainCache: ClientCache,
  requests: RequestCounts,
  onWarning: (message: string) => void,
  within?: KeyRange,
): Promise<number> {
  const start = dst.kind === 's3' ? dst.location('') : undefined;
  if (checkpoint.resumed === undefined || start?.kind !== 's3' || dst.spec === undefined) return 0;
  try {
    return await abortUploadsSince(mainCache.get(dst.spec), dst.spec, {
      bucket: start.bucket,
      prefix: start.key,
      sinceMs: Date.parse(checkpoint.resumed.passStartedAt),
      except: new Set(checkpoint.uploads().map((u) => u.uploadId)),
      counts: requests,
      ...(within === undefined ? {} : { within }),
    });
  } catch (error) {
    const why = isS3FerryError(error) ? error.message : String(error);
    onWarning(
      `the multipart uploads the interrupted run left under ${dst.label} could not be aborted (${why}); s3ferry uploads --abort removes them`,
    );
    return 0;
  }
}
