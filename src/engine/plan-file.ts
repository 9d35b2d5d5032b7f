// The plan file on disk: written by `s3ferry plan` (whole or not at all), read by
// `sync --plan FILE --shard I/N`, which syncs only that shard's key range. Reading and checking it
// happens before anything is listed, so a wrong plan copies nothing.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { KeyRange } from '../plan/key-range.ts';
import { describeShard, formatPlan, parsePlan, shardRange } from '../plan/shard-plan.ts';
import type { Shard, ShardPlan } from '../plan/shard-plan.ts';
import { S3FerryError } from '../shared/errors.ts';
import type { SyncSummary } from './events.ts';

/** The shard a sync runs: the plan file, which shard, its key range, and both as text (`1/4 ("a", "k"]`). */
export type JobShard = { plan: string; shard: Shard; range: KeyRange; label: string };

/**
 * Writes `plan` to `path` through a temp file renamed over it, so a reader (another shard
 * starting) never sees half a plan.
 */
export async function writePlanFile(path: string, plan: ShardPlan): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, formatPlan(plan));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw fileError(path, 'cannot be written', error);
  }
}

/**
 * Reads the plan at `path`.
 * @throws S3FerryError (config, exit 2) naming the file: missing, unreadable or not a plan.
 */
export async function readPlanFile(path: string): Promise<ShardPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileError(path, 'cannot be read', error);
  }
  return parsePlan(text, path);
}

/**
 * The shard of a sync with `plan` and `shard` (both or neither: options.ts checks), read from
 * the plan file; undefined for an unsharded sync.
 * @throws S3FerryError (exit 2) for a plan that cannot be read, was made for other paths, or has
 *   another number of ranges than the shard's N.
 */
export async function jobShard(options: {
  src: string;
  dst: string;
  plan?: string | undefined;
  shard?: Shard | undefined;
}): Promise<JobShard | undefined> {
  const { plan: file, shard } = options;
  if (file === undefined || shard === undefined) return undefined;
  const plan = await readPlanFile(file);
  const range = shardRange(plan, shard, { src: options.src, dst: options.dst, file });
  return { plan: file, shard, range, label: describeShard(shard, range) };
}

/** A shard as the summary reports it. */
export function shardSummary(job: JobShard): NonNullable<SyncSummary['shard']> {
  return { plan: job.plan, ...job.shard, ...job.range };
}

function fileError(path: string, what: string, error: unknown): S3FerryError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const why = code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : String(error);
  return new S3FerryError('config', 'PlanFile', `plan ${path} ${what}: ${why}`, {
    ...(code === 'ENOENT' && what === 'cannot be read'
      ? { hint: 'make it with: s3ferry plan SRC DST --ranges N --out FILE' }
      : {}),
  });
}
