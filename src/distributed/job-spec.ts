// What a distributed job carries to its workers: the paths as typed (profile names, never
// credentials: each worker resolves profiles from its own environment and files), the job's
// identity (as a checkpoint has it) and the options that decide which keys are copied and how.
// Each worker chooses its own threads and concurrency.
import type { JobIdentity } from '../job/checkpoint.ts';
import type { ResolvedSyncOptions, SyncOptions } from '../engine/options.ts';
import type { SizeAgeOptions } from '../plan/entry-filter.ts';
import type { ObjectSettings } from '../shared/object-settings.ts';

export type JobSpec = {
  format: 's3ferry-job';
  version: 1;
  src: string;
  dst: string;
  identity: JobIdentity;
  options: {
    mode: ResolvedSyncOptions['mode'];
    include: string[];
    exclude: string[];
    shouldDelete: boolean;
    shouldDeleteExcluded: boolean;
    multipartThresholdBytes: number;
    partSizeBytes: number;
    maxFailureDetails: number;
    failFast: boolean;
    /** Absent in jobs written before tags were carried: then the default (true). */
    copyTags?: boolean;
    objectSettings?: ObjectSettings;
    /** Absent when not given (and in older jobs). Ages as given: counted back from each pass's start. */
    minSizeBytes?: number;
    maxSizeBytes?: number;
    minAge?: string;
    maxAge?: string;
  };
};

export function jobSpecOf(resolved: ResolvedSyncOptions, identity: JobIdentity): JobSpec {
  return {
    format: 's3ferry-job',
    version: 1,
    src: resolved.src,
    dst: resolved.dst,
    identity,
    options: {
      mode: resolved.mode,
      include: resolved.include,
      exclude: resolved.exclude,
      shouldDelete: resolved.shouldDelete,
      shouldDeleteExcluded: resolved.shouldDeleteExcluded,
      multipartThresholdBytes: resolved.multipartThresholdBytes,
      partSizeBytes: resolved.partSizeBytes,
      maxFailureDetails: resolved.maxFailureDetails,
      failFast: resolved.failFast,
      copyTags: resolved.copyTags,
      ...(resolved.objectSettings === undefined ? {} : { objectSettings: resolved.objectSettings }),
      ...sizeAgeOf(resolved),
    },
  };
}

/** A worker's own settings: threads and copies at once (not part of the job). */
export type WorkerSettings = Pick<
  SyncOptions,
  'workers' | 'tasksPerWorker' | 'partConcurrency' | 'config' | 'progressIntervalMs'
>;

/** The sync options a worker runs one range of `spec` with. */
export function rangeSyncOptions(spec: JobSpec, settings: WorkerSettings): SyncOptions {
  return {
    src: spec.src,
    dst: spec.dst,
    ...spec.options,
    ...settings,
    listConcurrency: 1,
  };
}

/** The size and age options that were given. */
function sizeAgeOf(options: SizeAgeOptions): SizeAgeOptions {
  const given: SizeAgeOptions = {};
  if (options.minSizeBytes !== undefined) given.minSizeBytes = options.minSizeBytes;
  if (options.maxSizeBytes !== undefined) given.maxSizeBytes = options.maxSizeBytes;
  if (options.minAge !== undefined) given.minAge = options.minAge;
  if (options.maxAge !== undefined) given.maxAge = options.maxAge;
  return given;
}
