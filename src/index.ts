// Public library API of s3ferry. Re-exports only.
export { parsePath, formatPath, isS3Path, bucketNameProblem } from './paths/path.ts';
export type { AnyPath, S3Path, LocalPath } from './paths/path.ts';
export { loadConfig, loadConfigFromProcess } from './config/load.ts';
export type { ConfigInputs, ConfigResolver } from './config/load.ts';
export { createS3Client } from './s3/client.ts';
export { ClientCache } from './s3/client-cache.ts';
export { classifyS3Error } from './s3/classify.ts';
export { S3FerryError, serializeError, deserializeError } from './shared/errors.ts';
export type { ErrorKind, SerializedError } from './shared/errors.ts';
export { ExitCode } from './shared/exit-codes.ts';
export type * from './shared/profile.ts';
export { sync } from './engine/run.ts';
export type { FilesFromOption, SyncOptions } from './engine/options.ts';
export { parseKeyList } from './plan/files-from.ts';
export type { SizeAgeOptions } from './plan/entry-filter.ts';
export type {
  CompareMode,
  FailureRecord,
  ObjectReason,
  ProgressSnapshot,
  SyncEvent,
  SyncEventListener,
  SyncSummary,
  TempFileSummary,
} from './engine/events.ts';
export type { CopyMethod, RequestCounts } from './shared/protocol.ts';
export { planShards } from './engine/plan-shards.ts';
export { RANGES_BOUND } from './engine/options.ts';
export type { PlanShardsOptions } from './engine/plan-shards.ts';
export { readPlanFile, writePlanFile } from './engine/plan-file.ts';
export type { PlannedRange, Shard, ShardPlan } from './plan/shard-plan.ts';
export { check } from './engine/check.ts';
export type {
  CheckDifference,
  CheckEvent,
  CheckEventListener,
  CheckOptions,
  CheckProgress,
  CheckSummary,
  ComparedBy,
  DifferenceKind,
} from './engine/check.ts';
export {
  abortUploads,
  DEFAULT_ABORT_OLDER_THAN_MS,
  isOlderThan,
  listUploads,
} from './engine/uploads.ts';
export type {
  AbortUploadsOptions,
  AbortUploadsSummary,
  ListUploadsOptions,
  UploadEntry,
  UploadOutcome,
  UploadResult,
} from './engine/uploads.ts';
