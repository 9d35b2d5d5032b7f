// Text forms of the everyday commands' results (ls lines and total, stat fields, rm summary,
// uploads lines and summaries).
// Pure functions.
import { formatCount, printable } from '../shared/display.ts';
import type { LsEntry } from '../engine/ls.ts';
import type { RemoveSummary } from '../engine/rm.ts';
import type { StatResult } from '../engine/inspect.ts';
import type { AbortUploadsSummary, UploadEntry } from '../engine/uploads.ts';
import { formatAge } from '../shared/duration.ts';
import { formatBytes } from './size.ts';

/**
 * megfile's human size (`get_human_size`): `0 B`, `512 B`, `1.5 KB`, `2.0 MB` — powers of 1024,
 * rounded to two decimals, Python's float formatting (at least one decimal).
 */
export function megfileHumanSize(bytes: number): string {
  if (bytes <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  const index = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1);
  if (index === 0) return `${bytes} B`;
  const value = Math.round((bytes / 1024 ** index) * 100) / 100;
  const text = Number.isInteger(value) ? value.toFixed(1) : String(value);
  return `${text} ${units[index] ?? ''}`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-mm-dd HH:MM:SS` in local time (megfile's `time.localtime`). */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** How `ls` prints. */
export type LsFormat = { isLong: boolean; isHuman: boolean; isFull: boolean };

/**
 * One `ls` line: the name (or full path with `-f`); with `-l` megfile's
 * `%12d YYYY-mm-dd HH:MM:SS name` (`-h`: `%10s` human size). Directories show size 0 and, for S3
 * prefixes (which have no time), the epoch, as megfile does.
 */
export function lsLine(entry: LsEntry, format: LsFormat): string {
  const name = printable(format.isFull ? entry.path : entry.name);
  if (!format.isLong) return `${name}\n`;
  const size = format.isHuman
    ? megfileHumanSize(entry.sizeBytes).padStart(10)
    : String(entry.sizeBytes).padStart(12);
  return `${size} ${localTime(entry.mtimeMs ?? 0)} ${name}\n`;
}

/** megfile's closing line of `ls -l`: `total(N): <human size>`. */
export function totalLine(count: number, bytes: number): string {
  return `total(${count}): ${megfileHumanSize(bytes)}\n`;
}

const STAT_LABELS: [Exclude<keyof StatResult, 'metadata'>, string][] = [
  ['path', 'path'],
  ['type', 'type'],
  ['size', 'size'],
  ['lastModified', 'last modified'],
  ['etag', 'etag'],
  ['contentType', 'content type'],
  ['contentEncoding', 'content encoding'],
  ['cacheControl', 'cache control'],
  ['contentDisposition', 'content disposition'],
  ['storageClass', 'storage class'],
  ['versionId', 'version id'],
  ['mode', 'mode'],
  ['isSymlink', 'symlink'],
];

/** `stat`'s human form: one `label: value` line per field present, metadata last. */
export function statText(result: StatResult): string {
  const lines: string[] = [];
  for (const [field, label] of STAT_LABELS) {
    const value = result[field];
    if (value === undefined) continue;
    let text = String(value);
    if (field === 'size' && typeof value === 'number') text = `${value} (${formatBytes(value)})`;
    if (field === 'isSymlink') text = value === true ? 'yes' : 'no';
    if (field === 'lastModified' && result.mtimeMs !== undefined) {
      text = `${text} (local ${localTime(result.mtimeMs)})`;
    }
    lines.push(`${`${label}:`.padEnd(21)}${printable(text)}`);
  }
  if (result.metadata !== undefined) {
    const entries = Object.entries(result.metadata);
    if (entries.length === 0) lines.push(`${'metadata:'.padEnd(21)}(none)`);
    for (const [name, value] of entries) {
      lines.push(`${`metadata ${printable(name)}:`.padEnd(21)}${printable(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `rm`'s summary line (stderr): what was (or would be) removed, failures and interruption. */
export function removeSummaryLine(path: string, summary: RemoveSummary): string {
  const n = formatCount(summary.removed);
  const what = `${n} object${summary.removed === 1 ? '' : 's'} (${formatBytes(summary.bytes)})`;
  const failed = summary.failed > 0 ? `; ${formatCount(summary.failed)} could not be removed` : '';
  const stopped = summary.isInterrupted ? ' before it was interrupted' : '';
  if (summary.isDryRun)
    return `s3ferry: dry run: would remove ${what} at ${printable(path)}; nothing was removed\n`;
  return `s3ferry: removed ${what} at ${printable(path)}${stopped}${failed}\n`;
}

/** `1 multipart upload`, `2 multipart uploads`. */
function uploadsCount(n: number): string {
  return `${formatCount(n)} multipart upload${n === 1 ? '' : 's'}`;
}

/**
 * One `uploads` line (stdout): when the upload was created (ISO 8601, UTC, to the second), its
 * age, its upload id and its full path, escaped; `-` and `?` when the server gave no time.
 */
export function uploadLine(upload: UploadEntry): string {
  const initiated =
    upload.initiated === undefined
      ? '-'.padEnd(20)
      : upload.initiated.toISOString().replace(/\.\d+Z$/, 'Z');
  const age = upload.ageMs === undefined ? '?' : formatAge(upload.ageMs);
  return `${initiated}  ${age.padStart(6)}  ${printable(upload.uploadId)}  ${printable(upload.url)}\n`;
}

/**
 * `uploads`' closing line (stderr) after a listing: how many are in progress at PATH and, with
 * `--older-than`, how many of them are that old (the ones printed).
 */
export function listedUploadsLine(
  path: string,
  counts: { listed: number; shown: number; olderThanMs: number | undefined },
): string {
  const at = printable(path);
  if (counts.listed === 0) return `s3ferry: no multipart uploads in progress at ${at}\n`;
  if (counts.olderThanMs === undefined || counts.olderThanMs === 0) {
    return `s3ferry: ${uploadsCount(counts.listed)} in progress at ${at}\n`;
  }
  return (
    `s3ferry: ${formatCount(counts.shown)} of ${uploadsCount(counts.listed)} ` +
    `in progress at ${at} ${counts.shown === 1 ? 'is' : 'are'} older than ${formatAge(counts.olderThanMs)}\n`
  );
}

/** `uploads --abort`'s closing line (stderr): aborted (or would be), left alone, failed, stopped. */
export function abortedUploadsLine(summary: AbortUploadsSummary): string {
  const age = summary.olderThanMs === 0 ? '' : ` older than ${formatAge(summary.olderThanMs)}`;
  const what = `${uploadsCount(summary.aborted)}${age} at ${printable(summary.path)}`;
  const kept = summary.kept > 0 ? `; ${formatCount(summary.kept)} newer left alone` : '';
  if (summary.isDryRun) {
    return `s3ferry: dry run: would abort ${what}${kept}; nothing was aborted\n`;
  }
  const gone = summary.alreadyGone > 0 ? ` (${formatCount(summary.alreadyGone)} already gone)` : '';
  const stopped = summary.isInterrupted ? ' before it was interrupted' : '';
  const failed = summary.failed > 0 ? `; ${formatCount(summary.failed)} could not be aborted` : '';
  return `s3ferry: aborted ${what}${gone}${stopped}${kept}${failed}\n`;
}
