// Text forms of sync events for people (summary, failures, verbose lines, status line) and the
// exit code of a finished run. Pure functions: progress.ts and commands/sync.ts print them.
import type { ProgressSnapshot, SyncEvent, SyncSummary } from '../engine/events.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { messageWithHint } from './error-line.ts';
import { formatBytes } from './size.ts';

/** 0 ok, 1 some objects failed, 3 fatal, 130 interrupted. */
export function exitCodeOf(summary: SyncSummary): ExitCode {
  switch (summary.status) {
    case 'ok':
      return ExitCode.Ok;
    case 'partial':
      return ExitCode.Partial;
    case 'interrupted':
      return ExitCode.Interrupted;
    case 'fatal':
      return ExitCode.Fatal;
  }
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes per second so far, or undefined before there is anything to measure. */
export function throughput(snapshot: ProgressSnapshot): number | undefined {
  if (snapshot.elapsedMs < 200 || snapshot.bytesCopied === 0) return undefined;
  return (snapshot.bytesCopied / snapshot.elapsedMs) * 1000;
}

/** Seconds left at the current rate; undefined while unknown. */
export function etaSeconds(snapshot: ProgressSnapshot): number | undefined {
  const rate = throughput(snapshot);
  if (rate === undefined) return undefined;
  return Math.max(0, (snapshot.bytesToCopy - snapshot.bytesCopied) / rate);
}

/** `1:02:03` / `2:03`, or `?`. */
export function formatEta(secondsLeft: number | undefined): string {
  if (secondsLeft === undefined || !Number.isFinite(secondsLeft)) return '?';
  const s = Math.round(secondsLeft);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The object total, with `+` while listing still counts (`1,200+`). */
export function objectTotal(snapshot: ProgressSnapshot): string {
  return `${count(snapshot.objectsListed)}${snapshot.isListingDone ? '' : '+'}`;
}

/** One status line for a log (not a TTY). */
export function statusLine(snapshot: ProgressSnapshot): string {
  const rate = throughput(snapshot);
  const listing = snapshot.isListingDone ? '' : ' (still listing)';
  return (
    `s3ferry: ${count(snapshot.objectsDone)}/${objectTotal(snapshot)} objects${listing}: ` +
    `${count(snapshot.copied)} copied, ${count(snapshot.skipped)} skipped, ` +
    `${count(snapshot.failed)} failed; ${formatBytes(snapshot.bytesCopied)}/` +
    `${formatBytes(snapshot.bytesToCopy)}${rate === undefined ? '' : ` at ${formatBytes(rate)}/s`}` +
    // While listing goes on the bytes left are unknown (as on the TTY bars): no ETA yet.
    `, ETA ${snapshot.isListingDone ? formatEta(etaSeconds(snapshot)) : '?'}\n`
  );
}

/** `-v`: `copy KEY (missing)` / `skip KEY (same)`; undefined for other events. */
export function verboseLine(event: SyncEvent): string | undefined {
  if (event.kind !== 'object') return undefined;
  const key = event.key === '' ? '(the source object)' : JSON.stringify(event.key).slice(1, -1);
  const how = event.method === undefined ? '' : `, ${event.method}`;
  const fallback =
    event.isChecksumFallback === true ? ', checksum not comparable: compared size and time' : '';
  return `${event.action} ${key} (${event.reason}${how}${fallback})\n`;
}

/** One line per failure: the key, the error code, the message and the hint. */
export function failureLine(event: Extract<SyncEvent, { kind: 'failure' }>): string {
  const { code, message, hint } = event.error;
  return `s3ferry: failed: ${event.src}: ${code}: ${messageWithHint(message, hint)}\n`;
}

/** The requests by operation, biggest first: `CopyObject 10,000, ListObjectsV2 11`. */
export function requestsText(summary: SyncSummary): string {
  const entries = Object.entries(summary.requests).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return 'none';
  return entries.map(([op, n]) => `${op} ${count(n)}`).join(', ');
}

/** The end-of-run summary for people (stderr). */
export function summaryText(summary: SyncSummary): string {
  const o = summary.objects;
  const heading: Record<SyncSummary['status'], string> = {
    ok: 'synced',
    partial: 'synced with failures',
    interrupted: 'interrupted',
    fatal: 'stopped by an error',
  };
  const clients = Object.entries(summary.clientsBuilt)
    .map(([profile, n]) => `${profile} ${n}`)
    .join(', ');
  const lines = [
    `s3ferry: ${heading[summary.status]}: ${summary.src} -> ${summary.dst} in ${seconds(summary.durationMs)}`,
    `  objects: ${count(o.listed)} listed, ${count(o.copied)} copied (${formatBytes(summary.bytes.copied)}), ` +
      `${count(o.skipped)} skipped, ${count(o.failed)} failed` +
      (o.cancelled > 0 ? `, ${count(o.cancelled)} cancelled` : '') +
      (o.extraneous > 0 ? `, ${count(o.extraneous)} only at the destination (kept)` : ''),
    `  requests: ${count(summary.requestsTotal)} (${requestsText(summary)})`,
    `  clients: ${clients === '' ? 'none' : clients} (${summary.clientCacheMode}, ${summary.workers} workers)`,
  ];
  if (summary.checksumFallbacks > 0) {
    lines.push(
      `  checksum: ${count(summary.checksumFallbacks)} objects had no comparable MD5/ETag (multipart or empty ETag) and were compared by size and time`,
    );
  }
  if (summary.fatal !== undefined) {
    const { code, message, hint } = summary.fatal;
    lines.push(`  error: ${code}: ${messageWithHint(message, hint)}`);
  }
  return `${lines.join('\n')}\n`;
}
