// Temp files a killed run left in a local destination (temp-name.ts): which ones are stale, and
// the sweep a run does as its listing meets them — remove the stale ones (sync, cp), or only
// count them (a dry run, check). Files another process may still be writing are never touched.
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseTempName, THIS_WRITER } from './temp-name.ts';
import type { TempWriter } from './temp-name.ts';

/**
 * A temp file whose writer cannot be asked (an older name without one, or another host's) is stale
 * only when it was last written this long before the run started. A live writer touches its file
 * far more often: every chunk of a body, and a stalled request gives up after the idle timeout.
 */
export const UNKNOWN_WRITER_STALE_MS = 60 * 60 * 1000;

/** What {@link judgeTempFile} needs to know about this run and the machine. */
export type StaleTempContext = {
  /** When this run started (ms since the epoch). */
  runStartedMs: number;
  /** When this process started: a file with this process's PID older than that is a namesake's. */
  processStartedMs: number;
  /** This process as temp names name it. */
  self: TempWriter;
  /** True when a process with this PID exists on this host. */
  isProcessAlive(pid: number): boolean;
};

/**
 * Why a temp file is stale or kept:
 * - `writer-gone`: its writer (PID on this host) no longer runs
 * - `pid-reused`: it names this process's PID but is older than this process (a namesake's: a
 *   container's s3ferry often has the same PID on every run)
 * - `old-unknown-writer`: no writer to ask (older name, other host) and last written over
 *   {@link UNKNOWN_WRITER_STALE_MS} before the run started
 * - `written-since-start`: written after this run started (this run's, or another running one's)
 * - `this-process`: written by this process since it started (a run of this process still writing)
 * - `writer-alive`: its writer's PID runs on this host
 * - `recent-unknown-writer`: no writer to ask, and written too recently to be sure
 */
export type TempVerdict =
  | { isStale: true; reason: 'writer-gone' | 'pid-reused' | 'old-unknown-writer' }
  | {
      isStale: false;
      reason: 'written-since-start' | 'this-process' | 'writer-alive' | 'recent-unknown-writer';
    };

/**
 * Decides whether the temp file `name`, last written at `mtimeMs`, was left by a run that is gone.
 * Pure: the process table is asked through `ctx.isProcessAlive`.
 *
 * Why a PID in the name and not only an age: a run's temp file can sit untouched for minutes
 * while its writer lives (a stalled GET waits for the idle timeout, retries back off), so no
 * age threshold short enough to be useful is safe. The name's PID answers "is the writer alive"
 * directly; the host tag keeps PIDs of other hosts (a shared NFS destination) or other PID
 * namespaces with another host name (containers on one volume) from being asked here; and the
 * mtime guard keeps a PID that was reused by another process (or a file written since the run
 * started) on the safe side: such files are kept, never removed.
 */
export function judgeTempFile(name: string, mtimeMs: number, ctx: StaleTempContext): TempVerdict {
  if (mtimeMs >= ctx.runStartedMs) return { isStale: false, reason: 'written-since-start' };
  const writer = parseTempName(name)?.writer;
  if (writer === undefined || writer.hostTag !== ctx.self.hostTag || !isPid(writer.pid)) {
    return mtimeMs < ctx.runStartedMs - UNKNOWN_WRITER_STALE_MS
      ? { isStale: true, reason: 'old-unknown-writer' }
      : { isStale: false, reason: 'recent-unknown-writer' };
  }
  if (writer.pid === ctx.self.pid) {
    return mtimeMs < ctx.processStartedMs
      ? { isStale: true, reason: 'pid-reused' }
      : { isStale: false, reason: 'this-process' };
  }
  return ctx.isProcessAlive(writer.pid)
    ? { isStale: false, reason: 'writer-alive' }
    : { isStale: true, reason: 'writer-gone' };
}

/** A PID `process.kill` accepts as one process (0 and negatives address process groups). */
function isPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0 && pid <= 0x7fffffff;
}

/** True when a process with this PID exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** s3ferry temp files a run found in its local destination. Plain data (summaries, reports). */
export type TempFileSummary = {
  /** Left by a run that is gone: removed, or (dry run, check) to be removed by the next run. */
  stale: number;
  /** Stale ones this run removed (0 in a dry run and in check). */
  removed: number;
  /** Stale ones that could not be removed (each one also reported as a warning). */
  removeFailed: number;
  /** Left alone: a live process may be writing them (see {@link TempVerdict}). */
  inUse: number;
  /** The first stale ones' full paths. */
  stalePaths: string[];
  /** More stale files were found than `stalePaths` holds. */
  isPathListTruncated: boolean;
};

/** Options of {@link createTempSweep}. */
export type TempSweepOptions = {
  /** When the run started. @default now */
  runStartedMs?: number;
  /** Remove stale files (a run that writes); false: only count them (dry run, check). */
  shouldRemove: boolean;
  /** A stale file could not be removed. */
  onRemoveFailed?: (path: string, error: unknown) => void;
  /** Paths kept in the summary. @default 100 */
  maxPaths?: number;
  /** For tests: the judge's view of the machine. @default this process and host */
  context?: Partial<Omit<StaleTempContext, 'runStartedMs'>>;
};

/** One run's sweep of the temp files its destination listing meets. */
export type TempSweep = {
  /** Gives the sweep a temp file the listing found (a file met twice counts once). */
  onTempFile: (path: string, mtimeMs: number) => void;
  /** Waits for the removals started so far; undefined when no temp file was found. */
  finish: () => Promise<TempFileSummary | undefined>;
};

/** Starts the sweep of one run (see {@link judgeTempFile} for what is stale). */
export function createTempSweep(options: TempSweepOptions): TempSweep {
  const ctx: StaleTempContext = {
    runStartedMs: options.runStartedMs ?? Date.now(),
    processStartedMs: options.context?.processStartedMs ?? performance.timeOrigin,
    self: options.context?.self ?? THIS_WRITER,
    isProcessAlive: options.context?.isProcessAlive ?? isProcessAlive,
  };
  const maxPaths = options.maxPaths ?? 100;
  // Ranges listed apart read a directory they share once each: one verdict per path.
  const seen = new Set<string>();
  const removals: Promise<void>[] = [];
  const summary: TempFileSummary = {
    stale: 0,
    removed: 0,
    removeFailed: 0,
    inUse: 0,
    stalePaths: [],
    isPathListTruncated: false,
  };
  return {
    onTempFile: (path, mtimeMs) => {
      if (seen.has(path)) return;
      seen.add(path);
      const verdict = judgeTempFile(basename(path), mtimeMs, ctx);
      if (!verdict.isStale) {
        summary.inUse += 1;
        return;
      }
      summary.stale += 1;
      if (summary.stalePaths.length < maxPaths) summary.stalePaths.push(path);
      else summary.isPathListTruncated = true;
      if (!options.shouldRemove) return;
      removals.push(
        rm(path, { force: true }).then(
          () => {
            summary.removed += 1;
          },
          (error: unknown) => {
            summary.removeFailed += 1;
            options.onRemoveFailed?.(path, error);
          },
        ),
      );
    },
    finish: async () => {
      await Promise.all(removals);
      return seen.size === 0 ? undefined : { ...summary, stalePaths: [...summary.stalePaths] };
    },
  };
}
