// Where a distributed job lives in Redis: one BullMQ queue for every job's ranges, and the job's
// own keys under `s3ferry:job:NAME:`. Credentials are never among them: a job holds paths with
// profile names, options, range bounds, marks, upload ids, failure codes and keys.
import { createHash } from 'node:crypto';
import { usageError } from '../shared/errors.ts';

/** The BullMQ queue of range jobs, shared by every s3ferry job on the same Redis. */
export const QUEUE_NAME = 's3ferry-ranges';

/** Job names: what --job accepts (also in Redis keys and BullMQ job ids). */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** @throws S3FerryError `usage` naming --job. */
export function checkJobName(name: string): string {
  if (!JOB_NAME.test(name)) {
    throw usageError(
      `--job ${JSON.stringify(name)}: a job name is 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** The default job name: the same command (same identity) finds the same job again. */
export function defaultJobName(identity: object): string {
  return `sync-${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12)}`;
}

/** The Redis keys of one job. */
export function jobKeys(name: string) {
  const base = `s3ferry:job:${name}`;
  return {
    /** Hash: spec (JSON), status, pass, passStartedAt. */
    meta: base,
    /** Hash: range id → the range's record (JSON). */
    ranges: `${base}:ranges`,
    /** Set: ids of the ranges not done yet. */
    open: `${base}:open`,
    /** Hash: upload id → the upload's record (JSON), while it is in flight. */
    uploads: `${base}:uploads`,
    /** List: failure records (JSON). */
    failures: `${base}:failures`,
    /** List: destination-only keys for --delete. */
    extras: `${base}:extras`,
    /** Set: ids of the workers that reported. */
    workers: `${base}:workers`,
    /** String: when the job's shared throttling pause ends (ms since the epoch), expiring then. */
    pause: `${base}:pause`,
    /** Hash per worker: its counters (ranges, copied, requests by operation…). */
    worker: (id: string) => `${base}:worker:${id}`,
    /** Every key of the job, for SCAN when it is replaced. */
    pattern: `${base}*`,
  };
}

export type JobKeys = ReturnType<typeof jobKeys>;

/** The BullMQ job id of a range (ids may not contain ':'; range ids hold keys). */
export function rangeJobId(jobName: string, rangeId: string): string {
  return `${jobName}.${createHash('sha1').update(rangeId).digest('hex').slice(0, 20)}`;
}
