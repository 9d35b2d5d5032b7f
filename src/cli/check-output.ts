// Text forms of a check for people: one line per difference, `-v` lines for keys found the same,
// failure lines, the summary, the progress display (bars on a TTY, status lines in a log) and the
// exit code. Pure functions except the display, which writes through the CLI's io.
import { printable } from '../shared/display.ts';
import type { CheckEvent, CheckProgress, CheckSummary, ComparedBy } from '../engine/check.ts';
import type { ExitCode } from '../shared/exit-codes.ts';
import { messageWithHint } from './error-line.ts';
import { createViewDisplay, silentDisplay } from './progress.ts';
import type { EventDisplay, ProgressDisplayOptions, ProgressView } from './progress.ts';
import { formatBytes } from './size.ts';
import { tempFilesLine } from './temp-files-output.ts';
import { count, exitCodeOfStatus, requestCountsText, seconds } from './sync-output.ts';

/** 0 match, 1 differ or incomplete, 3 fatal, 130 interrupted. */
export function checkExitCode(summary: CheckSummary): ExitCode {
  const { status } = summary;
  if (status === 'match') return exitCodeOfStatus('ok');
  return exitCodeOfStatus(status === 'differ' || status === 'incomplete' ? 'partial' : status);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A key on one line, control characters escaped ({@link printable}). */
function keyText(key: string): string {
  return key === '' ? '(the object)' : printable(key);
}

const COMPARED_BY_TEXT: Record<ComparedBy, string> = {
  etag: 'etag',
  md5: 'md5',
  download: 'download',
  'size-only': 'size only',
};

/**
 * One line per difference, for stdout: `missing: KEY`, `extra: KEY`,
 * `differs (size 10 ≠ 12): KEY` (source size first), `differs (md5): KEY`.
 */
export function differenceLine(event: CheckEvent & { kind: 'difference' }): string {
  const key = keyText(event.key);
  switch (event.difference) {
    case 'missing':
      return `missing: ${key}\n`;
    case 'extra':
      return `extra: ${key}\n`;
    case 'size-differs':
      return `differs (size ${event.srcSizeBytes ?? '?'} ≠ ${event.dstSizeBytes ?? '?'}): ${key}\n`;
    case 'md5-differs':
      return `differs (md5): ${key}\n`;
  }
}

/** `-v`: `same (etag): KEY`, `same (size only): KEY`… */
export function sameLine(event: CheckEvent & { kind: 'same' }): string {
  return `same (${COMPARED_BY_TEXT[event.comparedBy]}): ${keyText(event.key)}\n`;
}

/** A key that could not be compared (its read failed): path, error code, message and hint. */
export function checkFailureLine(event: CheckEvent & { kind: 'failure' }): string {
  const { code, message, hint } = event.error;
  return `s3ferry: not compared: ${event.key === '' ? printable(event.src) : keyText(event.key)}: ${code}: ${messageWithHint(message, hint)}\n`;
}

/** The warning of a check whose source listed nothing (printed even with -q). */
export function sourceEmptyLine(summary: CheckSummary): string {
  return (
    `s3ferry: check: the source ${printable(summary.src)} is empty: all ${count(summary.objects.listedDestination)} ` +
    `keys at the destination are extra (a wrong path or endpoint?)\n`
  );
}

/** The end-of-check summary for people (stderr). */
export function checkSummaryText(summary: CheckSummary): string {
  const o = summary.objects;
  const c = summary.comparedBy;
  const differing = o.sizeDiffers + o.md5Differs;
  const differences = o.missing + o.extra + differing;
  const range = `${printable(summary.src)} -> ${printable(summary.dst)}`;
  const heading: Record<CheckSummary['status'], string> = {
    match: `the destination matches the source: ${range}`,
    differ: `the destination differs from the source (${plural(differences, 'difference')}): ${range}`,
    incomplete: `no difference found, but ${plural(o.failed, 'key')} could not be compared: ${range}`,
    interrupted: `interrupted: ${range}`,
    fatal: `stopped by an error: ${range}`,
  };
  const byContent = c.etag + c.md5 + c.download;
  const how = [
    c.etag > 0 ? `${count(c.etag)} by ETag` : '',
    c.md5 > 0 ? `${count(c.md5)} by MD5` : '',
    c.download > 0 ? `${count(c.download)} by reading both sides` : '',
  ].filter((text) => text !== '');
  const lines = [
    `s3ferry: check: ${heading[summary.status]} in ${seconds(summary.durationMs)}`,
    `  keys: ${count(o.listed)} at the source, ${count(o.listedDestination)} at the destination: ` +
      `${count(o.same)} same, ${count(o.missing)} missing, ${count(o.extra)} extra, ` +
      `${count(differing)} differ` +
      (differing > 0 ? ` (${count(o.sizeDiffers)} size, ${count(o.md5Differs)} md5)` : '') +
      `, ${count(o.failed)} not compared` +
      (o.cancelled > 0 ? `, ${count(o.cancelled)} cancelled` : ''),
    `  content: ${count(byContent)} of the same keys verified` +
      (how.length > 0 ? ` (${how.join(', ')})` : '') +
      `, ${count(c.sizeOnly)} compared by size only`,
  ];
  if (c.sizeOnly > 0) {
    lines.push(
      `  not verified by content: ${plural(c.sizeOnly, 'key')} had no comparable fingerprint ` +
        `(multipart or non-MD5 ETag) and only the size was compared; --download reads both sides to compare them`,
    );
  }
  lines.push(
    `  bytes: ${formatBytes(summary.bytes.listed)} listed at the source, ${formatBytes(summary.bytes.hashed)} read to hash`,
    `  requests: ${count(summary.requestsTotal)} (${requestCountsText(summary.requests)})`,
  );
  const temp = tempFilesLine(summary.tempFiles, 'found');
  if (temp !== undefined) lines.push(temp);
  if (summary.isDifferenceListTruncated) {
    lines.push(
      `  the report lists the first ${count(summary.differences.length)} differences (all were printed)`,
    );
  }
  if (summary.fatal !== undefined) {
    const { code, message, hint } = summary.fatal;
    lines.push(`  error: ${code}: ${messageWithHint(message, hint)}`);
  }
  return `${lines.join('\n')}\n`;
}

function hashRate(progress: CheckProgress): number | undefined {
  if (progress.elapsedMs < 200 || progress.bytesHashed === 0) return undefined;
  return (progress.bytesHashed / progress.elapsedMs) * 1000;
}

function keyTotal(progress: CheckProgress): string {
  return `${count(progress.keysListed)}${progress.isListingDone ? '' : '+'}`;
}

/** One status line for a log (not a TTY). */
export function checkStatusLine(progress: CheckProgress): string {
  const rate = hashRate(progress);
  const hashed =
    progress.bytesToHash > 0 || progress.bytesHashed > 0
      ? `; hashed ${formatBytes(progress.bytesHashed)}/${formatBytes(progress.bytesToHash)}` +
        (rate === undefined ? '' : ` at ${formatBytes(rate)}/s`)
      : '';
  return (
    `s3ferry: checked ${count(progress.objectsChecked)}/${keyTotal(progress)} keys` +
    `${progress.isListingDone ? '' : ' (still listing)'}: ` +
    `${plural(progress.differences, 'difference')}, ${count(progress.failed)} not compared${hashed}\n`
  );
}

/** Shows a check's progress on stderr; `log` prints a line without breaking the bars. */
export type CheckProgressDisplay = EventDisplay<CheckEvent>;

/** Options of {@link createCheckProgressDisplay}. */
export type CheckProgressDisplayOptions = ProgressDisplayOptions & {
  /** Nothing but logged lines (`-q`, `--json`). */
  isSilent?: boolean;
};

const CHECK_VIEW: ProgressView<CheckProgress> = {
  statusLine: checkStatusLine,
  labels: ['keys   ', 'hashed '],
  draw(p, keys, bytes) {
    keys.setTotal(Math.max(1, p.keysListed));
    keys.update(p.objectsChecked, {
      text:
        `${count(p.objectsChecked)}/${keyTotal(p)}  differences ${count(p.differences)}` +
        `  not compared ${count(p.failed)}${p.isListingDone ? '' : '  (still counting)'}`,
    });
    const rate = hashRate(p);
    bytes.setTotal(Math.max(1, p.bytesToHash));
    bytes.update(Math.min(p.bytesHashed, Math.max(1, p.bytesToHash)), {
      text:
        `${formatBytes(p.bytesHashed)}/${formatBytes(p.bytesToHash)}${p.isListingDone ? '' : '+'}` +
        `  ${rate === undefined ? '-' : `${formatBytes(rate)}/s`}`,
    });
  },
};

/** Bars on a TTY, a status line every few seconds otherwise, nothing when silent. */
export function createCheckProgressDisplay(
  options: CheckProgressDisplayOptions,
): CheckProgressDisplay {
  if (options.isSilent === true) return silentDisplay<CheckEvent>(options.io);
  return createViewDisplay<CheckEvent>(options, CHECK_VIEW);
}
