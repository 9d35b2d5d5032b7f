// Which multipart uploads `uploads --abort` selects by age: pure, so the CLI can show the default
// in its help without loading the engine.
import type { UploadEntry } from './uploads.ts';

/** Older than this the default selection of `abortUploads` (24 hours). */
export const DEFAULT_ABORT_OLDER_THAN_MS = 24 * 60 * 60 * 1000;

/** True when `upload` is at least `olderThanMs` old; 0 selects every upload, even of unknown age. */
export function isOlderThan(upload: Pick<UploadEntry, 'ageMs'>, olderThanMs: number): boolean {
  if (olderThanMs === 0) return true;
  return upload.ageMs !== undefined && upload.ageMs >= olderThanMs;
}
