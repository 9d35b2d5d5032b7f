// Text forms of sync events for people (summary, failures, verbose lines, status line) and the
// exit code of a finished run. Pure functions: progress.ts and commands/sync.ts print them.
import { describeRange } from '../plan/key-range.ts';
import { formatCount, printable } from '../shared/display.ts';
import { bytesRateOf, etaOf } from '../engine/summary.ts';
import type { ProgressSnapshot, SyncEvent, SyncSummary } from '../engine/events.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { RequestCounts } from '../shared/protocol.ts';
import { messageWithHint } from './error-line.ts';
import { formatBytes } from './size.ts';
import { tempFilesLine } from './temp-files-output.ts';

/** The exit code of a run's outcome: 0 ok, 1 some objects failed, 3 fatal, 130 interrupted. */
export function exitCodeOfStatus(status: SyncSummary['status']): ExitCode {
  switch (status) {
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

/** 0 ok, 1 some objects failed, 3 fatal, 130 interrupted. */
export function exitCodeOf(summary: SyncSummary): ExitCode {
  return exitCodeOfStatus(summary.status);
}

/** `1,234`. */
export function count(n: number): string {
  return formatCount(n);
}

/** `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes per second so far, or undefined before there is anything to measure. */
export function throughput(snapshot: ProgressSnapshot): number | undefined {
  return snapshot.bytesPerSecond ?? bytesRateOf(snapshot);
}

/** Seconds left (see etaOf); undefined while unknown (listing not done, no rate yet). */
export function etaSeconds(snapshot: ProgressSnapshot): number | undefined {
  return snapshot.etaSeconds ?? etaOf(snapshot);
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

/** What the listing has found so far, apart from the copies: `listed 1,234 keys (done)`. */
export function listingText(snapshot: ProgressSnapshot): string {
  return snapshot.isListingDone
    ? `listed ${count(snapshot.objectsListed)} keys (done)`
    : `listing: ${count(snapshot.objectsListed)} keys so far`;
}

/** One status line for a log (not a TTY): the listing, then the copies against their totals. */
export function statusLine(snapshot: ProgressSnapshot): string {
  const rate = throughput(snapshot);
  const copies = snapshot.copied + snapshot.failed;
  const plus = snapshot.isListingDone ? '' : '+';
  return (
    `s3ferry: ${listingText(snapshot)}; copies ${count(copies)}/${count(snapshot.objectsToCopy)}${plus} ` +
    `(${count(snapshot.copied)} copied, ${count(snapshot.failed)} failed), ${count(snapshot.skipped)} skipped; ` +
    `${formatBytes(snapshot.bytesCopied)}/${formatBytes(snapshot.bytesToCopy)}${plus}` +
    (rate === undefined ? '' : ` at ${formatBytes(rate)}/s`) +
    // While listing goes on the work left is unknown (as on the TTY bars): no ETA yet.
    `, ETA ${formatEta(etaSeconds(snapshot))}\n`
  );
}

/** `-v`: `copy KEY (missing)` / `skip KEY (same)`; undefined for other events. */
export function verboseLine(event: SyncEvent): string | undefined {
  if (event.kind !== 'object') return undefined;
  const key = event.key === '' ? '(the source object)' : printable(event.key);
  const how = event.method === undefined ? '' : `, ${event.method}`;
  const fallback =
    event.isChecksumFallback === true ? ', checksum not comparable: compared size and time' : '';
  return `${event.action} ${key} (${event.reason}${how}${fallback})\n`;
}

/** One line per failure: the key, the error code, the message and the hint. */
export function failureLine(event: Extract<SyncEvent, { kind: 'failure' }>): string {
  const { code, message, hint } = event.error;
  return `s3ferry: failed: ${printable(event.src)}: ${code}: ${messageWithHint(message, hint)}\n`;
}

/** `--dry-run`: `would copy KEY (missing, 1.2 KiB)` / `would delete KEY (extraneous)`; else undefined. */
export function planLine(event: SyncEvent): string | undefined {
  if (event.kind !== 'object' || event.action === 'skip') return undefined;
  const key = event.key === '' ? '(the source object)' : printable(event.key);
  const size = event.action === 'copy' ? `, ${formatBytes(event.sizeBytes)}` : '';
  return `would ${event.action} ${key} (${event.reason}${size})\n`;
}

/** One line per destination key `--delete` could not delete. */
export function deleteFailureLine(event: Extract<SyncEvent, { kind: 'delete-failure' }>): string {
  const { code, message, hint } = event.error;
  return `s3ferry: delete failed: ${printable(event.dst)}: ${code}: ${messageWithHint(message, hint)}\n`;
}

/**
 * Why `--delete` deleted nothing, in one line (printed even with `-q`), or undefined when it did
 * its job or was not asked for.
 */
export function deletesSkippedLine(summary: SyncSummary): string | undefined {
  const n = count(summary.isDryRun ? summary.objects.wouldDelete : summary.objects.extraneous);
  const kept = summary.isDryRun ? 'would be kept' : 'were kept';
  switch (summary.deletesSkippedReason) {
    case undefined:
      return undefined;
    case 'max-delete':
      return (
        `s3ferry: --max-delete ${count(summary.maxDelete ?? 0)}: ${n} deletes would happen, ` +
        `more than allowed: nothing ${summary.isDryRun ? 'would be' : 'was'} deleted\n`
      );
    case 'empty-source':
      return (
        `s3ferry: not deleting: the source ${printable(summary.src)} listed no objects, so the ${n} keys only ` +
        `at the destination ${kept} (an empty source is more often a wrong path or endpoint; ` +
        `pass --allow-empty-source to delete them)\n`
      );
    case 'copy-failures':
      return `s3ferry: not deleting: ${count(summary.objects.failed)} objects failed, so the ${n} keys only at the destination ${kept} (--delete deletes only after every copy succeeded)\n`;
    case 'interrupted':
      return `s3ferry: not deleting: the run was interrupted, so the ${n} keys only at the destination ${kept}\n`;
    case 'fatal':
      return `s3ferry: not deleting: the run stopped on an error, so the ${n} keys only at the destination ${kept}\n`;
  }
}

/** Request counts by operation, biggest first: `CopyObject 10,000, ListObjectsV2 11`, or `none`. */
export function requestCountsText(requests: RequestCounts): string {
  const entries = Object.entries(requests).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return 'none';
  return entries.map(([op, n]) => `${op} ${count(n)}`).join(', ');
}

/** The requests by operation, biggest first: `CopyObject 10,000, ListObjectsV2 11`. */
export function requestsText(summary: SyncSummary): string {
  return requestCountsText(summary.requests);
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
    `s3ferry: ${heading[summary.status]}: ${printable(summary.src)} -> ${printable(summary.dst)} in ${seconds(summary.durationMs)}`,
    `  objects: ${count(o.listed)} listed, ${count(o.copied)} copied (${formatBytes(summary.bytes.copied)}), ` +
      `${count(o.skipped)} skipped, ${count(o.failed)} failed` +
      (o.cancelled > 0 ? `, ${count(o.cancelled)} cancelled` : '') +
      (o.extraneous > 0 && !summary.shouldDelete
        ? `, ${count(o.extraneous)} only at the destination (kept)`
        : ''),
    `  requests: ${count(summary.requestsTotal)} (${requestsText(summary)})`,
    `  clients: ${clients === '' ? 'none' : clients} (${summary.clientCacheMode}, ${summary.workers} workers)`,
  ];
  if (summary.isMove === true && summary.status !== 'fatal' && summary.status !== 'interrupted') {
    lines[0] = lines[0]?.replace(/^s3ferry: synced/, 's3ferry: moved') ?? '';
  }
  if (summary.isDryRun) {
    lines[0] = `s3ferry: dry run (nothing changed): ${printable(summary.src)} -> ${printable(summary.dst)} in ${seconds(summary.durationMs)}`;
    lines[1] =
      `  plan: ${count(o.wouldCopy)} to copy (${formatBytes(summary.bytes.wouldCopy)}), ` +
      `${count(o.skipped)} unchanged` +
      (summary.shouldDelete
        ? `, ${count(o.wouldDelete)} to delete`
        : o.extraneous > 0
          ? `, ${count(o.extraneous)} only at the destination (kept)`
          : '') +
      (o.failed > 0 ? `, ${count(o.failed)} failed` : '');
    const plan = summary.plan;
    if (plan !== undefined) {
      lines.splice(
        2,
        0,
        `  cost of the real run: ${count(plan.requestsTotal)} requests (${requestCountsText(plan.requests)}), ` +
          `${formatBytes(plan.bytesThrough)} through s3ferry, ${formatBytes(plan.bytesServerSide)} copied server-side`,
      );
    }
  } else if (summary.isMove === true) {
    lines.splice(
      2,
      0,
      `  moved: ${count(o.sourcesDeleted)} sources deleted after their copies were verified` +
        (o.copied > o.sourcesDeleted
          ? `, ${count(o.copied - o.sourcesDeleted)} kept (see the failures)`
          : ''),
    );
  } else if (summary.shouldDelete) {
    lines.splice(
      2,
      0,
      `  deletes: ${count(o.deleted)} deleted, ${count(o.deleteFailed)} failed` +
        (summary.deletesSkippedReason === undefined
          ? ''
          : ` (${count(o.extraneous)} kept: ${summary.deletesSkippedReason})`),
    );
  }
  if (summary.bucketCreated !== undefined) {
    lines.splice(1, 0, `  created bucket ${printable(summary.bucketCreated)} (--create-bucket)`);
  }
  const distributed = summary.distributed;
  if (distributed !== undefined) {
    // The workers' threads and clients are theirs: this line replaces the local clients line.
    lines[lines.length - 1] = distributedLine(summary, distributed);
  }
  const { shard } = summary;
  if (shard !== undefined) {
    lines.push(
      `  shard: ${shard.index}/${shard.count} ${describeRange(shard)} of plan ${printable(shard.plan)}`,
    );
  }
  const job = summary.checkpoint;
  if (job !== undefined) {
    lines.push(
      `  checkpoint: ${printable(job.path)}, pass ${job.pass}, ${count(job.rangesDone)} of ${count(job.ranges)} ranges done` +
        (summary.status === 'ok' || summary.status === 'partial'
          ? ' (finished: the next run starts a new pass)'
          : ' (run the same command again to resume)'),
    );
    const r = job.resumed;
    if (r !== undefined) {
      lines.push(
        `  resumed: the pass started ${r.passStartedAt}; ${count(r.keysNotRelisted)} keys not listed again ` +
          `(${count(r.rangesSkipped)} ranges done), earlier runs copied ${count(r.copied)} (${formatBytes(r.copiedBytes)}), ` +
          `skipped ${count(r.skipped)}, failed ${count(r.failed)}` +
          (r.uploadsContinued.length > 0
            ? `; ${count(r.uploadsContinued.length)} multipart uploads continued`
            : '') +
          (r.uploadsAborted > 0 ? `; ${count(r.uploadsAborted)} stale uploads aborted` : ''),
      );
    }
  }
  if (o.unverified > 0) {
    lines.push(
      `  integrity: ${count(o.unverified)} copied objects were not verified end to end (KMS- or customer-key-encrypted sources, multipart sources whose part layout is unknown, single-part sources copied in parallel parts)`,
    );
  }
  if (summary.checksumFallbacks > 0) {
    lines.push(
      `  checksum: ${count(summary.checksumFallbacks)} objects had no comparable MD5/ETag (multipart or empty ETag) and were compared by size and time`,
    );
  }
  const temp = tempFilesLine(summary.tempFiles, summary.isDryRun ? 'would-remove' : 'removed');
  if (temp !== undefined) lines.push(temp);
  if (summary.fatal !== undefined && !isFatalAFailure(summary)) {
    const { code, message, hint } = summary.fatal;
    lines.push(`  error: ${code}: ${messageWithHint(message, hint)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * True when the error that stopped the run is one object's failure (a full or read-only
 * destination), already printed as that object's `failed:` line: the summary does not repeat it,
 * and `-q` prints nothing more.
 */
export function isFatalAFailure(summary: SyncSummary): boolean {
  const { fatal } = summary;
  if (fatal === undefined) return false;
  return summary.failures.some(
    (f) => f.error.code === fatal.code && f.error.message === fatal.message,
  );
}

/** `job NAME on redis://…, pass 1, 12 of 12 ranges done; workers: a.1 (4 ranges, 1,200 copied, ListObjectsV2 9), …` */
function distributedLine(summary: SyncSummary, d: NonNullable<SyncSummary['distributed']>): string {
  const workers = Object.entries(d.workers).map(([id, c]) => {
    const lists = c['req.ListObjectsV2'] ?? 0;
    return `${printable(id)} (${count(c['ranges'] ?? 0)} ranges, ${count(c['copied'] ?? 0)} copied, ListObjectsV2 ${count(lists)})`;
  });
  const ended =
    summary.status === 'ok' || summary.status === 'partial'
      ? ''
      : ' (run the same command again to re-attach)';
  return (
    `  job: ${printable(d.job)} on ${d.queue}, pass ${d.pass}, ${count(d.rangesDone)} of ${count(d.ranges)} ranges done${ended}; ` +
    `workers: ${workers.length === 0 ? 'none reported' : workers.join(', ')}`
  );
}
