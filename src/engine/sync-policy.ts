// sync's policy on the march: a source key is decided by plan/decide.ts (copy, skip, or hash a
// local side first, in the check lane), a destination-only key is extraneous (spooled for
// --delete). Copies become tasks for the executor in the transfer lane. --dry-run decides the
// same way and counts what the copies would cost instead of running them.
import type { ObjectSettings } from '../shared/object-settings.ts';
import type { ProfileSpec } from '../shared/profile.ts';
import { decide } from '../plan/decide.ts';
import type { Decision, SyncDirection } from '../plan/decide.ts';
import type { JoinEntry } from '../plan/merge-join.ts';
import { choosePartSize, usesMultipart } from '../plan/parts.ts';
import { addEstimate, estimateCopy } from '../plan/cost.ts';
import type { CostEstimate } from '../plan/cost.ts';
import { isS3FerryError, serializeError, serializeUnexpected } from '../shared/errors.ts';
import type { SerializedError } from '../shared/errors.ts';
import type { CopyMethod, CopyTask, ListEntry, TaskResult } from '../shared/protocol.ts';
import type { JobBook } from '../job/job-book.ts';
import type { UploadBook } from '../job/upload-book.ts';
import type { Outcome } from '../job/watermark.ts';
import type { KeySpool } from './deletes.ts';
import type { SyncEvent } from './events.ts';
import type { TaskExecutor } from './executor.ts';
import type { MarchPolicy, RunControl } from './march.ts';
import type { ResolvedSyncOptions } from './options.ts';
import type { Root } from './roots.ts';
import type { SourceMoves } from './source-moves.ts';
import type { Roots } from './session.ts';
import { absorbTaskCounts, isCancellation } from './session.ts';
import { addRequestCounts } from './summary.ts';
import type { RunTally } from './summary.ts';

/** A source key to copy, or to hash first (`needs-hash`). */
export type SyncWork = {
  src: ListEntry;
  dst?: ListEntry;
  decision: Decision & { action: 'copy' | 'needs-hash' };
};

/** What the sync policy works with. */
export type SyncContext = {
  roots: Roots;
  executor: Pick<TaskExecutor, 'run'>;
  tally: RunTally;
  options: ResolvedSyncOptions;
  direction: SyncDirection;
  method: CopyMethod;
  /** --delete without a checkpoint: where extraneous keys wait for the delete phase. */
  spool: Pick<KeySpool, 'add'>;
  /** The job's book (checkpoint or distributed range): failures and extraneous keys are recorded there. */
  checkpoint?: JobBook | undefined;
  /** The multipart uploads of the checkpoint (handed back to copies that can continue them). */
  uploads?: UploadBook | undefined;
  /** `mv`: deletes the source of each verified copy. */
  moves?: Pick<SourceMoves, 'copied'> | undefined;
  /** --dry-run: the requests and bytes of the planned copies. */
  planned: CostEstimate;
  isCancelled: () => boolean;
  emit: (event: SyncEvent) => void;
};

/** The sync policy of one run. */
export function syncPolicy(ctx: SyncContext, run: RunControl): MarchPolicy<SyncWork> {
  const { roots, tally, options, emit } = ctx;
  let nextId = 1;

  /** A key failed; `sizeBytes`: its source object's, when known. */
  const fail = (key: string, error: SerializedError, sizeBytes = 0): void => {
    const record = { key, src: roots.src.display(key), dst: roots.dst.display(key), error };
    tally.recordFailure(record);
    tally.bytesFailed += sizeBytes;
    if (ctx.checkpoint !== undefined && tally.failed <= options.maxFailureDetails) {
      ctx.checkpoint.failed({ key, code: error.code, message: error.message });
    }
    emit({ kind: 'failure', ...record });
    if (error.fatal) run.stopFatal(error);
    else if (options.failFast) run.stop('fail-fast');
  };

  const warned = new Set<string>();
  /** A copy's warning, printed once per run however many copies meet it. */
  const warnOnce = (message: string): void => {
    if (warned.has(message)) return;
    warned.add(message);
    emit({ kind: 'warning', message });
  };

  const announce = (key: string, sizeBytes: number, decision: Decision, method?: CopyMethod) => {
    if (decision.action !== 'copy' && decision.action !== 'skip') return;
    if (decision.fallback === true) tally.checksumFallbacks += 1;
    emit({
      kind: 'object',
      key,
      action: decision.action,
      reason: decision.reason,
      sizeBytes,
      ...(method === undefined ? {} : { method }),
      ...(decision.fallback === true ? { isChecksumFallback: true } : {}),
    });
  };

  /** A decision made: skipped, counted as a planned copy (--dry-run), or work for a lane. */
  const settleDecision = (
    src: ListEntry,
    dst: ListEntry | undefined,
    decision: Decision,
  ): Outcome | { transfer: SyncWork } | { check: SyncWork } => {
    if (decision.action === 'needs-hash')
      return { check: { src, ...(dst ? { dst } : {}), decision } };
    if (decision.action !== 'copy') {
      if (decision.action === 'skip') {
        tally.skipped += 1;
        tally.bytesSkipped += src.sizeBytes;
      }
      announce(src.key, src.sizeBytes, decision);
      return 'skipped';
    }
    if (options.isDryRun) {
      tally.wouldCopy += 1;
      tally.wouldCopyBytes += src.sizeBytes;
      addEstimate(
        ctx.planned,
        estimateCopy({
          method: ctx.method,
          sizeBytes: src.sizeBytes,
          multipartThresholdBytes: options.multipartThresholdBytes,
          partSizeBytes: choosePartSize(src.sizeBytes, options.partSizeBytes),
          ...(src.etag === undefined ? {} : { srcEtag: src.etag }),
          copiesTags,
        }),
      );
      announce(src.key, src.sizeBytes, decision, ctx.method);
      return 'skipped';
    }
    // The totals a progress display shows, final once listing ends (well before the copies).
    tally.bytesToCopy += src.sizeBytes;
    tally.toCopy += 1;
    return { transfer: { src, ...(dst ? { dst } : {}), decision } };
  };

  const onSource = (entry: JoinEntry & { src: ListEntry }) => {
    const { src } = entry;
    tally.listed += 1;
    tally.bytesListed += src.sizeBytes;
    const problem = roots.dst.problem(src.key);
    if (problem !== undefined) {
      fail(src.key, serializeError(problem), src.sizeBytes);
      return 'failed';
    }
    const decision = decide(entry, { mode: options.mode, direction: ctx.direction });
    return settleDecision(src, entry.kind === 'match' ? entry.dst : undefined, decision);
  };

  const md5Of = async (key: string, location: ReturnType<Root['location']>) => {
    if (location.kind !== 'local') return undefined;
    const result = await ctx.executor.run({ kind: 'md5', id: nextId++, path: location.path });
    addRequestCounts(tally.requests, result.requests);
    if (!result.ok) {
      fail(key, result.error);
      return undefined;
    }
    return result.md5;
  };

  // The same for every task of the run: worked out once.
  const copiesTags = options.copyTags && roots.src.kind === 's3' && roots.dst.kind === 's3';
  const objectSettings =
    roots.dst.kind === 's3'
      ? withProfileStorageClass(options.objectSettings, roots.dst.spec)
      : undefined;
  const buildTask = (key: string, src: ListEntry): CopyTask => {
    const id = nextId++;
    const task: CopyTask = {
      kind: 'copy',
      id,
      method: ctx.method,
      src: roots.src.location(key),
      dst: roots.dst.location(key),
      sizeBytes: src.sizeBytes,
      mtimeMs: src.mtimeMs,
      multipartThresholdBytes: options.multipartThresholdBytes,
      partSizeBytes: choosePartSize(src.sizeBytes, options.partSizeBytes),
      partConcurrency: options.partConcurrency,
    };
    if (copiesTags) task.copyTags = true;
    if (objectSettings !== undefined) task.objectSettings = objectSettings;
    if (ctx.uploads !== undefined && roots.dst.kind === 's3') {
      task.recordsUploads = true;
      if (usesMultipart(src.sizeBytes, options.multipartThresholdBytes)) {
        ctx.uploads.register(id, key, src);
      }
      const resume = ctx.uploads.resumeFor(key, src);
      if (resume !== undefined) task.resumeUpload = resume;
    }
    return task;
  };

  const settleCopy = (key: string, task: CopyTask, result: TaskResult): Outcome | undefined => {
    tally.inFlightBytes.delete(task.id);
    absorbTaskCounts(tally, result);
    if (result.ok) {
      for (const message of result.warnings ?? []) warnOnce(message);
      tally.recordCopy(task.method, result.bytes);
      if (result.isUnverified === true) tally.unverified += 1;
      return 'copied';
    }
    // A copy stopped by a cancel stays unsettled: a resumed run marches it again.
    if (ctx.isCancelled() && isCancellation(result.error)) {
      tally.cancelled += 1;
      return undefined;
    }
    // Copies in flight when a fatal error stopped the run (a full or read-only destination, a
    // bucket gone) often end with that same error before the cancel reaches them: one condition,
    // reported once. Like a cancelled copy, such a copy stays unsettled for the next run.
    if (result.error.fatal && run.fatal?.code === result.error.code) {
      tally.cancelled += 1;
      return undefined;
    }
    fail(key, result.error, task.sizeBytes);
    return 'failed';
  };

  return {
    srcOnly: (src) => onSource({ kind: 'src-only', src }),
    match: (src, dst) => onSource({ kind: 'match', src, dst }),
    async dstOnly(dst): Promise<Outcome> {
      tally.listedDestination += 1;
      tally.extraneous += 1;
      if (options.shouldDelete && options.isDryRun) {
        tally.wouldDelete += 1;
        emit({
          kind: 'object',
          key: dst.key,
          action: 'delete',
          reason: 'extraneous',
          sizeBytes: dst.sizeBytes,
        });
      } else if (options.shouldDelete) {
        // With a checkpoint the key is recorded there (before the mark passes it): a resumed
        // run deletes it without listing its range again.
        if (ctx.checkpoint === undefined) await ctx.spool.add(dst.key);
        else ctx.checkpoint.extra([dst.key]);
      }
      return 'extraneous';
    },
    /** Hashes the local side(s) the decision names, then decides again. */
    async check({ src, dst, decision }) {
      if (decision.action !== 'needs-hash' || dst === undefined) return 'failed';
      const key = src.key;
      const side = decision.hash;
      const srcMd5 = side === 'dst' ? undefined : await md5Of(key, roots.src.location(key));
      const dstMd5 = side === 'src' ? undefined : await md5Of(key, roots.dst.location(key));
      if ((side !== 'dst' && srcMd5 === undefined) || (side !== 'src' && dstMd5 === undefined)) {
        return 'failed';
      }
      const next = decide(
        { kind: 'match', src, dst },
        {
          mode: options.mode,
          direction: ctx.direction,
          ...(srcMd5 === undefined ? {} : { srcMd5 }),
          ...(dstMd5 === undefined ? {} : { dstMd5 }),
        },
      );
      const verdict = settleDecision(src, dst, next);
      // Decided with both hashes: never a second hash.
      return typeof verdict === 'object' && 'check' in verdict ? 'failed' : verdict;
    },
    async transfer({ src, decision }) {
      const key = src.key;
      const task = buildTask(key, src);
      tally.inFlightBytes.set(task.id, 0);
      announce(key, task.sizeBytes, decision, task.method);
      const result = await ctx.executor.run(task);
      const outcome = settleCopy(key, task, result);
      if (outcome !== 'copied' || ctx.moves === undefined) return outcome;
      try {
        await ctx.moves.copied(key, src, task, result);
      } catch (error) {
        fail(
          key,
          isS3FerryError(error)
            ? serializeError(error)
            : serializeUnexpected(error, 'MoveNotVerified'),
        );
        return 'failed';
      }
      return outcome;
    },
    unlisted: fail,
  };
}

/** The run's object settings, with the destination profile's storage_class unless one is set. */
function withProfileStorageClass(
  settings: ObjectSettings | undefined,
  spec: ProfileSpec | undefined,
): ObjectSettings | undefined {
  const profileClass = spec?.storageClass;
  if (profileClass === undefined || settings?.storageClass !== undefined) return settings;
  return { ...settings, storageClass: profileClass };
}
